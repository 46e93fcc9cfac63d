"""Cancel, Suspend, Resume and Modify Test Job requests (`TestJobProcessStateType`):

    acknowledged -> accepted    (the job's state allows it: done at once)
    acknowledged -> rejected    (declared by the spec; a request Cadenza cannot accept is
                                 answered 422 and never stored)

Each state is told to the customer (cancel- / suspend- / resume- / modifyTestJobStateChangeEvent).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.errors import Conflict
from cadenza.core.ids import new_id
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.allegro.sft_paths import SFT_HUB, SFT_LISTENER_BASE, job_href, process_href
from cadenza.sof.function_testing.rows import TestJobProcessRow

__all__ = ["CANCEL", "SUSPEND", "RESUME", "MODIFY", "KINDS", "ACKNOWLEDGED", "ACCEPTED", "REJECTED", "TRANSITIONS",
           "open_process", "transition_to", "render"]

CANCEL = "cancel"
SUSPEND = "suspend"
RESUME = "resume"
MODIFY = "modify"
KINDS = (CANCEL, SUSPEND, RESUME, MODIFY)
ACKNOWLEDGED = "acknowledged"
ACCEPTED = "accepted"
REJECTED = "rejected"

TRANSITIONS: dict[str, frozenset[str]] = {
    ACKNOWLEDGED: frozenset({ACCEPTED, REJECTED}),
    ACCEPTED: frozenset(), REJECTED: frozenset(),
}
_REASON = {CANCEL: "cancellationReason", SUSPEND: "suspensionReason", RESUME: "resumptionReason",
           MODIFY: "modificationReason"}


def open_process(session: Session, kind: str, *, party: str, job_id: str, document: dict[str, Any],
                 wake: Callable[[], None] | None = None) -> TestJobProcessRow:
    row = TestJobProcessRow(id=new_id(), kind=kind, party=party, job_id=job_id, state=ACKNOWLEDGED,
                            denied_reason=None, document=document, created_at=now())
    session.add(row)
    session.flush()
    _tell(session, row, wake)
    return row


def transition_to(session: Session, row: TestJobProcessRow, target: str, *,
                  wake: Callable[[], None] | None = None) -> None:
    if target not in TRANSITIONS[row.state]:
        raise Conflict(f"{row.kind} test job {row.id} is {row.state}: it cannot become {target}")
    row.state = target
    _tell(session, row, wake)


def _tell(session: Session, row: TestJobProcessRow, wake: Callable[[], None] | None) -> None:
    publish(session, api=SFT_HUB, event_type=f"{row.kind}TestJobStateChangeEvent", party=row.party, wake=wake,
            listener_base_path=SFT_LISTENER_BASE,
            resource={"id": row.id, "href": process_href(row.kind, row.id), "state": row.state})


def render(row: TestJobProcessRow, base_url: str) -> dict[str, Any]:
    document = {k: v for k, v in row.document.items() if k != "testJob"}
    rendered = {**document, "id": row.id, "href": f"{base_url}{process_href(row.kind, row.id)}", "state": row.state,
                "creationDate": iso(row.created_at.astimezone(UTC)),
                "testJob": {"id": row.job_id, "href": f"{base_url}{job_href(row.job_id)}"}}
    if row.denied_reason:
        rendered[f"{_REASON[row.kind].replace('Reason', '')}DeniedReason"] = row.denied_reason
    return rendered
