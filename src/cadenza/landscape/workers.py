"""A provider domain as several worker processes sharing one PostgreSQL database.

`cadenza domain up CONFIG --db postgresql://... --workers N` runs a supervisor: it brings the
database schema up to date, starts the domain's network twin in a process of its own (served
to the workers at a local address, with a secret, both published in the database), binds the
domain's API socket and starts N workers (`cadenza worker`) that all accept on that one
socket. Each worker is a whole domain process (entities, workflows, outbox dispatcher) with a
DBOS executor id of its own, attached to the shared twin; the queues and every record are in
the database. A worker that dies is started again, and its unfinished workflows are taken
over by the others within seconds (`core/executors.py`).

`cadenza worker CONFIG --db ... --port P` adds a worker from elsewhere: it serves the same API
at its own port (put one reverse proxy in front of all, docs/scale-out.md) under the domain's
one public address, since that address is the issuer of every token the domain signs.

SQLite is one process: several workers on it are refused with what to do instead.
"""

from __future__ import annotations

import logging
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert

from cadenza.core.connection_budget import check_budget
from cadenza.core.db import Database
from cadenza.core.worker_rows import EndpointRow
from cadenza.ecm.remote import RemoteTwinRuntime, start_remote_twin
from cadenza.landscape.config import DomainConfig, ecm_settings
from cadenza.landscape.database import migrate

__all__ = ["WorkersNeedPostgres", "WorkerRole", "TwinNotServed", "refuse_sqlite", "publish_endpoint",
           "find_endpoint", "Supervisor", "TWIN_ENDPOINT"]

log = logging.getLogger(__name__)
TWIN_ENDPOINT = "twin"
_RESTART_AFTER_S = 1.0
_READY_TIMEOUT_S = 180.0


class WorkersNeedPostgres(ValueError):
    """Several workers were asked for on SQLite."""


class TwinNotServed(LookupError):
    """A worker was started for a domain whose twin nobody serves."""


def refuse_sqlite(database_url: str, workers: int) -> None:
    """Workers share their domain's database; SQLite is one process's."""
    if database_url.startswith("sqlite"):
        raise WorkersNeedPostgres(
            f"{workers} worker{'s' if workers != 1 else ''} cannot share SQLite, which serves one process: give the "
            "domain a PostgreSQL database, e.g. --db postgresql+psycopg://user@host:5432/dbname "
            "(docs/scale-out.md), or run it as one process without --workers")


@dataclass(frozen=True, slots=True)
class WorkerRole:
    """This process is one of the workers of its domain: its DBOS executor id."""

    executor_id: str


def publish_endpoint(database: Database, name: str, address: tuple[str, int], secret: bytes) -> None:
    stmt = insert(EndpointRow).values(name=name, address=f"{address[0]}:{address[1]}", secret=secret.hex(),
                                      updated_at=func.now())
    with database.transaction() as session:
        session.execute(stmt.on_conflict_do_update(index_elements=[EndpointRow.name], set_={
            "address": stmt.excluded.address, "secret": stmt.excluded.secret, "updated_at": func.now()}))


def find_endpoint(database: Database, name: str) -> tuple[tuple[str, int], bytes]:
    with database.read() as session:
        row = session.get(EndpointRow, name)
    if row is None:
        raise TwinNotServed(f"no process serves this domain's {name}: start the domain with "
                            "'cadenza domain up CONFIG --db URL --workers N' before adding workers to it")
    host, _, port = row.address.rpartition(":")
    return (host, int(port)), bytes.fromhex(row.secret)


@dataclass
class _Worker:
    index: int
    ready_file: Path
    process: subprocess.Popen[bytes] | None = None
    started: float = field(default=0.0)


class Supervisor:
    """Starts the shared parts and N workers, keeps them running, stops them on a signal."""

    def __init__(self, config: DomainConfig, config_path: Path, *, database_url: str, workers: int, host: str,
                 port: int, var_dir: Path, driver: str | None = None, netconf_base_port: int | None = None,
                 log_level: str = "info") -> None:
        refuse_sqlite(database_url, workers)
        self.config = config
        self.config_path = config_path
        self.database_url = database_url
        self.count = workers
        self.public_url = f"http://{host}:{port}"
        self.var_dir = var_dir
        self.log_level = log_level
        self._driver = driver
        self._netconf_base_port = netconf_base_port
        self._host, self._port = host, port
        self._workers: list[_Worker] = []
        self._stopping = False
        self.database: Database | None = None
        self.twin: RemoteTwinRuntime | None = None
        self.listener: socket.socket | None = None

    def bind(self) -> socket.socket:
        """Hold the API port from the start: the twin's NETCONF servers must not take it meanwhile."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self._host, self._port))
        listener.listen(2048)
        listener.set_inheritable(True)
        self.listener = listener
        return listener

    def start(self) -> None:
        """The schema, the twin, then the workers: the first alone (it creates what a first start
        creates: signing key, clients, subscriptions), the others together once it is ready."""
        assert self.listener is not None, "bind first"
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.database = Database(self.database_url, pool_size=1, max_overflow=1)
        migrate(self.database)
        # all the workers at once, before any starts: one that fits alone may not fit beside the rest
        check_budget(self.database, processes=self.count, pools=self.config.database.pools())
        authkey = secrets.token_bytes(32)
        # The workers of this machine reach the twin on loopback (docs/scale-out.md for others).
        self.twin = start_remote_twin(ecm_settings(self.config), var_dir=self.var_dir / "twin", driver=self._driver,
                                      base_port=self._netconf_base_port, serve_at=("127.0.0.1", 0), authkey=authkey)
        database, twin = self.database, self.twin

        def publish() -> None:
            assert twin.address is not None, "a twin served at serve_at has an address"
            publish_endpoint(database, TWIN_ENDPOINT, twin.address, authkey)

        publish()
        twin.on_restart.append(publish)  # restarted, the twin answers at a new address: workers look again
        self._workers = [_Worker(i, self.var_dir / f"worker-{i}.ready") for i in range(1, self.count + 1)]
        first, *others = self._workers
        self._launch(first)
        self._await_ready([first])
        for worker in others:
            self._launch(worker)
        self._await_ready(others)

    def _launch(self, worker: _Worker) -> None:
        assert self.listener is not None
        worker.ready_file.unlink(missing_ok=True)
        fd = self.listener.fileno()
        command = [sys.executable, "-m", "cadenza.cli", "worker", str(self.config_path), "--db", self.database_url,
                   "--fd", str(fd), "--public-url", self.public_url, "--ready-file", str(worker.ready_file),
                   "--log-level", self.log_level]
        worker.process = subprocess.Popen(command, pass_fds=[fd])
        worker.started = time.monotonic()
        log.info("%s: worker %d started (pid %d)", self.config.name, worker.index, worker.process.pid)

    def _await_ready(self, workers: list[_Worker]) -> None:
        deadline = time.monotonic() + _READY_TIMEOUT_S
        for worker in workers:
            while not worker.ready_file.exists():
                assert worker.process is not None
                if worker.process.poll() is not None:
                    raise RuntimeError(f"worker {worker.index} of {self.config.name} ended while starting "
                                       f"(exit code {worker.process.returncode}): see its log above")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"worker {worker.index} of {self.config.name} is not ready after "
                                       f"{_READY_TIMEOUT_S:.0f} s")
                time.sleep(0.1)

    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.process is not None]

    def supervise(self) -> None:
        """Until told to stop: a worker that ended is started again (its work is taken over
        by the others meanwhile, and the new one takes its share of the queues)."""
        while not self._stopping:
            for worker in self._workers:
                process = worker.process
                if process is not None and process.poll() is not None and not self._stopping:
                    log.warning("%s: worker %d (pid %d) ended with exit code %s; starting it again",
                                self.config.name, worker.index, process.pid, process.returncode)
                    time.sleep(_RESTART_AFTER_S)
                    if not self._stopping:
                        self._launch(worker)
            time.sleep(0.2)

    def stop(self) -> None:
        self._stopping = True
        running = [w.process for w in self._workers if w.process is not None and w.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 70  # a worker waits up to a minute for its workflow threads
        for process in running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log.warning("worker pid %d did not stop; killing it", process.pid)
                process.kill()
        if self.twin is not None:
            self.twin.close()
        if self.database is not None:
            self.database.dispose()
        if self.listener is not None:
            self.listener.close()

