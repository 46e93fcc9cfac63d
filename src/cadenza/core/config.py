"""Process-wide settings read from the environment.

Only paths and URLs live here; what a domain *is* (party, network, partners) comes from its
YAML file (`cadenza.landscape.config`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings", "settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    var_dir: Path
    database_url: str | None

    def sqlite_url(self, domain: str) -> str:
        return f"sqlite:///{self.var_dir / f'{domain}.db'}"

    def database_url_for(self, domain: str) -> str:
        """One database per domain: SQLite file by default, or the configured server URL."""
        return self.database_url or self.sqlite_url(domain)


def settings() -> Settings:
    var_dir = Path(os.environ.get("CADENZA_VAR", "var")).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    return Settings(
        var_dir=var_dir,
        database_url=os.environ.get("CADENZA_DATABASE_URL") or None,
    )
