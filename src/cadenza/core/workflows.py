"""Durable workflows with DBOS: one DBOS instance per process, its system database next to
the domain database.

Workflows are registered at import time by the entities (`@DBOS.workflow()`); a domain
process calls `launch_workflows` once its entities are wired, and DBOS then resumes every
workflow a crash interrupted. The resource id is always the workflow id, so resubmitting
the same work runs nothing twice.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from dbos import DBOS, DBOSConfig, Queue, SetEnqueueOptions, SetWorkflowID, WorkflowHandle
from dbos._context import snapshot_step_context
from dbos._core import record_sleep
from dbos._dbos import _get_dbos_instance
from sqlalchemy import create_engine, event

from cadenza.core.db import _sqlite_pragmas
from cadenza.core.wakeup_relay import WakeupRelay, start_relay
from cadenza.core.wakeups import WAKEUPS, ProcessStopping

__all__ = ["launch_workflows", "shutdown_workflows", "start_once", "start_or_restart", "system_database_url",
           "declare_queue", "enqueue_once", "WorkQueue", "retry_unless_stopping", "durable_sleep"]

log = logging.getLogger(__name__)
# How long a stopping domain waits for the workflow threads it told to stop (they leave at their
# next wait or retry; an HTTP call under way ends at its own timeout).
_THREADS_STOP_S = 60.0

# The relay of this process's wake-up hints to the domain's other workers (PostgreSQL only).
_RELAY: WakeupRelay | None = None

P = ParamSpec("P")
R = TypeVar("R")
APPLICATION_VERSION = "cadenza-0.1"


def system_database_url(app_url: str) -> str:
    """SQLite: a sibling file, so workflow checkpoints never wait on entity writes.
    PostgreSQL: the same database (DBOS keeps to its own `dbos` schema)."""
    if app_url.startswith("sqlite:///"):
        path = Path(app_url.removeprefix("sqlite:///"))
        return f"sqlite:///{path.with_name(path.stem + '.dbos.db')}"
    return app_url


def launch_workflows(name: str, app_url: str, *, log_level: str = "WARNING", executor_id: str | None = None,
                     pool_size: int = 10, queue_polling_s: float | None = None) -> None:
    """`executor_id`: this process's among the workers of the domain (`core/executors.py`);
    by default `name`, the one process of a domain, which then resumes its own work at start.
    `pool_size`: DBOS's connections to a PostgreSQL system database (core/connection_budget.py).
    `queue_polling_s`: how often every queue is looked at, instead of each queue's own figure."""
    url = system_database_url(app_url)
    config: DBOSConfig = {
        "name": name,
        "system_database_url": url,
        "log_level": log_level,
        # A fixed version lets a restarted process recover the workflows of its predecessor.
        "application_version": APPLICATION_VERSION,
        "executor_id": executor_id or name,
        "sys_db_pool_size": pool_size,
    }
    if url.startswith("sqlite"):
        # One connection: DBOS's writers then queue on the pool instead of meeting SQLite's busy
        # handler, which sleeps them in steps of up to 100 ms and left the process mostly idle.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=1, max_overflow=0, pool_timeout=300)
        event.listen(engine, "connect", _sqlite_pragmas)
        config["system_database_engine"] = engine
    WAKEUPS.start()
    global _RELAY
    # Before DBOS resumes anything, so the waits it resumes hear the other workers from the start.
    _RELAY = start_relay(name, app_url)
    DBOS(config=config)
    DBOS.launch()
    for queue in _QUEUES.values():
        queue.handle = DBOS.register_queue(queue.name, worker_concurrency=queue.worker_concurrency,
                                           polling_interval_sec=queue_polling_s or queue.polling_interval_s,
                                           on_conflict="always_update")


def retry_unless_stopping(_error: BaseException) -> bool:
    """`should_retry` of every retried step: once the domain stops, a failing step is not tried
    again (DBOS would sleep and retry it against a database or device being taken away, holding
    the process for minutes); it leaves with ProcessStopping, recorded as neither done nor
    failed, so the next start resumes it as after a crash."""
    if WAKEUPS.stopping:
        raise ProcessStopping
    return True


def durable_sleep(seconds: float) -> None:
    """`DBOS.sleep` that a stopping domain ends at once. DBOS sleeps a workflow's thread in
    `time.sleep`, so a job waiting for its next period (minutes or hours) held every stop of its
    process for as long as `shutdown_workflows` waits. The deadline is recorded as DBOS.sleep
    records it (its own step, so a workflow recorded by either replays with the other: pinned
    dbos 3.4, whose `sleep` is these two calls); the wait leaves with ProcessStopping when the
    domain stops, and the next launch sleeps only what is left."""
    if seconds <= 0:
        return
    remaining = record_sleep(_get_dbos_instance(), snapshot_step_context(), seconds)
    deadline = time.monotonic() + remaining
    with WAKEUPS.watch(None) as stop:  # set by nothing but the domain stopping
        while (left := deadline - time.monotonic()) > 0:
            WAKEUPS.pause(stop, left)


def shutdown_workflows() -> None:
    # Waiting work leaves at once (as after a crash, to be resumed by the next launch) rather
    # than keep the process alive until its next safety-net read.
    WAKEUPS.stop()
    global _RELAY
    if _RELAY is not None:
        _RELAY.stop()
        _RELAY = None
    DBOS.destroy(destroy_registry=False)
    # DBOS stops taking work but leaves the workflows under way running on their threads (not
    # daemons): wait for them here, told to stop as they are, so nothing runs on against a
    # database the caller is about to close or drop, and the process can end.
    deadline = time.monotonic() + _THREADS_STOP_S
    for thread in [t for t in threading.enumerate() if t.name.startswith("dbos-executor-")]:
        thread.join(max(deadline - time.monotonic(), 0.0))
        if thread.is_alive():
            log.warning("workflow thread %s still runs after the domain stopped", thread.name)


@dataclass
class WorkQueue:
    """A DBOS queue: at most `worker_concurrency` of its workflows run in this process at once;
    the others wait in the system database, in order, and survive a restart there."""

    name: str
    worker_concurrency: int
    polling_interval_s: float = 0.1
    handle: Queue | None = None


_QUEUES: dict[str, WorkQueue] = {}


def declare_queue(name: str, *, worker_concurrency: int, polling_interval_s: float = 0.1) -> WorkQueue:
    """Declare a queue at import time; `launch_workflows` registers it with DBOS."""
    queue = _QUEUES.setdefault(name, WorkQueue(name, worker_concurrency, polling_interval_s))
    return queue


def enqueue_once(queue: WorkQueue, workflow: Callable[P, R], workflow_id: str, *args: Any,
                 delay_s: float | None = None) -> WorkflowHandle[R]:
    """Queue `workflow` under `workflow_id`; if it already waits, runs or ran, get that one back.
    `delay_s`: it is taken from the queue only that much later (waiting in the system database
    meanwhile, taking no place in the queue, surviving a restart there)."""
    if queue.handle is None:
        raise RuntimeError(f"queue {queue.name} is not registered: launch_workflows first")
    delayed = SetEnqueueOptions(delay_seconds=delay_s) if delay_s is not None else nullcontext()
    with SetWorkflowID(workflow_id), delayed:
        return queue.handle.enqueue(workflow, *args)


def start_once(workflow: Callable[P, R], workflow_id: str, *args: Any) -> WorkflowHandle[R]:
    """Start `workflow` under `workflow_id`; if it already ran or runs, get that one back."""
    with SetWorkflowID(workflow_id):
        return DBOS.start_workflow(workflow, *args)


# A workflow that ended in one of these never finished its work.
_UNFINISHED = {"ERROR", "MAX_RECOVERY_ATTEMPTS_EXCEEDED", "CANCELLED"}


def start_or_restart(workflow: Callable[P, R], workflow_id: str, *args: Any) -> WorkflowHandle[R]:
    """Like `start_once`, for work the caller knows is not done (e.g. at start-up): when the
    workflow under `workflow_id` ended without finishing (a step raised what it should not
    have, retries ran out, someone cancelled it), a new one runs under `<id>-restart-<n>`.
    Resuming the old one would not do: DBOS replays a failed step's recorded error. The steps
    are idempotent, so the new run redoes nothing that is done."""
    return start_once(workflow, current_attempt(workflow_id), *args)


def enqueue_or_restart(queue: WorkQueue, workflow: Callable[P, R], workflow_id: str, *args: Any) -> WorkflowHandle[R]:
    """`start_or_restart` for a workflow that runs from a queue."""
    return enqueue_once(queue, workflow, current_attempt(workflow_id), *args)


def current_attempt(workflow_id: str) -> str:
    """The id the work of `workflow_id` runs (or is to run) under: the first of `workflow_id`,
    `<id>-restart-1`, ... that did not end unfinished."""
    attempt_id = workflow_id
    for attempt in itertools.count(1):
        status = DBOS.get_workflow_status(attempt_id)
        if status is None or status.status not in _UNFINISHED:
            return attempt_id
        attempt_id = f"{workflow_id}-restart-{attempt}"
    raise AssertionError("unreachable")
