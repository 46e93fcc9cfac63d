"""The SOF's periodic reading of every segment's operational state (`operational.reconcile`), as a
scheduled workflow: once every `operational_reconcile_s` across the domain's workers, and once at
each start (core/schedules.py). Events carry the changes meanwhile; the reading only repairs
what a lost one left untold."""

from __future__ import annotations

import logging
from datetime import datetime

from dbos import DBOS

from cadenza.core.schedules import keep_schedule, run_now
from cadenza.sof import operational, partner_state, steps
from cadenza.sof.service import Sof

__all__ = ["schedule_readings", "schedule_name"]

log = logging.getLogger(__name__)


def schedule_name(sof_name: str) -> str:
    return f"sof-operational-state-{sof_name}"


def schedule_readings(sof: Sof) -> None:
    """After `launch_workflows`, at every start: keep the schedule at the configured period and
    read once now (what changed while the domain was down)."""
    name = schedule_name(sof.name)
    keep_schedule(name, read_segment_states, period_s=sof.config.operational_reconcile_s, context=sof.name)
    run_now(name)


@DBOS.workflow()
def read_segment_states(scheduled_at: datetime, sof_name: str) -> None:
    reconcile_segment_states(sof_name)


@DBOS.step()
def reconcile_segment_states(sof_name: str) -> int:
    """One reading, the ICMs' segments then the partners'; a network domain or a partner that does
    not answer is skipped until the next."""
    sof = steps.registered(sof_name)
    return operational.reconcile(sof) + partner_state.reconcile_partners(sof)
