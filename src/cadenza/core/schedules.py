"""Periodic work of a domain as DBOS scheduled workflows: once per period across all its workers.

Each worker's DBOS scheduler wakes at every instant of the schedule's cron and enqueues the
workflow under an id made of the schedule's name and that instant (`sched-<name>-<instant>`);
whichever worker comes first creates it, the others find it, and one worker's queue runs it. So
a period runs once however many workers there are, and none at all while none runs (missed
periods are not made up: periodic reads only need the next one).

The schedule lives in the system database. Every start of every worker applies it again from its
configuration (`keep_schedule`, an upsert by name: idempotent); a changed period replaces the
cron, and every running worker's scheduler follows within its polling interval (DBOS polls the
schedules every second for a minute after launch, then every 30 s). Workers started with
different periods share the one applied last.

A cron fires at instants every worker computes alike, so a period becomes the largest that
divides the minute, the hour or the day and is no longer than the one configured (45 s runs
every 30 s, 90 s every minute, 5 h every 4 h): reading more often than asked is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dbos import DBOS

__all__ = ["cron_every", "keep_schedule", "run_now"]

log = logging.getLogger(__name__)

_OF_MINUTE = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)  # steps that divide 60 (seconds or minutes)
_OF_DAY = (1, 2, 3, 4, 6, 8, 12)  # steps that divide 24 hours


def cron_every(period_s: float) -> tuple[str, int]:
    """A cron with seconds for `period_s` and the period, in whole seconds, it actually keeps."""
    whole = max(1, int(period_s))
    if whole < 60:
        step = max(d for d in _OF_MINUTE if d <= whole)
        return f"*/{step} * * * * *", step
    if whole < 3600:
        step = max(d for d in _OF_MINUTE if d <= whole // 60)
        return f"0 */{step} * * * *", step * 60
    if whole < 86400:
        step = max(d for d in _OF_DAY if d <= whole // 3600)
        return f"0 0 */{step} * * *", step * 3600
    return "0 0 0 * * *", 86400


def keep_schedule(name: str, workflow: Callable[[datetime, Any], None], *, period_s: float,
                  context: Any = None) -> int:  # noqa: ANN401 - whatever the workflow takes
    """Run `workflow(scheduled_at, context)` every `period_s` across the domain's workers; after
    `launch_workflows`, at every start. The period it keeps (see `cron_every`)."""
    cron, kept = cron_every(period_s)
    if kept != period_s:
        log.info("schedule %s: every %g s runs every %d s (%s), a period dividing the minute, hour or day",
                 name, period_s, kept, cron)
    DBOS.apply_schedules([{"schedule_name": name, "workflow_fn": workflow, "schedule": cron, "context": context}])
    return kept


def run_now(name: str) -> str:
    """Run the scheduled workflow once now, besides its periods (e.g. a reading at start-up);
    its workflow id."""
    return DBOS.trigger_schedule(name).get_workflow_id()
