"""An alarm on a customer's service (Alarm Management v3 `Alarm`), raised while the service is
active but cannot carry traffic.

States are the spec's AlarmState. Cadenza raises an alarm `unAcknowledged`; Alarm Management v3
has no operation to acknowledge one (TMF642's ack/unack/clear tasks are not in it), so
`acknowledged` is declared for the spec's sake and nothing reaches it. An alarm is `cleared`
when its service can carry traffic again, or is terminated, and is kept in the list after.

    unAcknowledged ──> cleared
    acknowledged ────> cleared

Each alarm is one outage of one service: a second fault on the same service while it is down
changes the alarm's specificProblem (alarmAttributeValueChangeEvent), it raises no second
alarm. What is down comes from the ICMs' `route-faults` kept on the service's segments
(sof/operational.py), so the alarm says which link or element the customer's service lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.core.clock import now
from cadenza.core.errors import Conflict
from cadenza.core.ids import new_id
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.allegro.alarm_paths import (
    ALARM_API,
    ALARM_ATTRIBUTE_VALUE_CHANGE_EVENT,
    ALARM_CREATE_EVENT,
    ALARM_LISTENER_BASE,
    ALARM_STATE_CHANGE_EVENT,
)
from cadenza.interfaces.legato.alarm import LEGATO_ALARM_API, LEGATO_ALARM_LISTENER_BASE
from cadenza.interfaces.presto import paths as presto
from cadenza.sof import service_inventory as inventory
from cadenza.sof.alarms.rows import AlarmRow
from cadenza.sof.alarms.views import alarm_event_payload
from cadenza.sof.rows import SegmentStateRow, ServiceRow

__all__ = ["Reporter", "announce", "OUTAGE", "UNACKNOWLEDGED", "ACKNOWLEDGED", "CLEARED", "STATES", "TRANSITIONS",
           "transition_to", "follow",
           "COMMUNICATIONS_ALARM", "CRITICAL", "SEVERITY_CLEARED", "UNDERLYING_RESOURCE_UNAVAILABLE"]

UNACKNOWLEDGED = "unAcknowledged"
ACKNOWLEDGED = "acknowledged"
CLEARED = "cleared"
STATES = (UNACKNOWLEDGED, ACKNOWLEDGED, CLEARED)
TRANSITIONS: dict[str, frozenset[str]] = {
    UNACKNOWLEDGED: frozenset({CLEARED}),
    ACKNOWLEDGED: frozenset({CLEARED}),
    CLEARED: frozenset(),
}

# X.733 as the spec enumerates it: a service that lost the link or element under it is a
# communications alarm whose cause is an underlying resource; it is critical (service
# affecting, immediate action) and the spec sets a cleared alarm's severity to `cleared`.
COMMUNICATIONS_ALARM = "communicationsAlarm"
CRITICAL = "critical"
SEVERITY_CLEARED = "cleared"
UNDERLYING_RESOURCE_UNAVAILABLE = "underlyingResourceUnavailable"


@dataclass(frozen=True, slots=True)
class Reporter:
    """The SOF keeping the alarm list: its name (the alarms' reportingSystemId) and where it
    answers (their hrefs)."""

    name: str
    base_url: str


def announce(session: Session, row: AlarmRow, event_type: str, reporter: Reporter,
              wake: Callable[[], None] | None) -> None:
    # A customer hears only of the alarms on its own services (ALLEGRO), the BUS of those on the
    # services it ordered (LEGATO: it tells the customer with an incident, bus/incident/outage.py).
    payload = alarm_event_payload(row, reporter.base_url)
    publish(session, api=ALARM_API, event_type=event_type, resource=payload,
            listener_base_path=ALARM_LISTENER_BASE, party=row.customer, wake=wake)
    service = session.get(ServiceRow, row.service_id)
    if service is not None:
        publish(session, api=LEGATO_ALARM_API, event_type=event_type, resource=payload,
                listener_base_path=LEGATO_ALARM_LISTENER_BASE, party=service.party, wake=wake)


def transition_to(session: Session, row: AlarmRow, target: str, *, details: str, reporter: Reporter,
                  wake: Callable[[], None] | None = None) -> None:
    """Move the alarm to `target` if its state allows, and publish alarmStateChangeEvent."""
    if target not in TRANSITIONS[row.state]:
        raise Conflict(f"Alarm {row.id} is {row.state}: it cannot become {target}")
    moment = now()
    row.state = target
    row.changed_at = moment
    row.details = details
    if target == CLEARED:
        row.cleared_at = moment
        row.perceived_severity = SEVERITY_CLEARED
    session.flush()
    announce(session, row, ALARM_STATE_CHANGE_EVENT, reporter, wake)


def _problem(segments: list[SegmentStateRow], partner: dict[str, Any]) -> tuple[str, str]:
    """What is down under the service (the specificProblem) and where it was seen: an ICM of
    ours, or the partner whose segment it is (`partner`: the service's design of it), named by
    its party (sof/partner_state.py)."""
    faults: list[str] = []
    for segment in segments:
        said = segment.route_faults or [f"segment {segment.uuid} in {segment.network_domain} carries no traffic"]
        faults += [fault for fault in said if fault not in faults]

    def source(segment: SegmentStateRow) -> str:
        if partner.get("reference") == segment.uuid and partner.get("party") == segment.network_domain:
            return segment.network_domain
        return f"ICM-{segment.network_domain}"
    return "; ".join(faults), ", ".join(sorted({source(segment) for segment in segments}))


OUTAGE = "outage"


def _open_alarm(session: Session, service_id: str) -> AlarmRow | None:
    return session.scalars(select(AlarmRow).where(AlarmRow.service_id == service_id, AlarmRow.kind == OUTAGE,
                                                  AlarmRow.state != CLEARED)).first()


def follow(session: Session, service: ServiceRow, *, reporter: Reporter,
           wake: Callable[[], None] | None = None) -> None:
    """Raise, update or clear the service's alarm after its segments' states were recorded."""
    alarm = _open_alarm(session, service.id)
    down = list(session.scalars(select(SegmentStateRow).where(
        SegmentStateRow.service_id == service.id, SegmentStateRow.operational_state == presto.DISABLED)
        .order_by(SegmentStateRow.uuid)))
    if service.state != inventory.ACTIVE or not down:
        if alarm is not None:
            why = ("the service was terminated" if service.state == inventory.TERMINATED
                   else "every segment of the service carries traffic again")
            transition_to(session, alarm, CLEARED, details=f"Cleared: {why}", reporter=reporter, wake=wake)
        return
    problem, sources = _problem(down, service.design.get("partner") or {})
    details = f"Service {service.id} cannot carry traffic: {problem}"
    if alarm is None:
        moment = now()
        alarm = AlarmRow(id=new_id(), service_id=service.id, kind=OUTAGE, tca_key=None, specific_attributes=None,
                         customer=service.customer or service.party,
                         service_type=service.service_type, state=UNACKNOWLEDGED, alarm_type=COMMUNICATIONS_ALARM,
                         perceived_severity=CRITICAL, probable_cause=UNDERLYING_RESOURCE_UNAVAILABLE,
                         specific_problem=problem, details=details, service_affecting=True,
                         reporting_system=reporter.name, source_system=sources, raised_at=moment, reported_at=moment,
                         changed_at=moment, cleared_at=None)
        session.add(alarm)
        session.flush()
        announce(session, alarm, ALARM_CREATE_EVENT, reporter, wake)
    elif alarm.specific_problem != problem:
        alarm.specific_problem, alarm.details, alarm.source_system = problem, details, sources
        alarm.changed_at = now()
        session.flush()
        announce(session, alarm, ALARM_ATTRIBUTE_VALUE_CHANGE_EVENT, reporter, wake)
