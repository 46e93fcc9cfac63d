"""Workers are refused where they cannot work, with what to do instead: several on SQLite, and
a worker added to a domain whose twin no supervisor serves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers.servers import free_port

DEMO = Path(__file__).parents[3] / "src/cadenza/landscape/demo/sp.yaml"


def cadenza(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CADENZA_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "cadenza.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_several_workers_on_sqlite_are_refused_with_postgresql_named(tmp_path: Path) -> None:
    done = cadenza(tmp_path, "domain", "up", str(DEMO), "--db", f"sqlite:///{tmp_path / 'sp.db'}", "--workers", "2",
                   "--port", str(free_port()))
    assert done.returncode == 2, done.stdout + done.stderr
    said = " ".join(done.stdout.split())
    assert "2 workers cannot share SQLite" in said and "PostgreSQL" in said and "--workers" in said
    assert not (tmp_path / "sp.db").exists()  # refused before anything was created


def test_a_worker_on_sqlite_is_refused(tmp_path: Path) -> None:
    done = cadenza(tmp_path, "worker", str(DEMO), "--db", f"sqlite:///{tmp_path / 'sp.db'}", "--port",
                   str(free_port()))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "cannot share SQLite" in " ".join(done.stdout.split())


def test_a_worker_of_a_domain_nobody_supervises_is_refused(tmp_path: Path, pg_url: str) -> None:
    done = cadenza(tmp_path, "worker", str(DEMO), "--db", pg_url, "--port", str(free_port()))
    assert done.returncode == 2, done.stdout + done.stderr
    said = " ".join(done.stdout.split())
    assert "no process serves this domain's twin" in said and "--workers N" in said


def test_workers_that_would_exhaust_the_servers_connections_are_refused_before_any_starts(
        tmp_path: Path, pg_url: str) -> None:
    # 40 workers of 31 connections each: more than a default server's 100
    done = cadenza(tmp_path, "domain", "up", str(DEMO), "--db", pg_url, "--workers", "40", "--port", str(free_port()))
    assert done.returncode == 2, done.stdout + done.stderr
    said = " ".join(done.stdout.split())
    assert "40 workers would open up to 1240 PostgreSQL connections" in said, said
    assert "raise max_connections" in said and "database.pool_size" in said
    assert "worker 1 started" not in done.stderr

