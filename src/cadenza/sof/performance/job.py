"""A Performance Monitoring Job (MEF 133.1 / Allegro PM v5 `PerformanceJobStateType`).

    acknowledged -> rejected                  (validation failed: terminationError says why)
    acknowledged -> scheduled -> inProgress   (start in the future) or acknowledged -> inProgress
    inProgress -> completed                   (its schedule ended: a non-recurring job)
    inProgress <-> suspended                  (suspend / resume)
    scheduled | inProgress | suspended -> pendingCancel -> cancelled
    scheduled | inProgress -> resourcesUnavailable   (its service is gone)

    scheduled | inProgress | suspended -> pending -> the state it was in  (a v2 modifyPerformanceJob)

Each API spells and announces them as its file does (sof/performance/apis.py): Allegro v5's
`resourcesUnavailable` is v2's `resourceUnavailable`, and v2 has no `pendingCancel`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.errors import Conflict
from cadenza.core.notifications.outbox import publish
from cadenza.sof.performance import apis, tracking
from cadenza.sof.performance.apis import PmApi
from cadenza.sof.performance.rows import PerformanceJobRow

__all__ = ["ACKNOWLEDGED", "REJECTED", "SCHEDULED", "IN_PROGRESS", "COMPLETED", "SUSPENDED", "PENDING_CANCEL",
           "PENDING", "CANCELLED", "RESOURCES_UNAVAILABLE", "RUNNING", "TRANSITIONS", "IllegalJobTransition",
           "transition_to", "render", "announce_created", "href"]

ACKNOWLEDGED = "acknowledged"
REJECTED = "rejected"
SCHEDULED = "scheduled"
IN_PROGRESS = "inProgress"
COMPLETED = "completed"
SUSPENDED = "suspended"
PENDING_CANCEL = "pendingCancel"
PENDING = "pending"
CANCELLED = "cancelled"
RESOURCES_UNAVAILABLE = "resourcesUnavailable"
RUNNING = frozenset({SCHEDULED, IN_PROGRESS, SUSPENDED})  # a job whose workflow still has work

TRANSITIONS: dict[str, frozenset[str]] = {
    ACKNOWLEDGED: frozenset({REJECTED, SCHEDULED, IN_PROGRESS}),
    SCHEDULED: frozenset({IN_PROGRESS, PENDING_CANCEL, PENDING, RESOURCES_UNAVAILABLE}),
    IN_PROGRESS: frozenset({COMPLETED, SUSPENDED, PENDING_CANCEL, PENDING, RESOURCES_UNAVAILABLE}),
    SUSPENDED: frozenset({IN_PROGRESS, PENDING_CANCEL, PENDING}),
    PENDING: frozenset({SCHEDULED, IN_PROGRESS, SUSPENDED}),
    PENDING_CANCEL: frozenset({CANCELLED}),
    REJECTED: frozenset(), COMPLETED: frozenset(), CANCELLED: frozenset(), RESOURCES_UNAVAILABLE: frozenset(),
}


class IllegalJobTransition(Conflict):
    pass


def href(job_id: str, api: PmApi = apis.ALLEGRO) -> str:
    return f"{api.base}/performanceJob/{job_id}"


def transition_to(session: Session, row: PerformanceJobRow, target: str, *, why: str,
                  wake: Callable[[], None] | None = None) -> None:
    """Move the job to `target`, record it and tell the buyer (performanceJobStateChangeEvent)."""
    if target not in TRANSITIONS[row.state]:
        raise IllegalJobTransition(f"Performance job {row.id} is {row.state}: it cannot become {target}")
    row.state, row.updated_at = target, now()
    api = apis.of(row.api)
    tracking.record(session, party=row.party, kind="PerformanceJobRef", related=row.id, source="server",
                    description=f"state {target}: {why}", api=api)
    spelled = api.event_state(target)
    if spelled is not None:
        publish(session, api=api.hub, event_type="performanceJobStateChangeEvent", party=row.party, wake=wake,
                listener_base_path=api.listener_base,
                resource={"id": row.id, "href": href(row.id, api), "state": spelled})


def announce_created(session: Session, row: PerformanceJobRow, *, wake: Callable[[], None] | None = None) -> None:
    api = apis.of(row.api)
    publish(session, api=api.hub, event_type="performanceJobCreateEvent", party=row.party, wake=wake,
            listener_base_path=api.listener_base, resource={"id": row.id, "href": href(row.id, api)})


def render(row: PerformanceJobRow) -> dict[str, Any]:
    document: dict[str, Any] = {**row.document, "id": row.id, "href": href(row.id), "state": row.state,
                                "creationDateTime": iso(row.created_at.astimezone(UTC)),
                                "lastTimeModified": iso(row.updated_at.astimezone(UTC))}
    if row.termination:
        document["terminationError"] = row.termination
    return document

