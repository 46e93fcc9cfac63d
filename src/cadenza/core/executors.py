"""The workers of one domain: who is alive, and who takes over the work of one that died.

Every worker process of a domain has a DBOS executor id of its own and writes a heartbeat
into the domain's database every `heartbeat_s`. Each also looks for workers whose heartbeat
is older than `dead_after_s`: the one that deletes such a row (a conditional DELETE, so one
worker wins) hands that executor's pending workflows back to the queues, where the live
workers take them (DBOS re-enqueues a pending workflow only while it still belongs to the dead
executor, so a takeover twice over runs nothing twice). A worker that stops cleanly leaves
its row stale at once, so its unfinished work moves on without waiting for the timeout.

Times are the database server's (`now()`), never a worker's clock: workers on several
machines need not agree on the time. One process on SQLite has no peers and needs none of
this: DBOS resumes its own work at its next start.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dbos import DBOS
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from cadenza.core.db import Database
from cadenza.core.worker_rows import WorkerRow

__all__ = ["WorkerRegistry", "WorkerSettings", "worker_executor_id"]

log = logging.getLogger(__name__)
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def worker_executor_id(workflows_name: str) -> str:
    """An executor id no other worker of the domain has had: host, process and a random part
    (a restarted worker is a new executor; the old one's work is taken over)."""
    return f"{workflows_name}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    heartbeat_s: float = 1.0
    # Long enough for a busy worker's heartbeat to come late now and then, short enough that
    # orders of a dead worker go on within seconds.
    dead_after_s: float = 6.0


class WorkerRegistry:
    def __init__(self, database: Database, executor_id: str, settings: WorkerSettings | None = None,
                 on_takeover: Callable[[], None] | None = None) -> None:
        """`on_takeover`: run (in a thread of its own, the heartbeat goes on) after this worker took
        over a dead one: the domain's start-up sweep, for the work the dead one had committed but
        not yet handed to a workflow (its workflows are recovered by DBOS; that work has none)."""
        if database.is_sqlite:
            raise ValueError("workers share a PostgreSQL database; SQLite is one process")
        # A connection of its own: a busy worker whose pool is taken by requests must still beat
        # on time, or its peers would take over the work it is doing (and both would run it).
        self._db = Database(database.url, pool_size=1, max_overflow=0)
        self.executor_id = executor_id
        self.settings = settings or WorkerSettings()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.taken_over: list[str] = []  # executors whose work this worker handed back to the queues
        self._on_takeover = on_takeover

    def start(self) -> None:
        self.beat()
        self._thread = threading.Thread(target=self._run, name="worker-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and say so: the peers take over what this worker leaves unfinished."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            with self._db.transaction() as session:
                session.execute(update(WorkerRow).where(WorkerRow.executor_id == self.executor_id)
                                .values(heartbeat_at=_LONG_AGO))
        except Exception:  # the database may be going away with us; the timeout then does it
            log.warning("could not record that worker %s stopped", self.executor_id, exc_info=True)
        self._db.engine.dispose()

    def live_workers(self) -> list[str]:
        cutoff = func.now() - timedelta(seconds=self.settings.dead_after_s)
        with self._db.read() as session:
            return list(session.scalars(select(WorkerRow.executor_id).where(WorkerRow.heartbeat_at >= cutoff)
                                        .order_by(WorkerRow.started_at)))

    def _run(self) -> None:
        while not self._stop.wait(self.settings.heartbeat_s):
            try:
                self.beat()
                self.take_over_dead()
            except Exception:  # a database away for a moment must not end the heartbeat for good
                log.warning("worker %s: heartbeat failed; trying again", self.executor_id, exc_info=True)

    def beat(self) -> None:
        stmt = insert(WorkerRow).values(executor_id=self.executor_id, host=socket.gethostname(), pid=os.getpid(),
                                        started_at=func.now(), heartbeat_at=func.now())
        with self._db.transaction() as session:
            session.execute(stmt.on_conflict_do_update(index_elements=[WorkerRow.executor_id],
                                                       set_={"heartbeat_at": func.now()}))

    def take_over_dead(self) -> list[str]:
        """Hand back to the queues the pending work of every executor found dead; the executors
        this worker took over. A dead one is one with pending workflows and no fresh heartbeat
        (it stopped beating, or never beat: a process of before the workers, a row cleaned up).
        The claim pushes its heartbeat one timeout on, in a conditional write, so of several
        workers looking at once one takes it over, and one that dies while taking over leaves
        it to the next (DBOS's re-enqueue of a workflow still owned by the dead is idempotent)."""
        with self._db.read() as session:
            pending = set(session.scalars(text(_PENDING_EXECUTORS)))
        pending.discard(self.executor_id)
        taken = [executor for executor in sorted(pending) if self._claim(executor)]
        for executor in taken:
            handles = DBOS._recover_pending_workflows([executor])
            log.warning("worker %s took over %d unfinished workflows of executor %s, which is not alive",
                        self.executor_id, len(handles), executor)
        self.taken_over.extend(taken)
        if taken and self._on_takeover is not None:
            threading.Thread(target=self._sweep, name="takeover-sweep", daemon=True).start()
        self._forget_stale(pending)
        return taken

    def _sweep(self) -> None:
        assert self._on_takeover is not None
        try:
            self._on_takeover()
        except Exception:  # the next takeover or start sweeps again; the heartbeat must go on
            log.exception("worker %s: resuming the work a dead worker left uncommitted failed", self.executor_id)

    def _claim(self, executor: str) -> bool:
        cutoff = func.now() - timedelta(seconds=self.settings.dead_after_s)
        stmt = insert(WorkerRow).values(executor_id=executor, host="", pid=0, started_at=func.now(),
                                        heartbeat_at=func.now())
        stmt = stmt.on_conflict_do_update(index_elements=[WorkerRow.executor_id], set_={"heartbeat_at": func.now()},
                                          where=WorkerRow.heartbeat_at < cutoff)
        with self._db.transaction() as session:
            return session.execute(stmt.returning(WorkerRow.executor_id)).first() is not None

    def _forget_stale(self, pending: set[str]) -> None:
        """Rows of workers long gone that have nothing left to take over."""
        cutoff = func.now() - timedelta(seconds=self.settings.dead_after_s * 2)
        stale = delete(WorkerRow).where(WorkerRow.heartbeat_at < cutoff, WorkerRow.executor_id != self.executor_id)
        if pending:
            stale = stale.where(WorkerRow.executor_id.not_in(sorted(pending)))
        with self._db.transaction() as session:
            session.execute(stale)


# DBOS keeps its tables in the `dbos` schema of the domain's PostgreSQL database
# (`core/workflows.py`, system_database_url); `status` is indexed there.
_PENDING_EXECUTORS = "SELECT DISTINCT executor_id FROM dbos.workflow_status WHERE status = 'PENDING'"
