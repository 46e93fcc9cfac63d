"""An SLS degradation of one direction of a service, tracked until it clears (§10.6 steps 3-5).

    detected -> rerouting -> resolved            (SP segment: moved off the unhealthy links, make before break)
    detected -> manualIntervention -> resolved   (no remedy software can apply: the cause is named)
    rerouting -> manualIntervention              (the move was refused, or the breach outlived it)
    detected -> resolved                         (the next intervals meet the SLS again)

`detected` is where a breach found by the assessment starts; the assessment locates the cause
(the segment whose own figures break the objective, then in an SP segment the links of its route
whose health is below what they were built for) at once, and records what it did about it.

Each degradation opened and each state change is told to the BUS that ordered the service, over
LEGATO (interfaces/legato/degradation.py), from the outbox in the same transaction: a BUS that is
down hears of it when it is back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.errors import Conflict
from cadenza.core.ids import new_id
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.legato.degradation import (
    DEGRADATION_API,
    DEGRADATION_CREATE_EVENT,
    DEGRADATION_LISTENER_BASE,
    DEGRADATION_STATE_CHANGE_EVENT,
    degradation_href,
)
from cadenza.sof.rows import ServiceRow
from cadenza.sof.sls.rows import SlsDegradationRow

__all__ = ["DETECTED", "REROUTING", "MANUAL_INTERVENTION", "RESOLVED", "OPEN", "TRANSITIONS",
           "IllegalDegradationTransition", "open_degradation", "transition_to", "remedied_in"]

DETECTED = "detected"
REROUTING = "rerouting"
MANUAL_INTERVENTION = "manualIntervention"
RESOLVED = "resolved"
OPEN = frozenset({DETECTED, REROUTING, MANUAL_INTERVENTION})

TRANSITIONS: dict[str, frozenset[str]] = {
    DETECTED: frozenset({REROUTING, MANUAL_INTERVENTION, RESOLVED}),
    REROUTING: frozenset({MANUAL_INTERVENTION, RESOLVED}),
    MANUAL_INTERVENTION: frozenset({RESOLVED}),
    RESOLVED: frozenset(),
}


class IllegalDegradationTransition(Conflict):
    pass


def _announce(session: Session, row: SlsDegradationRow, event_type: str, wake: Callable[[], None] | None) -> None:
    # The BUS that ordered the service hears of it; a service bought over INTERLUDE belongs to
    # the buying provider's party, which has no such hub here.
    service = session.get(ServiceRow, row.service_id)
    if service is not None:
        publish(session, api=DEGRADATION_API, event_type=event_type, listener_base_path=DEGRADATION_LISTENER_BASE,
                resource={"id": row.id, "href": degradation_href(row.id)}, party=service.party, wake=wake)


def open_degradation(session: Session, *, service_id: str, direction: str, cause: str, breaches: Sequence[str],
                     metrics: Sequence[str], number: int, wake: Callable[[], None] | None = None
                     ) -> SlsDegradationRow:
    """A breach found in interval `number` of one direction: the degradation starts `detected`."""
    moment = now()
    row = SlsDegradationRow(
        id=new_id(), service_id=service_id, direction=direction, state=DETECTED, cause=cause,
        breaches=list(breaches), first_number=number, last_breach_number=number, resolved_number=None,
        history=[{"at": iso(moment), "state": DETECTED, "why": "; ".join(breaches), "metrics": list(metrics)}],
        created_at=moment, updated_at=moment)
    session.add(row)
    _announce(session, row, DEGRADATION_CREATE_EVENT, wake)
    return row


def transition_to(session: Session, row: SlsDegradationRow, target: str, *, why: str,
                  interval: int | None = None, wake: Callable[[], None] | None = None) -> None:
    """`interval`: the measurement interval the network was in when it happened (a remedy's
    effect is judged on the intervals after it)."""
    if target not in TRANSITIONS[row.state]:
        raise IllegalDegradationTransition(f"SLS degradation {row.id} is {row.state}: it cannot become {target}")
    row.state, row.updated_at = target, now()
    entry = {"at": iso(), "state": target, "why": why}
    if interval is not None:
        entry["interval"] = interval
    row.history = [*row.history, entry]
    _announce(session, row, DEGRADATION_STATE_CHANGE_EVENT, wake)


def remedied_in(row: SlsDegradationRow) -> int | None:
    """The interval the last reroute happened in."""
    return next((h.get("interval") for h in reversed(row.history) if h["state"] == REROUTING), None)
