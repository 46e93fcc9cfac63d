"""The incident's states, exactly as MEF 124 Figure 15 draws them (useCase16IncidentStates.puml),
and how the SLS degradations it follows (sof/sls/degradation.py) map onto them.

    [*] ──> created ──> inProgress ──> closed
               │           ▲    │
               │           └────┘        inProgress again: still handled, another way
               └──────────────────────> closed

One degradation's own states map as:

| degradation          | incident     | why |
| -------------------- | ------------ | --- |
| `detected`           | `created`    | found and located; nothing done yet |
| `rerouting`          | `inProgress` | the SOF moved the segment off the unhealthy links, watches the next interval |
| `manualIntervention` | `inProgress` | a person must act (from `rerouting`: the loop inProgress -> inProgress) |
| `resolved`           | `closed`     | an interval meets the SLS again: normal operation is restored |

and an outage alarm's (AlarmState, bus/incident/outage.py):

| alarm                | incident     | why |
| -------------------- | ------------ | --- |
| `unAcknowledged`     | `created`    | the service carries no traffic; what is down is named |
| `cleared`            | `closed`     | its segments carry traffic again |

An incident follows every degradation and outage of its product (both directions of a service),
so its status is theirs together (`status_of`): `closed` once every one is resolved, `inProgress` once
any is being handled (and from then on: the diagram has no way back to `created`), else
`created`. A change of `status` publishes `incidentStatusChangeEvent` (MEF 124 R69); a step
that keeps it (the loop of a degradation handled another way, a note of one direction resolved
while the other is not, a direction joining) changes the incident's other attributes and
publishes `incidentAttributeValueChangeEvent` (R68).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
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

__all__ = ["CREATED", "IN_PROGRESS", "CLOSED", "TRANSITIONS", "STATUS_OF", "HANDLED", "OUTAGE_STATUS_OF",
           "FOLLOWED_STATUS_OF", "IllegalIncidentTransition", "announce", "status_of", "transition_to", "change"]

# IncidentStatusType, verbatim
CREATED = "created"
IN_PROGRESS = "inProgress"
CLOSED = "closed"
TRANSITIONS: dict[str, frozenset[str]] = {
    CREATED: frozenset({IN_PROGRESS, CLOSED}),
    IN_PROGRESS: frozenset({IN_PROGRESS, CLOSED}),
    CLOSED: frozenset(),
}
HANDLED = frozenset({"rerouting", "manualIntervention"})  # the degradation states being worked on
STATUS_OF: dict[str, str] = {"detected": CREATED, "rerouting": IN_PROGRESS, "manualIntervention": IN_PROGRESS,
                             "resolved": CLOSED}
# AlarmState: `acknowledged` is the spec's, which no operation reaches (sof/alarms/alarm.py)
OUTAGE_STATUS_OF: dict[str, str] = {"unAcknowledged": CREATED, "acknowledged": CREATED, "cleared": CLOSED}
FOLLOWED_STATUS_OF: dict[str, str] = {**STATUS_OF, **OUTAGE_STATUS_OF}  # what an incident's followed rows can be


class IllegalIncidentTransition(Conflict):
    pass


def status_of(current: str, degradation_states: Collection[str]) -> str:
    """The status of an incident now `current` following degradations (and outages) in `degradation_states`."""
    targets = {FOLLOWED_STATUS_OF[s] for s in degradation_states}
    if targets == {CLOSED}:
        return CLOSED
    if current == IN_PROGRESS or IN_PROGRESS in targets:
        return IN_PROGRESS
    return CREATED


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


def change(session: Session, row: BusResourceRow, changes: Mapping[str, Any],
           wake: Callable[[], None] | None = None) -> None:
    """Change the incident's attributes (`changes`) in its status, and tell the customer."""
    incidents.save(row, {**row.document, **changes})
    announce(session, row, INCIDENT_ATTRIBUTE_VALUE_CHANGE_EVENT, wake)
