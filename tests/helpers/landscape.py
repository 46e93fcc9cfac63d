"""The demo landscape (Service Provider and two partners) on free ports, each domain a
process of its own started with the real CLI, for end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from tests.helpers.domains import DomainProcess

DEMO = Path(__file__).parents[2] / "src/cadenza/landscape/demo"


@dataclass
class Landscape:
    domains: dict[str, DomainProcess]

    def url(self, name: str) -> str:
        return self.domains[name].url

    def client(self, name: str, client_id: str, secret: str) -> httpx.Client:
        base = self.url(name)
        reply = httpx.post(f"{base}/oauth2/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                        "client_secret": secret}, timeout=10)
        reply.raise_for_status()
        return httpx.Client(base_url=base, timeout=30,
                            headers={"Authorization": f"Bearer {reply.json()['access_token']}"})


def _rewrite(tmp: Path, processes: dict[str, DomainProcess], overrides: dict[str, dict]) -> dict[str, Path]:
    paths = {}
    for name, process in processes.items():
        config = yaml.safe_load((DEMO / f"{name}.yaml").read_text())
        config["port"] = process.port
        for partner in config.get("partners", []):
            if partner["party"] in processes:
                partner["url"] = processes[partner["party"]].url
        for key, value in overrides.get(name, {}).items():
            config[key] = value
        path = tmp / f"{name}.yaml"
        path.write_text(yaml.safe_dump(config))
        paths[name] = path
    return paths


@contextmanager
def landscape(tmp: Path, database_urls: dict[str, str], *, overrides: dict[str, dict] | None = None
              ) -> Iterator[Landscape]:
    """Start the named domains (partners first, so the SP finds them), yield, stop them all."""
    processes = {name: DomainProcess(tmp / name, url) for name, url in database_urls.items()}
    for process in processes.values():
        process.tmp_path.mkdir(parents=True, exist_ok=True)
    paths = _rewrite(tmp, processes, overrides or {})
    try:
        for name in sorted(processes, key=lambda n: n == "sp"):
            processes[name].start(paths[name])
        yield Landscape(processes)
    finally:
        for process in processes.values():
            process.stop()
