"""Process-wide settings read from the environment.

Only paths and URLs live here; what a domain *is* (party, network, partners) comes from its
YAML file (`cadenza.landscape.config`).

Every domain's state (its SQLite files, twin, published address, the demo's credentials and
logs) lives under one home, found the same way from any directory, so `cadenza twin status`
run anywhere reaches the domains `make run` started: `CADENZA_HOME` when set (an absolute path;
`CADENZA_VAR` is its earlier name), else `$XDG_STATE_HOME/cadenza`, else
`~/.local/state/cadenza`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings", "home", "settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    var_dir: Path
    database_url: str | None

    def sqlite_url(self, domain: str) -> str:
        return f"sqlite:///{self.var_dir / f'{domain}.db'}"

    def database_url_for(self, domain: str) -> str:
        """One database per domain: SQLite file by default, or the configured server URL."""
        return self.database_url or self.sqlite_url(domain)


def home() -> Path:
    """Where this machine's Cadenza state lives (see the module's docstring); never the cwd."""
    configured = os.environ.get("CADENZA_HOME") or os.environ.get("CADENZA_VAR")
    if configured:
        path = Path(configured).expanduser()
        if not path.is_absolute():
            raise ValueError(f"CADENZA_HOME must be an absolute path (it is {configured!r}): a relative one "
                             "would name another home in every directory")
        return path
    state = os.environ.get("XDG_STATE_HOME")
    base = Path(state) if state and Path(state).is_absolute() else Path.home() / ".local" / "state"
    return base / "cadenza"


def settings() -> Settings:
    var_dir = home()
    var_dir.mkdir(parents=True, exist_ok=True)
    return Settings(
        var_dir=var_dir,
        database_url=os.environ.get("CADENZA_DATABASE_URL") or None,
    )
