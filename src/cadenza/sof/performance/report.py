"""A Performance Report (Allegro PM v5 `PerformanceReportStateType`).

    acknowledged -> rejected                 (the request cannot be served: terminationError)
    acknowledged -> inProgress -> completed  (the report's timeframe has ended and its data is in)
    inProgress -> failed                     (the data could not be gathered: terminationError)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.errors import Conflict
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.allegro.pm_paths import PM_BASE, PM_HUB, PM_LISTENER_BASE
from cadenza.sof.performance import tracking
from cadenza.sof.performance.rows import PerformanceReportRow

__all__ = ["ACKNOWLEDGED", "REJECTED", "IN_PROGRESS", "COMPLETED", "FAILED", "TRANSITIONS",
           "IllegalReportTransition", "transition_to", "announce_created", "render", "href"]

ACKNOWLEDGED = "acknowledged"
REJECTED = "rejected"
IN_PROGRESS = "inProgress"
COMPLETED = "completed"
FAILED = "failed"

TRANSITIONS: dict[str, frozenset[str]] = {
    ACKNOWLEDGED: frozenset({REJECTED, IN_PROGRESS}),
    IN_PROGRESS: frozenset({COMPLETED, FAILED}),
    REJECTED: frozenset(), COMPLETED: frozenset(), FAILED: frozenset(),
}


class IllegalReportTransition(Conflict):
    pass


def href(report_id: str) -> str:
    return f"{PM_BASE}/performanceReport/{report_id}"


def transition_to(session: Session, row: PerformanceReportRow, target: str, *, why: str,
                  wake: Callable[[], None] | None = None) -> None:
    if target not in TRANSITIONS[row.state]:
        raise IllegalReportTransition(f"Performance report {row.id} is {row.state}: it cannot become {target}")
    row.state, row.updated_at = target, now()
    tracking.record(session, party=row.party, kind="PerformanceReportRef", related=row.id, source="server",
                    description=f"state {target}: {why}")
    publish(session, api=PM_HUB, event_type="performanceReportStateChangeEvent", party=row.party, wake=wake,
            listener_base_path=PM_LISTENER_BASE, resource={"id": row.id, "href": href(row.id), "state": target})
    if target == COMPLETED and row.job_id:
        publish(session, api=PM_HUB, event_type="performanceJobReportReadyEvent", party=row.party, wake=wake,
                listener_base_path=PM_LISTENER_BASE,
                resource={"id": row.job_id, "href": f"{PM_BASE}/performanceJob/{row.job_id}",
                          "reportId": row.id, "reportHref": href(row.id)})


def announce_created(session: Session, row: PerformanceReportRow, *, wake: Callable[[], None] | None = None) -> None:
    publish(session, api=PM_HUB, event_type="performanceReportCreateEvent", party=row.party, wake=wake,
            listener_base_path=PM_LISTENER_BASE, resource={"id": row.id, "href": href(row.id)})


def _at(seconds: float) -> str:
    return iso(datetime.fromtimestamp(seconds, UTC))


def render(row: PerformanceReportRow) -> dict[str, Any]:
    document: dict[str, Any] = {**row.document, "id": row.id, "href": href(row.id), "state": row.state,
                                "creationDateTime": iso(row.created_at.astimezone(UTC))}
    document.setdefault("reportingTimeframe", {"reportingStartDate": _at(row.start_s),
                                               "reportingEndDate": _at(row.end_s)})
    if row.job_id:
        document["performanceJob"] = {"@type": "PerformanceJobRef", "performanceJobId": row.job_id,
                                      "performanceJobHref": f"{PM_BASE}/performanceJob/{row.job_id}"}
    if row.content is not None:
        document["reportContent"] = row.content
    if row.termination:
        document["terminationError"] = row.termination
    return document
