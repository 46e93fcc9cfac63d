"""A worker process of a domain with one periodic job: started twice on one PostgreSQL database by
tests/integration/core/test_periodic_workers.py, each applying the schedule at its start as a
domain's workers do.

    python -m tests.helpers.periodic_worker DATABASE_URL PERIOD_S

The job adds a row to `periodic_run` (which the test made) for every run. Prints `ready` once
its workflows run; stops when its standard input closes.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime

from dbos import DBOS
from sqlalchemy import Engine, create_engine, text

from cadenza.core.executors import worker_executor_id
from cadenza.core.schedules import keep_schedule
from cadenza.core.workflows import launch_workflows, shutdown_workflows

SCHEDULE = "test-count-periods"
_ENGINE: list[Engine] = []


@DBOS.workflow()
def count_period(scheduled_at: datetime, label: str) -> None:
    record_period(scheduled_at.isoformat(), label)


@DBOS.step()
def record_period(instant: str, label: str) -> None:
    with _ENGINE[0].begin() as conn:
        conn.execute(text("INSERT INTO periodic_run (instant, label, pid) VALUES (:instant, :label, :pid)"),
                     {"instant": instant, "label": label, "pid": os.getpid()})


def main(database_url: str, period_s: str) -> None:
    _ENGINE.append(create_engine(database_url))
    name = "cadenza-periodic-test"
    launch_workflows(name, database_url, executor_id=worker_executor_id(name))  # each worker its own
    try:
        keep_schedule(SCHEDULE, count_period, period_s=float(period_s), context="runs")
        print("ready", flush=True)
        sys.stdin.read()
    finally:
        shutdown_workflows()
        _ENGINE[0].dispose()


if __name__ == "__main__":
    main(*sys.argv[1:])
