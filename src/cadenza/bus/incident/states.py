"""The incident's states, exactly as MEF 124 Figure 15 draws them (useCase16IncidentStates.puml),
and how an SLS degradation's states (sof/sls/degradation.py) map onto them.

    [*] ──> created ──> inProgress ──> closed
               │           ▲    │
               │           └────┘        inProgress again: still handled, another way
               └──────────────────────> closed

| degradation          | incident     | why |
| -------------------- | ------------ | --- |
| `detected`           | `created`    | found and located; nothing done yet |
| `rerouting`          | `inProgress` | the SOF moved the segment off the unhealthy links, watches the next interval |
| `manualIntervention` | `inProgress` | a person must act (from `rerouting`: the loop inProgress -> inProgress) |
| `resolved`           | `closed`     | an interval meets the SLS again: normal operation is restored |

A change of `status` publishes `incidentStatusChangeEvent` (MEF 124 R69); the loop, which keeps
the status and changes the incident's other attributes (a note, its priority, the date it is
expected closed), publishes `incidentAttributeValueChangeEvent` (R68).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus.incident.store import incidents
from cadenza.bus.rows import BusResourceRow
from cadenza.core.errors import Conflict
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.cantata.trouble_ticket import (
    INCIDENT_ATTRIBUTE_VALUE_CHANGE_EVENT,
    INCIDENT_STATUS_CHANGE_EVENT,
    TROUBLE_TICKET_API,
    TROUBLE_TICKET_LISTENER_BASE,
)

__all__ = ["CREATED", "IN_PROGRESS", "CLOSED", "TRANSITIONS", "STATUS_OF", "IllegalIncidentTransition",
           "announce", "transition_to"]

# IncidentStatusType, verbatim
CREATED = "created"
IN_PROGRESS = "inProgress"
CLOSED = "closed"
TRANSITIONS: dict[str, frozenset[str]] = {
    CREATED: frozenset({IN_PROGRESS, CLOSED}),
    IN_PROGRESS: frozenset({IN_PROGRESS, CLOSED}),
    CLOSED: frozenset(),
}
STATUS_OF: dict[str, str] = {"detected": CREATED, "rerouting": IN_PROGRESS, "manualIntervention": IN_PROGRESS,
                             "resolved": CLOSED}


class IllegalIncidentTransition(Conflict):
    pass


def announce(session: Session, row: BusResourceRow, event_type: str, wake: Callable[[], None] | None) -> None:
    # MEF 124 R71: only the customer whose product it affects hears of it
    publish(session, api=TROUBLE_TICKET_API, event_type=event_type, listener_base_path=TROUBLE_TICKET_LISTENER_BASE,
            resource={"id": row.id, "href": row.document["href"]}, party=row.owner, wake=wake)


def transition_to(session: Session, row: BusResourceRow, target: str, *, at: str, reason: str,
                  changes: Mapping[str, Any], wake: Callable[[], None] | None = None) -> None:
    """Move the incident to `target` (recorded in `statusChange` at `at`, with `reason`) with the
    other attributes that change with it (`changes`), and tell the customer."""
    if target not in TRANSITIONS[row.state]:
        raise IllegalIncidentTransition(f"Incident {row.id} is {row.state}: it cannot become {target}")
    same = target == row.state
    document = {**row.document, **changes, "status": target,
                "statusChange": [*row.document.get("statusChange", []),
                                 {"status": target, "changeDate": at, "changeReason": reason}]}
    if target == CLOSED:
        document["closedDate"] = at
    incidents.save(row, document, state=target)
    announce(session, row, INCIDENT_ATTRIBUTE_VALUE_CHANGE_EVENT if same else INCIDENT_STATUS_CHANGE_EVENT, wake)
