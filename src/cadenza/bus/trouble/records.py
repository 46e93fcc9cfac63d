"""What a ticket's own document does not say but repair statistics need (`cadenza trouble
stats`, bus/trouble/stats.py): the cause diagnosis found, the partner it lies with, when the
trouble started as far as the network knows, and when it was diagnosed. One row per diagnosed
ticket in the BUS's resource table (`kind: troubleRecord`, its external key the ticket's id),
never shown to the buyer: the ticket's document stays the MEF `TroubleTicket`.

Diagnosis records it with `record_diagnosis` (field work does, bus/workforce/field.py); a ticket
without a record is measured from what the ticket keeps (bus/trouble/stats.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus.rows import BusResourceRow
from cadenza.bus.store import ResourceStore
from cadenza.core.clock import iso

__all__ = ["records", "record_diagnosis", "record_of"]

records = ResourceStore("troubleRecord", label="trouble record")


def record_of(session: Session, ticket_row: BusResourceRow) -> dict[str, Any] | None:
    row = records.find_by_key(session, ticket_row.owner, ticket_row.id)
    return None if row is None else dict(row.document)


def record_diagnosis(session: Session, ticket_row: BusResourceRow, *, cause: str, partner: str | None = None,
                     trouble_since: str | None = None, at: str | None = None) -> None:
    """The ticket's trouble is `cause` (e.g. "failed access port", "link down"), in `partner`'s
    network (its party; None: the SP's own), since `trouble_since` (RFC 3339, when known),
    diagnosed `at` (default now). A later diagnosis of the same ticket replaces the cause and
    keeps the first diagnosis time (the ticket was diagnosed then)."""
    row = records.find_by_key(session, ticket_row.owner, ticket_row.id)
    document = {"ticketId": ticket_row.id, "cause": cause, "partner": partner, "troubleSince": trouble_since,
                "diagnosedAt": at or iso()}
    if row is None:
        records.add(session, family=ticket_row.family, owner=ticket_row.owner, state="recorded", document=document,
                    external_key=ticket_row.id)
        return
    records.save(row, {**document, "diagnosedAt": row.document["diagnosedAt"],
                       "troubleSince": trouble_since or row.document.get("troubleSince")})
