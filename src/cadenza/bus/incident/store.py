"""Where incidents are kept: the BUS's resource table (bus/rows.py), one row per incident, its
document the MEF `Incident` as retrieved, owned by the customer whose product it affects. While
open it is keyed by that product (the row's external key, unique per kind and owner): a product
has one open incident at most, whatever two transactions do at once; closing it drops the key, so
the product's next degradation opens a new one. The degradations it follows are in
`bus_incident_degradation` (bus/incident/rows.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus.keys import moment, text
from cadenza.bus.rows import BusResourceRow
from cadenza.bus.store import ResourceStore

__all__ = ["incidents", "incident_keys", "open_incident", "DATES", "EQUAL"]

DATES = ("creationDate", "situationStartDate", "expectedClosedDate", "closedDate")
EQUAL = ("priority", "severity", "impact", "incidentType", "relatedEntityId", "relatedEntityType")


def incident_keys(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The attributes `listIncident` filters on (MEF 124 §6.7)."""
    for name in ("priority", "severity", "impact", "incidentType"):
        if isinstance(document.get(name), str):
            yield name, text(document[name])
    for entity in document.get("relatedEntity") or []:
        yield "relatedEntityId", text(entity["id"])
        yield "relatedEntityType", text(entity["@referredType"])
    for name in DATES:
        key = moment(document.get(name))
        if key is not None:
            yield name, key


incidents = ResourceStore("incident", label="incident", keys=incident_keys)


def open_incident(session: Session, product: BusResourceRow) -> BusResourceRow | None:
    """The incident open on `product` (not closed), if any."""
    return incidents.find_by_key(session, product.owner, product.id)
