"""A Fault Management Job (MEF 133.1 / Fault Management v3 `FaultManagementJobStateType`), with
the transitions of the spec's job state diagram that Cadenza takes:

    acknowledged -> rejected                  (validation failed: terminationError says why)
    acknowledged -> scheduled | inProgress    (start in the future, or now)
    acknowledged | scheduled | pending -> resourcesUnavailable   (its service is not active)
    scheduled -> inProgress                   (its start time came)
    inProgress -> completed                   (its schedule ended, or its one test ran)
    inProgress <-> suspended                  (suspend / resume)
    scheduled | suspended -> pending -> scheduled | inProgress   (a modification, then its schedule)
    scheduled | inProgress | suspended -> pendingCancel -> cancelled

A recurring job (inProgress back to scheduled) is not offered: recurringSchedule is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.errors import Conflict
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.allegro.fm_paths import FM_HUB, FM_LISTENER_BASE, job_href
from cadenza.sof.faults import tracking
from cadenza.sof.faults.rows import FaultJobRow

__all__ = ["ACKNOWLEDGED", "REJECTED", "SCHEDULED", "IN_PROGRESS", "COMPLETED", "SUSPENDED", "PENDING",
           "PENDING_CANCEL", "CANCELLED", "RESOURCES_UNAVAILABLE", "RUNNING", "MODIFIABLE", "TRANSITIONS",
           "IllegalJobTransition", "transition_to", "announce", "render"]

ACKNOWLEDGED = "acknowledged"
REJECTED = "rejected"
SCHEDULED = "scheduled"
IN_PROGRESS = "inProgress"
COMPLETED = "completed"
SUSPENDED = "suspended"
PENDING = "pending"
PENDING_CANCEL = "pendingCancel"
CANCELLED = "cancelled"
RESOURCES_UNAVAILABLE = "resourcesUnavailable"
RUNNING = frozenset({SCHEDULED, IN_PROGRESS, SUSPENDED})  # a job whose workflow still has work
MODIFIABLE = frozenset({SCHEDULED, SUSPENDED})  # the diagram's "Modify" arrows leave only these

TRANSITIONS: dict[str, frozenset[str]] = {
    ACKNOWLEDGED: frozenset({REJECTED, SCHEDULED, IN_PROGRESS, RESOURCES_UNAVAILABLE}),
    SCHEDULED: frozenset({IN_PROGRESS, PENDING, PENDING_CANCEL, RESOURCES_UNAVAILABLE}),
    IN_PROGRESS: frozenset({COMPLETED, SUSPENDED, PENDING_CANCEL, RESOURCES_UNAVAILABLE}),
    SUSPENDED: frozenset({IN_PROGRESS, PENDING, PENDING_CANCEL}),
    PENDING: frozenset({SCHEDULED, IN_PROGRESS, RESOURCES_UNAVAILABLE}),
    PENDING_CANCEL: frozenset({CANCELLED}),
    REJECTED: frozenset(), COMPLETED: frozenset(), CANCELLED: frozenset(), RESOURCES_UNAVAILABLE: frozenset(),
}


class IllegalJobTransition(Conflict):
    pass


def transition_to(session: Session, row: FaultJobRow, target: str, *, why: str,
                  wake: Callable[[], None] | None = None) -> None:
    """Move the job to `target`, record it and tell the customer (faultManagementJobStateChangeEvent)."""
    if target not in TRANSITIONS[row.state]:
        raise IllegalJobTransition(f"Fault management job {row.id} is {row.state}: it cannot become {target}")
    row.state, row.updated_at = target, now()
    tracking.record(session, party=row.party, kind=tracking.JOB, related=row.id, source="server",
                    description=f"state {target}: {why}")
    publish(session, api=FM_HUB, event_type="faultManagementJobStateChangeEvent", party=row.party, wake=wake,
            listener_base_path=FM_LISTENER_BASE, resource={"id": row.id, "href": job_href(row.id), "state": target})


def announce(session: Session, row: FaultJobRow, event_type: str, *, wake: Callable[[], None] | None = None) -> None:
    """faultManagementJobCreateEvent or faultManagementJobAttributeValueChangeEvent."""
    publish(session, api=FM_HUB, event_type=event_type, party=row.party, wake=wake,
            listener_base_path=FM_LISTENER_BASE, resource={"id": row.id, "href": job_href(row.id)})


def render(row: FaultJobRow, base_url: str) -> dict[str, Any]:
    """`base_url`: where the SOF answers (the spec's href is an absolute URI)."""
    document: dict[str, Any] = {**row.document, "id": row.id, "href": f"{base_url}{job_href(row.id)}",
                                "state": row.state, "creationDateTime": iso(row.created_at.astimezone(UTC)),
                                "lastTimeModified": iso(row.updated_at.astimezone(UTC))}
    if row.termination:
        document["terminationError"] = row.termination
    return document
