"""Where incidents are kept: the BUS's resource table (bus/rows.py), one row per incident, its
document the MEF `Incident` as retrieved, owned by the customer whose product it affects, keyed
by the SOF degradation it follows (the row's external key)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.bus.keys import moment, text
from cadenza.bus.rows import BusResourceRow
from cadenza.bus.store import ResourceStore

__all__ = ["incidents", "incident_keys", "of_degradation", "DATES", "EQUAL"]

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


def of_degradation(session: Session, degradation_id: str) -> BusResourceRow | None:
    """The incident following SOF degradation `degradation_id`, locked on PostgreSQL: two events
    of one degradation handled at once apply its history one after the other."""
    query = select(BusResourceRow).where(BusResourceRow.kind == incidents.kind,
                                         BusResourceRow.external_key == degradation_id)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).first()
