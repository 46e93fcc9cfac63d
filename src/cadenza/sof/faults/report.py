"""A Fault Management Report (Fault Management v3 `FaultManagementReportStateType`).

    acknowledged -> rejected                 (declared by the spec; every report Cadenza makes is
                                              made from a job already validated, so none is)
    acknowledged -> inProgress -> completed  (its period ended and its content is in:
                                              faultManagementJobReportReadyEvent)
    inProgress -> failed                     (the content could not be gathered: terminationError,
                                              faultManagementJobReportPreparationErrorEvent)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from sqlalchemy.orm import Session

from cadenza.core.clock import iso, iso_at, now
from cadenza.core.errors import Conflict
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.allegro.fm_paths import FM_HUB, FM_LISTENER_BASE, job_href, report_href
from cadenza.sof.faults import tracking
from cadenza.sof.faults.rows import FaultReportRow

__all__ = ["ACKNOWLEDGED", "REJECTED", "IN_PROGRESS", "COMPLETED", "FAILED", "TRANSITIONS",
           "IllegalReportTransition", "transition_to", "announce_created", "render", "render_found"]

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


def transition_to(session: Session, row: FaultReportRow, target: str, *, why: str,
                  wake: Callable[[], None] | None = None) -> None:
    if target not in TRANSITIONS[row.state]:
        raise IllegalReportTransition(f"Fault management report {row.id} is {row.state}: it cannot become {target}")
    row.state, row.updated_at = target, now()
    tracking.record(session, party=row.party, kind=tracking.REPORT, related=row.id, source="server",
                    description=f"state {target}: {why}")
    publish(session, api=FM_HUB, event_type="faultManagementReportStateChangeEvent", party=row.party, wake=wake,
            listener_base_path=FM_LISTENER_BASE,
            resource={"id": row.id, "href": report_href(row.id), "state": target})
    job = {"id": row.job_id, "href": job_href(row.job_id)}
    if target == COMPLETED:  # §10.4 step 5: the customer is told its report is ready
        publish(session, api=FM_HUB, event_type="faultManagementJobReportReadyEvent", party=row.party, wake=wake,
                listener_base_path=FM_LISTENER_BASE,
                resource={**job, "reportId": row.id, "reportHref": report_href(row.id)})
    elif target == FAILED:
        publish(session, api=FM_HUB, event_type="faultManagementJobReportPreparationErrorEvent", party=row.party,
                wake=wake, listener_base_path=FM_LISTENER_BASE, resource=job)


def announce_created(session: Session, row: FaultReportRow, *, wake: Callable[[], None] | None = None) -> None:
    publish(session, api=FM_HUB, event_type="faultManagementReportCreateEvent", party=row.party, wake=wake,
            listener_base_path=FM_LISTENER_BASE, resource={"id": row.id, "href": report_href(row.id)})


def render_found(row: FaultReportRow) -> dict[str, Any]:
    """`FaultManagementReport_Find`: the report as listed, without its content."""
    return {**row.document, "id": row.id, "state": row.state,
            "creationDateTime": iso(row.created_at.astimezone(UTC)),
            "reportingTimeframe": {"reportingStartDate": iso_at(row.start_s), "reportingEndDate": iso_at(row.end_s)},
            "faultManagementJob": {"@type": "FaultManagementJobRef", "faultManagementJobId": row.job_id,
                                   "faultManagementJobHref": job_href(row.job_id)}}


def render(row: FaultReportRow, base_url: str) -> dict[str, Any]:
    document = {**render_found(row), "href": f"{base_url}{report_href(row.id)}"}
    if row.content is not None:
        document["reportContent"] = row.content
    if row.termination:
        document["terminationError"] = row.termination
    return document
