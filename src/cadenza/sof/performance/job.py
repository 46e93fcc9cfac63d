"""A Performance Monitoring Job (MEF 133.1 / Allegro PM v5 `PerformanceJobStateType`).

    acknowledged -> rejected                  (validation failed: terminationError says why)
    acknowledged -> scheduled -> inProgress   (start in the future) or acknowledged -> inProgress
    inProgress -> completed                   (its schedule ended: a non-recurring job)
    inProgress <-> suspended                  (suspend / resume)
    scheduled | inProgress | suspended -> pendingCancel -> cancelled
    scheduled | inProgress -> resourcesUnavailable   (its service is gone)

`pending` (a modification under way) is not reached: Cadenza does not serve modifyPerformanceJob.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.errors import Conflict
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.allegro.pm_paths import PM_BASE, PM_HUB, PM_LISTENER_BASE
from cadenza.sof.performance import tracking
from cadenza.sof.performance.rows import PerformanceJobRow

__all__ = ["ACKNOWLEDGED", "REJECTED", "SCHEDULED", "IN_PROGRESS", "COMPLETED", "SUSPENDED", "PENDING_CANCEL",
           "CANCELLED", "RESOURCES_UNAVAILABLE", "RUNNING", "TRANSITIONS", "IllegalJobTransition", "transition_to",
           "render", "announce_created", "href"]

ACKNOWLEDGED = "acknowledged"
REJECTED = "rejected"
SCHEDULED = "scheduled"
IN_PROGRESS = "inProgress"
COMPLETED = "completed"
SUSPENDED = "suspended"
PENDING_CANCEL = "pendingCancel"
CANCELLED = "cancelled"
RESOURCES_UNAVAILABLE = "resourcesUnavailable"
RUNNING = frozenset({SCHEDULED, IN_PROGRESS, SUSPENDED})  # a job whose workflow still has work

TRANSITIONS: dict[str, frozenset[str]] = {
    ACKNOWLEDGED: frozenset({REJECTED, SCHEDULED, IN_PROGRESS}),
    SCHEDULED: frozenset({IN_PROGRESS, PENDING_CANCEL, RESOURCES_UNAVAILABLE}),
    IN_PROGRESS: frozenset({COMPLETED, SUSPENDED, PENDING_CANCEL, RESOURCES_UNAVAILABLE}),
    SUSPENDED: frozenset({IN_PROGRESS, PENDING_CANCEL}),
    PENDING_CANCEL: frozenset({CANCELLED}),
    REJECTED: frozenset(), COMPLETED: frozenset(), CANCELLED: frozenset(), RESOURCES_UNAVAILABLE: frozenset(),
}


class IllegalJobTransition(Conflict):
    pass


def href(job_id: str) -> str:
    return f"{PM_BASE}/performanceJob/{job_id}"


def transition_to(session: Session, row: PerformanceJobRow, target: str, *, why: str,
                  wake: Callable[[], None] | None = None) -> None:
    """Move the job to `target`, record it and tell the customer (performanceJobStateChangeEvent)."""
    if target not in TRANSITIONS[row.state]:
        raise IllegalJobTransition(f"Performance job {row.id} is {row.state}: it cannot become {target}")
    row.state, row.updated_at = target, now()
    tracking.record(session, party=row.party, kind="PerformanceJobRef", related=row.id, source="server",
                    description=f"state {target}: {why}")
    publish(session, api=PM_HUB, event_type="performanceJobStateChangeEvent", party=row.party, wake=wake,
            listener_base_path=PM_LISTENER_BASE, resource={"id": row.id, "href": href(row.id), "state": target})


def announce_created(session: Session, row: PerformanceJobRow, *, wake: Callable[[], None] | None = None) -> None:
    publish(session, api=PM_HUB, event_type="performanceJobCreateEvent", party=row.party, wake=wake,
            listener_base_path=PM_LISTENER_BASE, resource={"id": row.id, "href": href(row.id)})


def render(row: PerformanceJobRow) -> dict[str, Any]:
    document: dict[str, Any] = {**row.document, "id": row.id, "href": href(row.id), "state": row.state,
                                "creationDateTime": iso(row.created_at.astimezone(UTC)),
                                "lastTimeModified": iso(row.updated_at.astimezone(UTC))}
    if row.termination:
        document["terminationError"] = row.termination
    return document

