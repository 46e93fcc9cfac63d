"""Cancel and Modify Fault Management Job requests (`FaultManagementJobProcessStateType`):

    acknowledged -> inProgress -> completed   (accepted and done)
    acknowledged -> rejected                  (declared by the spec; a request Cadenza cannot
                                               accept is answered 422 and never stored)

Nothing is held for a job between its reports, so an accepted request completes at once; each
state is told to the customer (cancel- / modifyFaultManagementJobStateChangeEvent).
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
from cadenza.interfaces.allegro.fm_paths import FM_HUB, FM_LISTENER_BASE, cancel_href, job_href, modify_href
from cadenza.sof.faults.rows import FaultJobProcessRow

__all__ = ["CANCEL", "MODIFY", "ACKNOWLEDGED", "IN_PROGRESS", "COMPLETED", "REJECTED", "TRANSITIONS", "open_process",
           "transition_to", "render"]

CANCEL = "cancel"
MODIFY = "modify"
ACKNOWLEDGED = "acknowledged"
IN_PROGRESS = "inProgress"
COMPLETED = "completed"
REJECTED = "rejected"

TRANSITIONS: dict[str, frozenset[str]] = {
    ACKNOWLEDGED: frozenset({IN_PROGRESS, REJECTED}),
    IN_PROGRESS: frozenset({COMPLETED}),
    COMPLETED: frozenset(), REJECTED: frozenset(),
}
_EVENT = {CANCEL: "cancelFaultManagementJobStateChangeEvent", MODIFY: "modifyFaultManagementJobStateChangeEvent"}
_HREF = {CANCEL: cancel_href, MODIFY: modify_href}


def open_process(session: Session, kind: str, *, party: str, job_id: str, document: dict[str, Any]) \
        -> FaultJobProcessRow:
    row = FaultJobProcessRow(id=new_id(), kind=kind, party=party, job_id=job_id, state=ACKNOWLEDGED,
                             document=document, created_at=now())
    session.add(row)
    session.flush()
    return row


def transition_to(session: Session, row: FaultJobProcessRow, target: str, *,
                  wake: Callable[[], None] | None = None) -> None:
    if target not in TRANSITIONS[row.state]:
        raise Conflict(f"{row.kind} fault management job {row.id} is {row.state}: it cannot become {target}")
    row.state = target
    publish(session, api=FM_HUB, event_type=_EVENT[row.kind], party=row.party, wake=wake,
            listener_base_path=FM_LISTENER_BASE,
            resource={"id": row.id, "href": _HREF[row.kind](row.id), "state": target})


def render(row: FaultJobProcessRow, base_url: str) -> dict[str, Any]:
    return {**row.document, "id": row.id, "href": f"{base_url}{_HREF[row.kind](row.id)}", "state": row.state,
            "creationDateTime": iso(row.created_at.astimezone(UTC)),
            "faultManagementJob": {"@type": "FaultManagementJobRef", "faultManagementJobId": row.job_id,
                                   "faultManagementJobHref": job_href(row.job_id)}}
