"""Where running domains leave their address and operator credentials, so the CLI on the same
machine can reach them from any directory (`domains/<name>.json` in the Cadenza home, `core/config.py`)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from cadenza.core.config import settings
from cadenza.landscape.config import DomainConfig

__all__ = ["DomainAddress", "publish_address", "find_address"]


@dataclass(frozen=True, slots=True)
class DomainAddress:
    name: str
    url: str
    token_url: str
    client_id: str
    client_secret: str
    pid: int


def _folder() -> Path:
    folder = settings().var_dir / "domains"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def publish_address(config: DomainConfig, *, url: str, pid: int) -> Path:
    operator = next((c for c in config.clients if c.role == "operator"), None)
    if operator is None:
        raise ValueError(f"domain {config.name} declares no operator client: the CLI could not manage it")
    address = DomainAddress(config.name, url, f"{url}/oauth2/token", operator.client_id, operator.client_secret, pid)
    path = _folder() / f"{config.name}.json"
    path.write_text(json.dumps(asdict(address), indent=2))
    path.chmod(0o600)
    return path


def find_address(name: str | None) -> DomainAddress:
    folder = _folder()
    if name is None:
        found = sorted(folder.glob("*.json"))
        if len(found) != 1:
            names = ", ".join(p.stem for p in found) or "none"
            raise LookupError(f"say which domain with --domain (running: {names})")
        path = found[0]
    else:
        path = folder / f"{name}.json"
        if not path.exists():
            raise LookupError(f"domain {name!r} is not running here: start it with 'cadenza domain up CONFIG'")
    return DomainAddress(**json.loads(path.read_text()))
