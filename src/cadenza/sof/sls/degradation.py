"""An SLS degradation of one direction of a service, tracked until it clears (§10.6 steps 3-5).

    detected -> rerouting -> resolved            (SP segment: moved off the unhealthy links, make before break)
    detected -> manualIntervention -> resolved   (no remedy software can apply: the cause is named)
    rerouting -> manualIntervention              (the move was refused, or the breach outlived it)
    detected -> resolved                         (the next intervals meet the SLS again)

`detected` is where a breach found by the assessment starts; the assessment locates the cause
(the segment whose own figures break the objective, then in an SP segment the links of its route
whose health is below what they were built for) at once, and records what it did about it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.errors import Conflict
from cadenza.sof.sls.rows import SlsDegradationRow

__all__ = ["DETECTED", "REROUTING", "MANUAL_INTERVENTION", "RESOLVED", "OPEN", "TRANSITIONS",
           "IllegalDegradationTransition", "transition_to", "remedied_in"]

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


def transition_to(session: Session, row: SlsDegradationRow, target: str, *, why: str,
                  interval: int | None = None) -> None:
    """`interval`: the measurement interval the network was in when it happened (a remedy's
    effect is judged on the intervals after it)."""
    if target not in TRANSITIONS[row.state]:
        raise IllegalDegradationTransition(f"SLS degradation {row.id} is {row.state}: it cannot become {target}")
    row.state, row.updated_at = target, now()
    entry = {"at": iso(), "state": target, "why": why}
    if interval is not None:
        entry["interval"] = interval
    row.history = [*row.history, entry]


def remedied_in(row: SlsDegradationRow) -> int | None:
    """The interval the last reroute happened in."""
    return next((h.get("interval") for h in reversed(row.history) if h["state"] == REROUTING), None)
