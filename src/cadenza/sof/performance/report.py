"""A Performance Report (Allegro PM v5 `PerformanceReportStateType`).

    acknowledged -> rejected                 (the request cannot be served: terminationError)
    acknowledged -> inProgress -> completed  (the report's timeframe has ended and its data is in)
    inProgress -> failed                     (the data could not be gathered: terminationError)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from sqlalchemy.orm import Session

from cadenza.core.clock import iso, iso_at, now
from cadenza.core.errors import Conflict
from cadenza.core.notifications.outbox import publish
from cadenza.sof.performance import apis, tracking
from cadenza.sof.performance.apis import PmApi
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


def href(report_id: str, api: PmApi = apis.ALLEGRO) -> str:
    return f"{api.base}/performanceReport/{report_id}"


def transition_to(session: Session, row: PerformanceReportRow, target: str, *, why: str,
                  wake: Callable[[], None] | None = None) -> None:
    if target not in TRANSITIONS[row.state]:
        raise IllegalReportTransition(f"Performance report {row.id} is {row.state}: it cannot become {target}")
    row.state, row.updated_at = target, now()
    api = apis.of(row.api)
    tracking.record(session, party=row.party, kind="PerformanceReportRef", related=row.id, source="server",
                    description=f"state {target}: {why}", api=api)
    changed: dict[str, str] = {"id": row.id, "href": href(row.id, api)}
    if api.dialect == "v5":  # the v2 report event carries no state
        changed["state"] = target
    publish(session, api=api.hub, event_type="performanceReportStateChangeEvent", party=row.party, wake=wake,
            listener_base_path=api.listener_base, resource=changed)
    job = {"id": row.job_id, "href": f"{api.base}/performanceJob/{row.job_id}"}
    if target == COMPLETED and row.job_id:
        publish(session, api=api.hub, event_type="performanceJobReportReadyEvent", party=row.party, wake=wake,
                listener_base_path=api.listener_base,
                resource={**job, "reportId": row.id, "reportHref": href(row.id, api)})
    elif target == FAILED and row.job_id and api.dialect == "v2":
        publish(session, api=api.hub, event_type="performanceJobReportPreparationErrorEvent", party=row.party,
                wake=wake, listener_base_path=api.listener_base,
                resource={**job, "reportPreparationFailedReason": why})


def announce_created(session: Session, row: PerformanceReportRow, *, wake: Callable[[], None] | None = None) -> None:
    api = apis.of(row.api)
    publish(session, api=api.hub, event_type="performanceReportCreateEvent", party=row.party, wake=wake,
            listener_base_path=api.listener_base, resource={"id": row.id, "href": href(row.id, api)})


def render(row: PerformanceReportRow) -> dict[str, Any]:
    document: dict[str, Any] = {**row.document, "id": row.id, "href": href(row.id), "state": row.state,
                                "creationDateTime": iso(row.created_at.astimezone(UTC))}
    document.setdefault("reportingTimeframe", {"reportingStartDate": iso_at(row.start_s),
                                               "reportingEndDate": iso_at(row.end_s)})
    if row.job_id:
        document["performanceJob"] = {"@type": "PerformanceJobRef", "performanceJobId": row.job_id,
                                      "performanceJobHref": f"{apis.ALLEGRO.base}/performanceJob/{row.job_id}"}
    if row.content is not None:
        document["reportContent"] = row.content
    if row.termination:
        document["terminationError"] = row.termination
    return document
