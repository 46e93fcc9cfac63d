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


def _write(tmp: Path, name: str, process: DomainProcess, running: dict[str, DomainProcess],
           overrides: dict[str, dict]) -> Path:
    config = yaml.safe_load((DEMO / f"{name}.yaml").read_text())
    config.update(overrides.get(name, {}))  # before the partners' addresses: an override may list partners
    config["port"] = process.port
    for partner in config.get("partners", []):
        if partner["party"] in running:
            partner["url"] = running[partner["party"]].url
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@contextmanager
def landscape(tmp: Path, database_urls: dict[str, str], *, overrides: dict[str, dict] | None = None
              ) -> Iterator[Landscape]:
    """Start the named domains (partners first, so the SP finds them), yield, stop them all.

    Each domain's port is picked only when it starts: a port picked earlier could be taken
    meanwhile by the NETCONF servers of a domain starting before it."""
    processes: dict[str, DomainProcess] = {}
    try:
        for name in sorted(database_urls, key=lambda n: n == "sp"):
            process = DomainProcess(tmp / name, database_urls[name])
            process.tmp_path.mkdir(parents=True, exist_ok=True)
            processes[name] = process
            process.start(_write(tmp, name, process, processes, overrides or {}))
        yield Landscape(processes)
    finally:
        for process in processes.values():
            process.stop()
