"""Following SLS degradations as incidents (MEF 55.0.1 §10.6 step 7): the BUS reads a degradation
its SOF told it of over LEGATO, with the other degradations of the same service, and brings the
incident of the customer's product up to date, one step of their history at a time, so an
incident heard of late (the BUS was down, events came out of order or twice) still passes through
every state and note, and a step already applied is never applied again.

A product has one open incident: the first degradation opens it (or an outage,
bus/incident/outage.py), a degradation of the product while it is open (the other direction of a
lossy link) joins it with a note, and it closes when
every degradation it follows is resolved (bus/incident/states.py `status_of`). How many steps of
each degradation are applied is kept per degradation (bus/incident/rows.py). The steps of the
degradations read together are applied in the order the SOF took them, so which event is heard
first does not decide whether the other direction joins the incident or finds it closed.

An event only says which degradation changed; what it changed to is read from the SOF.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.bus.incident import states
from cadenza.bus.incident.notes import ProductView, description_of, note_text
from cadenza.bus.incident.rows import IncidentDegradationRow
from cadenza.bus.incident.store import incidents, open_incident
from cadenza.bus.incident.triage import PRIORITIES, SEVERITIES, priority_of, severity_of, worst
from cadenza.bus.product_inventory import products
from cadenza.bus.rows import BusResourceRow
from cadenza.core.clock import iso, parse_iso
from cadenza.core.db import Database
from cadenza.core.pm.interval import INTERVAL_S
from cadenza.interfaces.cantata.trouble_ticket import INCIDENT_CREATE_EVENT, incident_path
from cadenza.interfaces.legato.client import LegatoClient, read_if_shown
from cadenza.interfaces.legato.degradation import Degradation, HistoryEntry

__all__ = ["Desk", "REPAIR_TARGET", "follow", "hear", "product_of", "product_view", "note", "changed"]

log = logging.getLogger(__name__)

# How long the SP gives its engineers to repair what no remedy software applies could: the
# expected closing date of an incident that needs a person (MEF 124 R70 asks for one).
REPAIR_TARGET = timedelta(hours=4)


@dataclass(frozen=True)
class Desk:
    """The SP's incident desk: who the customer contacts, where incidents are answered (their
    absolute hrefs), the names of our sites and partners as incidents say them."""

    organization: str
    base_url: str
    contact: Mapping[str, str]  # a RelatedContactInformation with role incidentContact
    sites: Mapping[str, str] = field(default_factory=dict)  # site id -> name
    partners: Mapping[str, str] = field(default_factory=dict)  # party -> name
    wake: Callable[[], None] | None = None
    # told of every incident opened or moved, in its transaction: the trouble tickets on its
    # product attach to it and are resolved with it (bus/trouble/desk.py incident_changed)
    on_change: Callable[[Session, BusResourceRow], None] | None = None

    def absolute(self, href: str) -> str:
        # the BUS stores its products' hrefs absolute (bus/fulfilment.py); a relative one is the desk's
        return href if href.startswith(("http://", "https://")) else f"{self.base_url}{href}"


def product_of(session: Session, service_id: str) -> BusResourceRow | None:
    """The customer's product the service realises; only CANTATA products have incidents here.
    Locked on PostgreSQL: the events of both directions of a service, handled at once, follow
    its incident one after the other, the second seeing what the first opened (SQLite has one
    writer). The open incident's key (bus/incident/store.py) would refuse a second one anyway."""
    query = select(BusResourceRow).where(
        BusResourceRow.kind == products.kind, BusResourceRow.family == "cantata",
        BusResourceRow.external_key == service_id)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).first()


def product_view(desk: Desk, product: BusResourceRow) -> ProductView:
    sites = tuple(desk.sites.get(s["id"], s["id"]) for s in product.document.get("relatedSite") or [])
    return ProductView(id=product.id, offering=(product.document.get("productOffering") or {}).get("id") or "",
                       sites=sites)


def note(desk: Desk, index: int, at: str, text: str) -> dict[str, Any]:
    """The incident's note number `index + 1`, written by the desk's service assurance."""
    return {"id": str(index + 1), "author": f"{desk.organization} service assurance", "date": at,
            "source": "seller", "text": text[:4000]}


def _note(desk: Desk, index: int, entry: HistoryEntry, text: str) -> dict[str, Any]:
    return note(desk, index, entry.at, text)


def _expected_closed(entry: HistoryEntry) -> str | None:
    if entry.state == "rerouting" and entry.interval is not None:
        # the SOF judges the reroute on the interval after it: closed when that one ends, if it meets the SLS
        return iso(datetime.fromtimestamp((entry.interval + 2) * INTERVAL_S, UTC))
    if entry.state == "manualIntervention":
        return iso(parse_iso(entry.at) + REPAIR_TARGET)
    return None




def _open(session: Session, desk: Desk, product: BusResourceRow, degradation: Degradation,
          view: ProductView) -> BusResourceRow:
    first = degradation.history[0]
    severity = severity_of(first.metrics)
    document: dict[str, Any] = {
        "creationDate": iso(), "description": description_of(view, [degradation.direction]), "impact": "degraded",
        "incidentType": "repair", "priority": priority_of(severity, first.state), "severity": severity,
        "relatedContactInformation": [dict(desk.contact)],
        "relatedEntity": [{"@referredType": "Product", "id": product.id, "role": "affectedProduct",
                           "href": desk.absolute(product.document.get("href", ""))}],
        "situationStartDate": degradation.since or first.at, "status": states.CREATED,
        "statusChange": [{"status": states.CREATED, "changeDate": first.at, "changeReason": first.why[:4000]}],
        "note": [_note(desk, 0, first, note_text(view, degradation, first, desk.partners))]}
    row = incidents.add(session, family="cantata", owner=product.owner, state=states.CREATED, document=document,
                        external_key=product.id)
    incidents.save(row, {"id": row.id, "href": f"{desk.base_url}{incident_path(row.id)}", **document})
    states.announce(session, row, INCIDENT_CREATE_EVENT, desk.wake)
    return row


def changed(session: Session, desk: Desk, row: BusResourceRow) -> None:
    if desk.on_change is not None:
        desk.on_change(session, row)


def _others(session: Session, incident_id: str, degradation_id: str) -> list[IncidentDegradationRow]:
    return list(session.scalars(select(IncidentDegradationRow).where(
        IncidentDegradationRow.incident_id == incident_id, IncidentDegradationRow.degradation_id != degradation_id)
        .order_by(IncidentDegradationRow.degradation_id)))


@dataclass
class _Following:
    """What one `follow` works on: the product, how it is named, and each degradation's row."""

    desk: Desk
    product: BusResourceRow
    view: ProductView
    links: dict[str, IncidentDegradationRow | None]


def _join(session: Session, at: _Following, degradation: Degradation) -> tuple[BusResourceRow | None,
                                                                                IncidentDegradationRow]:
    """The incident a degradation heard of for the first time belongs to: the product's open one
    (None: it opens one, its first step applied)."""
    row = open_incident(session, at.product)
    first = degradation.history[0]
    if row is None:
        row = _open(session, at.desk, at.product, degradation, at.view)
        link = IncidentDegradationRow(degradation_id=degradation.id, incident_id=row.id,
                                      direction=degradation.direction, applied=1, state=first.state)
        session.add(link)
        at.links[degradation.id] = link
        changed(session, at.desk, row)
        return None, link
    link = IncidentDegradationRow(degradation_id=degradation.id, incident_id=row.id, direction=degradation.direction,
                                  applied=0, state=first.state)
    session.add(link)
    at.links[degradation.id] = link
    return row, link


def _apply(session: Session, at: _Following, degradation: Degradation, index: int) -> None:
    """Step `index` of `degradation` on its incident: a note, and the incident's status as the
    states of every degradation it follows make it."""
    entry = degradation.history[index]
    link = at.links.get(degradation.id)
    joins: str | None = None
    if link is None:
        row, link = _join(session, at, degradation)
        if row is None:
            return
        others = _others(session, row.id, degradation.id)
        joins = "again" if any(o.direction == degradation.direction for o in others) else "either"
    else:
        row = incidents.get(session, link.incident_id, None)
        others = _others(session, row.id, degradation.id)
        if row.state == states.CLOSED:  # never so while one of its degradations is open; nothing can move it
            log.warning("incident %s is closed: step %d of SLS degradation %s is not applied", row.id, index,
                        degradation.id)
            return
    link.applied, link.state, link.expected_closed = index + 1, entry.state, _expected_closed(entry)
    every = [link, *others]
    still = [o for o in every if states.FOLLOWED_STATUS_OF[o.state] != states.CLOSED]
    severity = row.document["severity"]
    if entry.metrics:  # a direction joining may lose frames where the first was only late
        severity = worst([severity, severity_of(entry.metrics)], SEVERITIES)
    priority = (worst([priority_of(severity, o.state) for o in still], PRIORITIES) if still
                else priority_of(severity, entry.state))
    notes = row.document.get("note") or []
    text = note_text(at.view, degradation, entry, at.desk.partners, joins=joins, shared=bool(others) and not joins,
                     pending=[o.direction for o in still if o is not link])
    changes: dict[str, Any] = {"priority": priority, "severity": severity,
                               "description": description_of(at.view, [o.direction for o in every]),
                               "note": [*notes, _note(at.desk, len(notes), entry, text)]}
    expected = [o.expected_closed for o in still if o.expected_closed]
    if expected:
        changes["expectedClosedDate"] = max(expected, key=parse_iso)
    target = states.status_of(row.state, [o.state for o in every])
    if target != row.state or entry.state in states.HANDLED:
        # a move, or the diagram's loop: handled again, another way
        states.transition_to(session, row, target, at=entry.at, reason=entry.why[:4000], changes=changes,
                             wake=at.desk.wake)
    else:  # a direction joins, or resolves while another does not: a note
        states.change(session, row, changes, wake=at.desk.wake)
    if row.state == states.CLOSED:
        row.external_key = None  # the product's next degradation opens a new incident
        session.flush()
    changed(session, at.desk, row)


def _pending(degradation: Degradation, applied: int) -> Iterator[tuple[datetime, int, Degradation]]:
    for index in range(applied, len(degradation.history)):
        yield parse_iso(degradation.history[index].at), index, degradation


def follow(session: Session, desk: Desk, degradation: Degradation, *also: Degradation) -> BusResourceRow | None:
    """Bring the incident of `degradation` up to date, with the other degradations of its service
    the SOF shows (`also`), their steps in the order the SOF took them; None when it affects no
    customer's product."""
    if not degradation.history:
        return None
    product = product_of(session, degradation.service_id)
    if product is None:
        log.info("SLS degradation %s of service %s: no CANTATA product of it, no incident", degradation.id,
                 degradation.service_id)
        return None
    together = {d.id: d for d in (degradation, *also) if d.service_id == degradation.service_id and d.history}
    at = _Following(desk=desk, product=product, view=product_view(desk, product),
                    links={i: session.get(IncidentDegradationRow, i) for i in together})
    steps = [_pending(d, link.applied if (link := at.links[d.id]) is not None else 0) for d in together.values()]
    for _, index, step_of in heapq.merge(*steps, key=lambda step: step[0]):
        _apply(session, at, step_of, index)
    link = at.links[degradation.id]
    return incidents.get(session, link.incident_id, None) if link is not None else None


def hear(legato: LegatoClient, desk: Desk, database: Database, degradation_id: str) -> None:
    """The SOF said degradation `degradation_id` changed: read it and the others of its service,
    then follow them in one transaction.
    A degradation the SOF does not show us (not ours, or gone) is nothing to follow; an SOF that
    cannot answer now raises, so the event is sent again."""
    def read() -> tuple[Degradation, list[Degradation]]:
        degradation = legato.get_degradation(degradation_id)
        # the other direction's steps may be older than this one's: applied first, it joins the incident
        return degradation, legato.list_degradations(service_id=degradation.service_id)

    found = read_if_shown(read, f"SLS degradation {degradation_id}")
    if found is None:
        return
    degradation, others = found
    with database.transaction() as session:
        follow(session, desk, degradation, *others)
