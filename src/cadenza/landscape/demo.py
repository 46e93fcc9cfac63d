"""The demo landscape: every demo domain in a process of its own (one DBOS instance each, as
two companies would run them), their addresses and demo credentials written for people and
tools to find."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from cadenza.core.config import settings
from cadenza.landscape.config import DomainConfig, load_domain_config

__all__ = ["DEMO_CONFIGS", "RunningDomain", "start_demo", "write_credentials"]

DEMO_DIR = Path(__file__).parent / "demo"
DEMO_CONFIGS = [DEMO_DIR / "sp.yaml", DEMO_DIR / "partner-a.yaml", DEMO_DIR / "partner-b.yaml"]


@dataclass
class RunningDomain:
    config: DomainConfig
    process: subprocess.Popen[bytes]
    url: str
    log: Path


def start_demo(configs: list[Path] | None = None, *, timeout_s: float = 90) -> list[RunningDomain]:
    logs = settings().var_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    running = []
    for path in configs or DEMO_CONFIGS:
        config = load_domain_config(path)
        log = logs / f"{config.name}.log"
        process = subprocess.Popen([sys.executable, "-m", "cadenza.cli", "domain", "up", str(path)],
                                   stdout=log.open("ab"), stderr=subprocess.STDOUT)
        running.append(RunningDomain(config, process, f"http://{config.host}:{config.port}", log))
    deadline = time.monotonic() + timeout_s
    for domain in running:
        while not _healthy(domain):
            if domain.process.poll() is not None or time.monotonic() > deadline:
                stop_demo(running)
                tail = domain.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"domain {domain.config.name} did not start; its log ends with:\n{tail}")
            time.sleep(0.2)
    return running


def _healthy(domain: RunningDomain) -> bool:
    try:
        return httpx.get(f"{domain.url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def stop_demo(running: list[RunningDomain]) -> None:
    for domain in running:
        if domain.process.poll() is None:
            domain.process.terminate()
    for domain in running:
        try:
            domain.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            domain.process.kill()


def write_credentials(running: list[RunningDomain]) -> Path:
    """`demo-credentials.json` in the Cadenza home: where to get tokens and with which clients."""
    domains = []
    for domain in running:
        domains.append({
            "domain": domain.config.name, "party": domain.config.party.id, "url": domain.url,
            "token_url": f"{domain.url}/oauth2/token",
            "clients": [{"client_id": c.client_id, "client_secret": c.client_secret, "party": c.party,
                         "role": c.role, "scopes": c.scopes} for c in domain.config.clients],
        })
    first = domains[0]
    document = {"token_url": first["token_url"], "clients": first["clients"], "domains": domains}
    path = settings().var_dir / "demo-credentials.json"
    path.write_text(json.dumps(document, indent=2))
    return path
