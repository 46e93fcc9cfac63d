"""A Test Job (Service Function Testing v3 `TestJobStateType`), with the transitions its state
table draws:

    acknowledged -> rejected                    (validation failed: terminationError says why)
    acknowledged -> scheduled | inProgress      (a start in the future, or now)
    scheduled -> inProgress                     (its start came)
    inProgress -> completed                     (all its tests ran, or its end came)
    scheduled | inProgress -> suspended         (suspend)
    suspended -> inProgress | scheduled         (resume: scheduled if its start is still ahead)
    scheduled | inProgress | suspended -> assessingCancellation -> cancelled
                                                (or back where it was, were a cancellation declined)
    scheduled | suspended -> assessingModification -> scheduled | suspended   (updated, or not)

Nothing is held for a job between its tests, so Cadenza assesses a request at once: a
cancellation or modification the job's state allows is accepted; one it does not is answered
with a 422 (and the job is not touched).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from sqlalchemy.orm import Session

from cadenza.core.clock import iso, iso_at, now
from cadenza.core.errors import Conflict
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.allegro.sft_paths import SFT_HUB, SFT_LISTENER_BASE, job_href
from cadenza.sof.function_testing.rows import TestJobRow

__all__ = ["ACKNOWLEDGED", "REJECTED", "SCHEDULED", "IN_PROGRESS", "COMPLETED", "SUSPENDED",
           "ASSESSING_CANCELLATION", "ASSESSING_MODIFICATION", "CANCELLED", "RUNNING", "OVER", "TRANSITIONS",
           "IllegalJobTransition", "transition_to", "announce", "render", "render_found"]

ACKNOWLEDGED = "acknowledged"
REJECTED = "rejected"
SCHEDULED = "scheduled"
IN_PROGRESS = "inProgress"
COMPLETED = "completed"
SUSPENDED = "suspended"
ASSESSING_CANCELLATION = "assessingCancellation"
ASSESSING_MODIFICATION = "assessingModification"
CANCELLED = "cancelled"
RUNNING = frozenset({SCHEDULED, IN_PROGRESS, SUSPENDED})  # a job whose workflow still has work
OVER = frozenset({REJECTED, COMPLETED, CANCELLED})

TRANSITIONS: dict[str, frozenset[str]] = {
    ACKNOWLEDGED: frozenset({REJECTED, SCHEDULED, IN_PROGRESS}),
    SCHEDULED: frozenset({IN_PROGRESS, SUSPENDED, ASSESSING_CANCELLATION, ASSESSING_MODIFICATION}),
    IN_PROGRESS: frozenset({COMPLETED, SUSPENDED, ASSESSING_CANCELLATION}),
    SUSPENDED: frozenset({IN_PROGRESS, SCHEDULED, ASSESSING_CANCELLATION, ASSESSING_MODIFICATION}),
    ASSESSING_CANCELLATION: frozenset({CANCELLED, SCHEDULED, IN_PROGRESS, SUSPENDED}),
    ASSESSING_MODIFICATION: frozenset({SCHEDULED, SUSPENDED}),
    REJECTED: frozenset(), COMPLETED: frozenset(), CANCELLED: frozenset(),
}


class IllegalJobTransition(Conflict):
    pass


def transition_to(session: Session, row: TestJobRow, target: str, *, wake: Callable[[], None] | None = None,
                  on_over: Callable[[Session, TestJobRow], None] | None = None) -> None:
    """Move the job to `target` and tell the customer (testJobStateChangeEvent); `on_over` runs
    when the job ends (its profile may become available again)."""
    if target not in TRANSITIONS[row.state]:
        raise IllegalJobTransition(f"Test job {row.id} is {row.state}: it cannot become {target}")
    if target in (ASSESSING_CANCELLATION, ASSESSING_MODIFICATION):
        row.held_state = row.state
    row.state, row.updated_at = target, now()
    if target == IN_PROGRESS and row.actual_start_s is None:
        row.actual_start_s = row.updated_at.timestamp()
    if target in OVER:
        if row.actual_start_s is not None:
            row.actual_end_s = row.updated_at.timestamp()
        if on_over is not None:
            on_over(session, row)
    publish(session, api=SFT_HUB, event_type="testJobStateChangeEvent", party=row.party, wake=wake,
            listener_base_path=SFT_LISTENER_BASE, resource={"id": row.id, "href": job_href(row.id), "state": target})


def announce(session: Session, row: TestJobRow, event_type: str, *, wake: Callable[[], None] | None = None) -> None:
    """testJobCreateEvent or testJobAttributeValueChangeEvent."""
    publish(session, api=SFT_HUB, event_type=event_type, party=row.party, wake=wake,
            listener_base_path=SFT_LISTENER_BASE, resource={"id": row.id, "href": job_href(row.id)})


def render_found(row: TestJobRow) -> dict[str, Any]:
    """`TestJob_Find`. The schema requires `idRelatedContact`, a property it does not define:
    Cadenza gives the party the job is for."""
    document = row.document
    found = {"id": row.id, "name": document["name"], "relatedServiceFrom": document["relatedServiceFrom"],
             "relatedServiceTo": document["relatedServiceTo"], "testProfile": document["testProfile"],
             "requestedStartDateTime": document.get("requestedStartDateTime") or iso_at(row.start_s),
             "requestedEndDateTime": document["requestedEndDateTime"], "idRelatedContact": row.party}
    return found


def render(row: TestJobRow, base_url: str) -> dict[str, Any]:
    """`TestJob`; `base_url`: where the SOF answers (the spec's href is an absolute URI)."""
    document: dict[str, Any] = {**row.document, "id": row.id, "href": f"{base_url}{job_href(row.id)}",
                                "state": row.state, "creationDate": iso(row.created_at.astimezone(UTC)),
                                "lastModifiedDate": iso(row.updated_at.astimezone(UTC)),
                                # an immediate test's start is when it was accepted
                                "requestedStartDateTime": row.document.get("requestedStartDateTime")
                                or iso_at(row.start_s)}
    if row.actual_start_s is not None:
        document["actualStartDateTime"] = iso_at(row.actual_start_s)
    if row.actual_end_s is not None:
        document["actualEndDateTime"] = iso_at(row.actual_end_s)
    if row.termination:
        document["terminationError"] = row.termination
    return document
