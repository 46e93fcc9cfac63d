"""Where the benchmarks run the Service Provider: embedded SQLite in one process, or PostgreSQL
with one or two workers (`domain up --workers N`, docs/scale-out.md), each in a fresh database
on the server at CADENZA_BENCH_PG, dropped afterwards. The partner (Alpha Access) is always one
process on SQLite: it is the same partner whatever the Service Provider runs on. Both run as
`cadenza domain up` processes of their own with the scale driver."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import yaml
from sqlalchemy import create_engine, text

from cadenza.bench.ports import free_port

__all__ = ["Runtime", "RUNTIMES", "pg_server", "postgres_problem", "sp_database", "Running", "running_landscape"]

DEMO = Path(__file__).parents[1] / "landscape/demo"
_START_TIMEOUT_S = 180.0
_STOP_TIMEOUT_S = 80.0  # a supervisor gives its workers up to 70 s to end their workflow threads


@dataclass(frozen=True, slots=True)
class Runtime:
    name: str
    label: str
    workers: int | None = None  # None: one domain process on SQLite

    @property
    def postgres(self) -> bool:
        return self.workers is not None


RUNTIMES = {runtime.name: runtime for runtime in (
    Runtime("sqlite", "SQLite, one process"),
    Runtime("pg1", "PostgreSQL, 1 worker", workers=1),
    Runtime("pg2", "PostgreSQL, 2 workers", workers=2),
)}


def pg_server() -> str:
    return os.environ.get("CADENZA_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432").rstrip("/")


def postgres_problem() -> str | None:
    """None when the benchmarks' PostgreSQL server answers, else why the PostgreSQL runtimes are skipped."""
    try:
        engine = create_engine(f"{pg_server()}/postgres", connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # whatever keeps us from connecting means: no server to run on
        return (f"no PostgreSQL server answers at {pg_server()} ({type(exc).__name__}); set CADENZA_BENCH_PG "
                "to a server URL without a database name")


@contextmanager
def sp_database(runtime: Runtime, workdir: Path) -> Iterator[str]:
    """The Service Provider's database URL for `runtime`: an SQLite file, or a new PostgreSQL database."""
    if not runtime.postgres:
        yield f"sqlite:///{workdir / 'sp'}.db"
        return
    name = f"cadenza_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{pg_server()}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{pg_server()}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Running:
    runtime: Runtime
    database_url: str
    urls: dict[str, str]
    procs: dict[str, subprocess.Popen[bytes]]
    logs: dict[str, Path]
    workdir: Path
    worker_pids: list[int] = field(default_factory=list)

    def pid(self, name: str) -> int:
        return self.procs[name].pid

    def profiled(self) -> tuple[int, bool, str]:
        """What to profile of the Service Provider: the pid, whether its subprocesses too, and what it is."""
        if self.worker_pids:
            return self.worker_pids[0], False, f"one worker of {len(self.worker_pids)} of the Service Provider"
        return self.pid("sp"), True, "the Service Provider process and its twin"


def _configs(workdir: Path, urls: dict[str, str]) -> dict[str, Path]:
    """The demo's YAML with the ports of this run: the partner's address at the SP, and the SP's
    (where the partner fetches the token for delivering its events) at the partner."""
    paths = {}
    for name in ("partner-a", "sp"):
        config = yaml.safe_load((DEMO / f"{name}.yaml").read_text())
        config["partners"] = [{**p, "url": urls["partner-a"]} for p in config.get("partners", [])
                              if p["party"] == "partner-a"]
        for client in config.get("clients", []):
            if client.get("listener_credentials") and client["party"] == "cadenza-sp":
                client["listener_credentials"]["url"] = urls["sp"]
        paths[name] = workdir / f"{name}.yaml"
        paths[name].write_text(yaml.safe_dump(config))
    return paths


def _await(name: str, url: str, proc: subprocess.Popen[bytes], ready: Callable[[], bool], log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200 and ready():
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(f"{name} did not start; see {log}")
        time.sleep(0.2)


def _workers_of(supervisor: int) -> list[int]:
    children = [p for p in psutil.Process(supervisor).children() if "worker" in p.cmdline()]
    return [p.pid for p in sorted(children, key=lambda p: p.create_time())]


@contextmanager
def running_landscape(workdir: Path, runtime: Runtime, database_url: str, *,
                      log_level: str = "warning") -> Iterator[Running]:
    """The partner, then the Service Provider on `runtime`, until the `with` ends."""
    urls = {name: f"http://127.0.0.1:{free_port()}" for name in ("partner-a", "sp")}
    paths = _configs(workdir, urls)
    dbs = {"partner-a": f"sqlite:///{workdir / 'partner-a'}.db", "sp": database_url}
    running = Running(runtime, database_url, urls, {}, {name: workdir / f"{name}.log" for name in urls}, workdir)
    try:
        for name in ("partner-a", "sp"):
            workers = runtime.workers if name == "sp" else None
            command = [sys.executable, "-m", "cadenza.cli", "domain", "up", str(paths[name]), "--driver", "scale",
                       "--port", urls[name].rsplit(":", 1)[1], "--db", dbs[name], "--log-level", log_level,
                       *(["--workers", str(workers)] if workers else [])]
            proc = subprocess.Popen(command, stdout=running.logs[name].open("ab"), stderr=subprocess.STDOUT,
                                    env={**os.environ, "CADENZA_HOME": str(workdir / "var")})
            running.procs[name] = proc
            # With workers /health answers once the first serves; the others start after it.
            ready_files = [workdir / "var" / "sp" / f"worker-{i}.ready" for i in range(1, (workers or 0) + 1)]
            _await(name, urls[name], proc, lambda files=ready_files: all(f.exists() for f in files),
                   running.logs[name])
        if runtime.workers:
            running.worker_pids = _workers_of(running.pid("sp"))
        yield running
    finally:
        _stop(running.procs)


def _stop(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    descendants: list[psutil.Process] = []
    for proc in procs.values():
        with suppress(psutil.NoSuchProcess):
            descendants += psutil.Process(proc.pid).children(recursive=True)
        proc.terminate()
    for proc in procs.values():
        try:
            proc.wait(timeout=_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:  # a figure is worth more than a graceful stop
            proc.kill()
            proc.wait()
    # nothing of a domain stopped the hard way may serve beside the next run
    for process in descendants:
        try:
            process.wait(timeout=5)
        except psutil.TimeoutExpired:
            process.kill()
        except psutil.NoSuchProcess:
            pass
