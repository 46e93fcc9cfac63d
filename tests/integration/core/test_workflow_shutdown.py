"""A stopping domain leaves no workflow running behind it: a step that keeps failing is not
retried once the domain stops, and `shutdown_workflows` returns only when the workflow threads
have ended, so nothing runs on against a database about to be dropped and the process can exit."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from dbos import DBOS

from cadenza.core.wakeups import WAKEUPS, ProcessStopping
from cadenza.core.workflows import (
    durable_sleep,
    launch_workflows,
    retry_unless_stopping,
    shutdown_workflows,
    start_once,
)

ATTEMPTS: list[str] = []
FAILED_ONCE = threading.Event()


@DBOS.step(retries_allowed=True, max_attempts=50, interval_seconds=2.0, backoff_rate=1.0,
           should_retry=retry_unless_stopping)
def _device_that_never_answers(marker: str) -> None:
    ATTEMPTS.append(marker)
    FAILED_ONCE.set()
    raise RuntimeError("the device does not answer")


@DBOS.workflow()
def _keeps_configuring_the_device(marker: str) -> None:
    _device_that_never_answers(marker)


def test_a_step_retrying_when_the_domain_stops_is_not_tried_again_and_its_thread_ends(database_url: str) -> None:
    ATTEMPTS.clear()
    FAILED_ONCE.clear()
    launch_workflows("cadenza-shutdown-test", database_url)
    try:
        start_once(_keeps_configuring_the_device, f"shutdown-{uuid.uuid4().hex}", "m")
        assert FAILED_ONCE.wait(60), "the workflow never ran its step"
    finally:
        shutdown_workflows()
    assert [t.name for t in threading.enumerate() if t.name.startswith("dbos-executor-")] == []
    # the attempt under way when the domain stopped may finish; none starts after it
    assert 1 <= len(ATTEMPTS) <= 2


WOKE: list[str] = []
SLEEPING = threading.Event()


@DBOS.workflow()
def _waits_for_its_next_period(marker: str, seconds: float) -> None:
    SLEEPING.set()
    durable_sleep(seconds)
    WOKE.append(marker)


def test_a_workflow_sleeping_when_the_domain_stops_leaves_at_once_and_sleeps_what_is_left_after_restart(
        database_url: str) -> None:
    WOKE.clear()
    SLEEPING.clear()
    workflow_id = f"sleep-{uuid.uuid4().hex}"
    launch_workflows("cadenza-sleep-test", database_url)
    try:
        start_once(_waits_for_its_next_period, workflow_id, "m", 4.0)
        assert SLEEPING.wait(30), "the workflow never ran"
        began = time.monotonic()
    finally:
        shutdown_workflows()
    assert time.monotonic() - began < 2.0, "the stop waited for the sleep"
    assert WOKE == [] and [t.name for t in threading.enumerate() if t.name.startswith("dbos-executor-")] == []
    launch_workflows("cadenza-sleep-test", database_url)  # resumes the workflow, as after a crash
    try:
        handle = DBOS.retrieve_workflow(workflow_id)
        handle.get_result()
        # the deadline recorded before the stop holds: what was left, not 4 s more
        assert time.monotonic() - began < 4.0 + 3.0
    finally:
        shutdown_workflows()
    assert WOKE == ["m"]


def test_retry_unless_stopping_lets_a_step_retry_while_the_domain_runs() -> None:
    was_stopping = WAKEUPS.stopping
    WAKEUPS.start()
    try:
        assert retry_unless_stopping(RuntimeError("busy")) is True
        WAKEUPS.stop()
        with pytest.raises(ProcessStopping):
            retry_unless_stopping(RuntimeError("busy"))
    finally:
        (WAKEUPS.stop if was_stopping else WAKEUPS.start)()
