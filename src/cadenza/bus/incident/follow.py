"""Following an SLS degradation as an incident (MEF 55.0.1 §10.6 step 7): the BUS reads the
degradation its SOF told it of over LEGATO and brings the incident of the customer's product up
to date, one step of the degradation's history at a time, so an incident heard of late (the BUS
was down, events came out of order or twice) still passes through every state and note, and a
step already applied is never applied again.

An event only says which degradation changed; what it changed to is read from the SOF.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.bus.incident import states
from cadenza.bus.incident.notes import ProductView, description, note_text
from cadenza.bus.incident.store import incidents, of_degradation
from cadenza.bus.incident.triage import priority_of, severity_of
from cadenza.bus.product_inventory import products
from cadenza.bus.rows import BusResourceRow
from cadenza.core.clock import iso, parse_iso
from cadenza.core.db import Database
from cadenza.core.pm.interval import INTERVAL_S
from cadenza.interfaces.cantata.trouble_ticket import INCIDENT_CREATE_EVENT, incident_path
from cadenza.interfaces.legato.client import LegatoClient, LegatoRejected
from cadenza.interfaces.legato.degradation import Degradation, HistoryEntry

__all__ = ["Desk", "REPAIR_TARGET", "follow", "hear"]

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


def _product_of(session: Session, service_id: str) -> BusResourceRow | None:
    """The customer's product the service realises; only CANTATA products have incidents here."""
    return session.scalars(select(BusResourceRow).where(
        BusResourceRow.kind == products.kind, BusResourceRow.family == "cantata",
        BusResourceRow.external_key == service_id)).first()


def _view(desk: Desk, product: BusResourceRow) -> ProductView:
    sites = tuple(desk.sites.get(s["id"], s["id"]) for s in product.document.get("relatedSite") or [])
    return ProductView(id=product.id, offering=(product.document.get("productOffering") or {}).get("id") or "",
                       sites=sites)


def _note(desk: Desk, index: int, entry: HistoryEntry, text: str) -> dict[str, Any]:
    return {"id": str(index + 1), "author": f"{desk.organization} service assurance", "date": entry.at,
            "source": "seller", "text": text[:4000]}


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
        "creationDate": iso(), "description": description(view, degradation), "impact": "degraded",
        "incidentType": "repair", "priority": priority_of(severity, first.state), "severity": severity,
        "relatedContactInformation": [dict(desk.contact)],
        "relatedEntity": [{"@referredType": "Product", "id": product.id, "role": "affectedProduct",
                           "href": f"{desk.base_url}{product.document.get('href', '')}"}],
        "situationStartDate": degradation.since or first.at, "status": states.CREATED,
        "statusChange": [{"status": states.CREATED, "changeDate": first.at, "changeReason": first.why[:4000]}],
        "note": [_note(desk, 0, first, note_text(view, degradation, first, desk.partners))]}
    row = incidents.add(session, family="cantata", owner=product.owner, state=states.CREATED, document=document,
                        external_key=degradation.id)
    incidents.save(row, {"id": row.id, "href": f"{desk.base_url}{incident_path(row.id)}", **document})
    states.announce(session, row, INCIDENT_CREATE_EVENT, desk.wake)
    return row


def follow(session: Session, desk: Desk, degradation: Degradation) -> BusResourceRow | None:
    """Bring the incident of `degradation` up to date; None when it affects no customer's product."""
    if not degradation.history:
        return None
    product = _product_of(session, degradation.service_id)
    if product is None:
        log.info("SLS degradation %s of service %s: no CANTATA product of it, no incident", degradation.id,
                 degradation.service_id)
        return None
    view = _view(desk, product)
    row = of_degradation(session, degradation.id)
    if row is None:
        row = _open(session, desk, product, degradation, view)
        if desk.on_change is not None:
            desk.on_change(session, row)
    severity = row.document["severity"]
    # one note per step of the degradation: the notes say how far the incident has followed it
    for index in range(len(row.document.get("note") or []), len(degradation.history)):
        entry = degradation.history[index]
        target = states.STATUS_OF[entry.state]
        changes: dict[str, Any] = {
            "priority": priority_of(severity, entry.state),
            "note": [*row.document.get("note", []), _note(desk, index, entry, note_text(view, degradation, entry,
                                                                                          desk.partners))]}
        expected = _expected_closed(entry)
        if expected is not None:
            changes["expectedClosedDate"] = expected
        states.transition_to(session, row, target, at=entry.at, reason=entry.why[:4000], changes=changes,
                             wake=desk.wake)
        if desk.on_change is not None:
            desk.on_change(session, row)
    return row


def hear(legato: LegatoClient, desk: Desk, database: Database, degradation_id: str) -> None:
    """The SOF said degradation `degradation_id` changed: read it, then follow it in one transaction.
    A degradation the SOF does not show us (not ours, or gone) is nothing to follow; an SOF that
    cannot answer now raises, so the event is sent again."""
    try:
        degradation = legato.get_degradation(degradation_id)
    except LegatoRejected as exc:
        if exc.status in (400, 404):
            log.info("SLS degradation %s is not one the SOF shows us: %s", degradation_id, exc.reason)
            return
        raise
    with database.transaction() as session:
        follow(session, desk, degradation)
