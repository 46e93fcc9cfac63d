"""Where trouble tickets are kept: the BUS's resource table (bus/rows.py), one row per ticket,
its document the MEF `TroubleTicket` as retrieved, owned by the buyer who opened it, in the
family it was opened over (cantata or sonata)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.bus.keys import moment, text
from cadenza.bus.rows import BusResourceKeyRow, BusResourceRow
from cadenza.bus.store import ResourceStore

__all__ = ["tickets", "ticket_keys", "linked_to_incident", "DATES", "EQUAL", "CAUSED_BY", "RELATED_TO"]

# how the seller relates a ticket to an incident: it follows the incident (and is resolved when
# it closes), or it is diagnosed on its own and the incident (an outage) tells what was seen
CAUSED_BY = "caused by"
RELATED_TO = "related to"

DATES = ("creationDate", "expectedResolutionDate", "resolutionDate")
EQUAL = ("externalId", "priority", "sellerPriority", "severity", "sellerSeverity", "ticketType", "observedImpact",
         "relatedEntityId", "relatedEntityType")


def ticket_keys(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The attributes `listTroubleTicket` filters on (MEF 124 O6), and the incidents a ticket
    is attached to (`incidentId`), which close it."""
    for name in EQUAL[:7]:
        if isinstance(document.get(name), str) and document[name] != "":
            yield name, text(document[name])
    for entity in document.get("relatedEntity") or []:
        yield "relatedEntityId", text(entity["id"])
        yield "relatedEntityType", text(entity.get("@referredType") or "Product")
    for issue in document.get("relatedIssue") or []:
        if issue.get("@referredType") == "Incident" and issue.get("source") == "seller":
            yield ("relatedIncidentId" if issue.get("relationshipType") == RELATED_TO else "incidentId"), \
                text(issue["id"])
    for name in DATES:
        key = moment(document.get(name))
        if key is not None:
            yield name, key


tickets = ResourceStore("troubleTicket", label="trouble ticket", keys=ticket_keys)


def linked_to_incident(session: Session, incident_id: str, states: Sequence[str], *,
                       related_too: bool = False) -> list[BusResourceRow]:
    """The tickets the seller attached to incident `incident_id` (caused by it; `related_too`:
    also those diagnosed on their own that it is related to), in one of `states`."""
    names = ["incidentId", "relatedIncidentId"] if related_too else ["incidentId"]
    keyed = select(BusResourceKeyRow.resource_id).where(BusResourceKeyRow.name.in_(names),
                                                        BusResourceKeyRow.value == text(incident_id))
    return list(session.scalars(select(BusResourceRow).where(
        BusResourceRow.kind == tickets.kind, BusResourceRow.id.in_(keyed), BusResourceRow.state.in_(states))
        .order_by(BusResourceRow.created_at, BusResourceRow.id)))
