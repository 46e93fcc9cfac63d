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
from tests.helpers.servers import reserve

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


def _config(name: str) -> dict:
    return yaml.safe_load((DEMO / f"{name}.yaml").read_text())


def _write(tmp: Path, name: str, process: DomainProcess, urls: dict[str, str], overrides: dict[str, dict]) -> Path:
    """`urls`: where each party's domain answers."""
    config = _config(name)
    config.update(overrides.get(name, {}))  # before the partners' addresses: an override may list partners
    config["port"] = process.port
    for partner in config.get("partners", []):
        if partner["party"] in urls:
            partner["url"] = urls[partner["party"]]
    for client in config.get("clients", []):  # a subscriber's listeners are where its domain answers
        if client.get("listener_credentials") and client["party"] in urls:
            client["listener_credentials"]["url"] = urls[client["party"]]
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@contextmanager
def landscape(tmp: Path, database_urls: dict[str, str], *, overrides: dict[str, dict] | None = None,
              args: dict[str, list[str]] | None = None) -> Iterator[Landscape]:
    """Start the named domains (partners first, so the SP finds them), yield, stop them all.

    Every domain's port is held (bound) from the start, so the partners, started first, know
    where the SP's listeners are, and the NETCONF servers of a domain starting before another
    cannot take its port; each is let go only as its domain starts. `args`: more options of
    `cadenza domain up` per domain (e.g. `--workers`)."""
    processes: dict[str, DomainProcess] = {}
    held = {name: reserve() for name in database_urls}
    try:
        for name in database_urls:
            processes[name] = DomainProcess(tmp / name, database_urls[name], port=held[name].getsockname()[1],
                                            args=(args or {}).get(name))
        urls = {_config(name)["party"]["id"]: process.url for name, process in processes.items()}
        for name in sorted(database_urls, key=lambda n: n == "sp"):
            process = processes[name]
            process.tmp_path.mkdir(parents=True, exist_ok=True)
            held.pop(name).close()
            process.start(_write(tmp, name, process, urls, overrides or {}))
        yield Landscape(processes)
    finally:
        for sock in held.values():
            sock.close()
        for process in processes.values():
            process.stop()
