"""Following outages as incidents (MEF 55.0.1 §10.5, the alternative "proactive trouble
detection"): the moment the SOF raises an outage alarm on a service a customer's product rides
on, the BUS reads it over LEGATO and the customer hears of an incident, before it reports
anything; the incident closes when the alarm clears (and every SLS degradation it also follows
is resolved, bus/incident/follow.py).

A product has one open incident: an outage opens it, or joins the one open already (an SLS
degradation of the product found before, or after). The alarm's two steps (raised, cleared)
are applied once each, however often or late its events come (the BUS's row per alarm,
bus/incident/rows.py); an alarm first heard already cleared still tells both steps. An outage
incident does not remedy anything itself: a ticket on its product is diagnosed (the first one,
bus/trouble/desk.py `take_up`), and the SLS assessment at the interval's end reroutes what is
still lost.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.bus.incident import states
from cadenza.bus.incident.follow import Desk, changed, note, product_of, product_view
from cadenza.bus.incident.notes import ProductView, clock_time, description_of, direction_name, product_name
from cadenza.bus.incident.rows import BOTH_DIRECTIONS, OUTAGE_ALARM, IncidentDegradationRow
from cadenza.bus.incident.store import incidents, open_incident
from cadenza.bus.incident.triage import PRIORITIES, SEVERITIES, priority_of, worst
from cadenza.bus.rows import BusResourceRow
from cadenza.core.clock import iso
from cadenza.core.db import Database
from cadenza.interfaces.cantata.trouble_ticket import INCIDENT_CREATE_EVENT, incident_path
from cadenza.interfaces.legato.alarm import CLEARED, RAISED, Alarm
from cadenza.interfaces.legato.client import LegatoClient, read_if_shown

__all__ = ["follow_outage", "hear", "open_outages"]

log = logging.getLogger(__name__)

# an outage loses every frame: the worst an incident of one product can be (bus/incident/triage.py)
SEVERITY = "significant"


def _lost(view: ProductView, alarm: Alarm) -> str:
    return (f"{product_name(view)} carries no traffic since {clock_time(alarm.raised_at)}: "
            f"{alarm.specific_problem or 'a segment under it is down'}")


def _open(session: Session, desk: Desk, product: BusResourceRow, alarm: Alarm, view: ProductView) -> BusResourceRow:
    document: dict[str, Any] = {
        "creationDate": iso(), "description": description_of(view, [BOTH_DIRECTIONS]), "impact": "down",
        "incidentType": "repair", "priority": priority_of(SEVERITY, RAISED), "severity": SEVERITY,
        "relatedContactInformation": [dict(desk.contact)],
        "relatedEntity": [{"@referredType": "Product", "id": product.id, "role": "affectedProduct",
                           "href": desk.absolute(product.document.get("href", ""))}],
        "situationStartDate": alarm.raised_at, "status": states.CREATED,
        "statusChange": [{"status": states.CREATED, "changeDate": alarm.raised_at,
                          "changeReason": f"outage: {alarm.specific_problem}"[:4000]}],
        "note": [note(desk, 0, alarm.raised_at, _lost(view, alarm))]}
    row = incidents.add(session, family="cantata", owner=product.owner, state=states.CREATED, document=document,
                        external_key=product.id)
    incidents.save(row, {"id": row.id, "href": f"{desk.base_url}{incident_path(row.id)}", **document})
    states.announce(session, row, INCIDENT_CREATE_EVENT, desk.wake)
    return row


def _followed(session: Session, incident_id: str) -> list[IncidentDegradationRow]:
    return list(session.scalars(select(IncidentDegradationRow).where(
        IncidentDegradationRow.incident_id == incident_id).order_by(IncidentDegradationRow.degradation_id)))


def _raise(session: Session, desk: Desk, product: BusResourceRow, alarm: Alarm, view: ProductView
           ) -> IncidentDegradationRow:
    row = open_incident(session, product)
    if row is None:
        row = _open(session, desk, product, alarm, view)
        link = IncidentDegradationRow(degradation_id=alarm.id, source=OUTAGE_ALARM, incident_id=row.id,
                                      direction=BOTH_DIRECTIONS, applied=1, state=RAISED)
        session.add(link)
        session.flush()
        changed(session, desk, row)
        return link
    link = IncidentDegradationRow(degradation_id=alarm.id, source=OUTAGE_ALARM, incident_id=row.id,
                                  direction=BOTH_DIRECTIONS, applied=1, state=RAISED)
    session.add(link)
    session.flush()
    every = _followed(session, row.id)
    notes = row.document.get("note") or []
    text = f"Now no traffic passes at all: {_lost(view, alarm)}"
    changes = {"description": description_of(view, [o.direction for o in every]), "impact": "down",
               "severity": worst([row.document["severity"], SEVERITY], SEVERITIES),
               "priority": worst([row.document["priority"], priority_of(SEVERITY, RAISED)], PRIORITIES),
               "note": [*notes, note(desk, len(notes), alarm.raised_at, text)]}
    states.change(session, row, changes, wake=desk.wake)
    changed(session, desk, row)
    return link


def _clear(session: Session, desk: Desk, link: IncidentDegradationRow, alarm: Alarm, view: ProductView) -> None:
    row = incidents.get(session, link.incident_id, None)
    link.applied, link.state = 2, CLEARED
    if row.state == states.CLOSED:
        return
    every = _followed(session, row.id)
    still = [o for o in every if states.FOLLOWED_STATUS_OF[o.state] != states.CLOSED]
    at = alarm.cleared_at or iso()
    text = f"Traffic passes again on {product_name(view)} since {clock_time(at)}: {alarm.details}"
    if still:
        pending = " and ".join(dict.fromkeys(direction_name(view, o.direction) for o in still))
        text = f"{text}; {pending} is still being handled"
    notes = row.document.get("note") or []
    changes = {"note": [*notes, note(desk, len(notes), at, text)]}
    if still:
        changes["impact"] = "degraded"
    target = states.status_of(row.state, [o.state for o in every])
    if target != row.state:
        states.transition_to(session, row, target, at=at, reason=text[:4000], changes=changes, wake=desk.wake)
    else:
        states.change(session, row, changes, wake=desk.wake)
    if row.state == states.CLOSED:
        row.external_key = None  # the product's next outage or degradation opens a new incident
        session.flush()
    changed(session, desk, row)


def follow_outage(session: Session, desk: Desk, alarm: Alarm) -> BusResourceRow | None:
    """Bring the incident of the outage `alarm` up to date; None when it is on no customer's product."""
    product = product_of(session, alarm.service_id)
    if product is None:
        log.info("outage alarm %s of service %s: no CANTATA product of it, no incident", alarm.id, alarm.service_id)
        return None
    view = product_view(desk, product)
    link = session.get(IncidentDegradationRow, alarm.id)
    if link is None:
        link = _raise(session, desk, product, alarm, view)
    if alarm.state == CLEARED and link.applied < 2:
        _clear(session, desk, link, alarm, view)
    return incidents.get(session, link.incident_id, None)


def open_outages(session: Session, incident_ids: list[str]) -> set[str]:
    """Those of the incidents that follow an outage not cleared yet."""
    if not incident_ids:
        return set()
    return set(session.scalars(select(IncidentDegradationRow.incident_id).where(
        IncidentDegradationRow.incident_id.in_(incident_ids), IncidentDegradationRow.source == OUTAGE_ALARM,
        IncidentDegradationRow.state != CLEARED)))


def hear(legato: LegatoClient, desk: Desk, database: Database, alarm_id: str) -> None:
    """The SOF said alarm `alarm_id` was raised or changed state: read it and, if it is an outage,
    follow it. One the SOF does not show us is nothing to follow; an SOF that cannot answer now
    raises, so the event is sent again."""
    alarm = read_if_shown(lambda: legato.get_alarm(alarm_id), f"alarm {alarm_id}")
    if alarm is None or not alarm.outage:  # a threshold crossing: the SLS assessment judges what it costs the customer
        return
    with database.transaction() as session:
        follow_outage(session, desk, alarm)
