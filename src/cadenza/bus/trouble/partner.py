"""Trouble in a partner's segment (MEF 55.0.1 §10.5 step 9, partner-caused): the SP, as the
partner's buyer, opens a linked ticket at the partner over SONATA and follows it through the
partner's notifications; its own ticket is resolved when the partner's is.

- `open_at_partner` (from bus/trouble/diagnosis.py, a report in `partnerTrouble`) starts a
  durable workflow (`bus-ticket-partner-<ticket>-<take-up>`): the SP's product at the partner
  (the partner's product of the order SOF named) gets a ticket whose `externalId` is our
  ticket's id; ours gets a `relatedIssue` (`@referredType: TroubleTicket`, `caused by`, source
  seller) and a note naming it.
- `hear` (the listener of the partner's SONATA trouble ticket hub) reads the partner's ticket:
  its seller notes become ours once each (`partner-<party>-<note id>`); `resolved` or `closed`
  there resolves ours, with the partner's last note.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from dbos import DBOS
from sqlalchemy.orm import Session

from cadenza.bus.runtime import bus_of
from cadenza.bus.trouble import ticket
from cadenza.bus.trouble.confirmation import desk_of
from cadenza.bus.trouble.desk import TroubleDesk, resolve
from cadenza.bus.trouble.store import tickets
from cadenza.core.clock import iso
from cadenza.core.db import Database
from cadenza.core.errors import NotFound
from cadenza.core.workflows import retry_unless_stopping, start_once
from cadenza.interfaces.sonata import SonataClient, SonataHttpError

__all__ = ["register_partners", "open_at_partner", "hear", "apply_partner_ticket"]

log = logging.getLogger(__name__)
_PARTNERS: dict[str, Mapping[str, SonataClient]] = {}  # domain -> party -> its SONATA client
_RETRY = {"retries_allowed": True, "max_attempts": 8, "interval_seconds": 1.0, "backoff_rate": 2.0,
          "should_retry": retry_unless_stopping}


def register_partners(domain: str, clients: Mapping[str, SonataClient]) -> None:
    _PARTNERS[domain] = clients


def open_at_partner(domain: str, row: Any, attempt: int, partner: str, reference: str | None,  # noqa: ANN401
                    why: str) -> None:
    start_once(bus_ticket_partner, f"bus-ticket-partner-{row.id}-{attempt}", domain, row.id, partner,
               reference or "", why)


@DBOS.workflow()
def bus_ticket_partner(domain: str, ticket_id: str, partner: str, reference: str, why: str) -> str:
    opened = bus_ticket_open_at_partner(domain, ticket_id, partner, reference, why)
    if opened:
        bus_ticket_link_partner(domain, ticket_id, partner, opened)
    return opened.get("id", "") if opened else ""


@DBOS.step(**_RETRY)
def bus_ticket_open_at_partner(domain: str, ticket_id: str, partner: str, reference: str,
                               why: str) -> dict[str, Any]:
    """The ticket at the partner, on our product there; the one already opened for ours if any."""
    client = _PARTNERS.get(domain, {}).get(partner)
    if client is None:
        log.info("trouble ticket %s: %s is not bought from over SONATA, no ticket opened there", ticket_id, partner)
        return {}
    made = client.list_trouble_tickets(externalId=ticket_id).items
    if made:
        return made[0]
    products = client.list_products(productOrderId=reference).items if reference else []
    if not products:
        log.info("trouble ticket %s: no product of ours at %s for order %s", ticket_id, partner, reference)
        return {}
    bus = bus_of(domain)
    with bus.database.read() as session:
        ours = tickets.get(session, ticket_id, None).document
    desk = desk_of(domain)
    contact = {k: v for k, v in desk.contact.items() if k != "role"}
    return client.create_trouble_ticket({
        "externalId": ticket_id, "description": f"Our customer reports: {ours.get('description', '')[:1000]}. "
                                                f"We found: {why}"[:4000],
        "priority": ours.get("sellerPriority", ours["priority"]), "severity": ours.get("sellerSeverity",
                                                                                        ours["severity"]),
        "ticketType": ours.get("ticketType", "assistance"), "observedImpact": ours.get("observedImpact", "degraded"),
        "relatedEntity": [{"@referredType": "Product", "id": products[0]["id"], "role": "affectedProduct"}],
        "relatedContactInformation": [{**contact, "role": "reporterContact"}]})


@DBOS.step(**_RETRY)
def bus_ticket_link_partner(domain: str, ticket_id: str, partner: str, theirs: dict[str, Any]) -> None:
    bus, desk = bus_of(domain), desk_of(domain)
    with bus.database.transaction() as session:
        row = tickets.get(session, ticket_id, None, for_update=True)
        issues = row.document.get("relatedIssue") or []
        if any(i.get("id") == theirs["id"] and i.get("@referredType") == "TroubleTicket" for i in issues):
            return
        moment = iso()
        issue = {"@referredType": "TroubleTicket", "id": theirs["id"], "href": theirs.get("href", ""),
                 "creationDate": moment, "description": f"{partner}'s ticket on its segment",
                 "relationshipType": "caused by", "source": "seller"}
        note = ticket.seller_note(row, desk.author, f"The trouble lies in {partner}'s segment: we opened ticket "
                                                    f"{theirs['id']} at {partner} and follow it", at=moment)
        ticket.update(session, row, {"relatedIssue": [*issues, issue],
                                     "note": [*(row.document.get("note") or []), note]}, wake=desk.wake)
    # what the partner did before the link was made (its events then found nothing to apply to)
    hear(domain, partner, theirs["id"], bus.database)


def apply_partner_ticket(session: Session, desk: TroubleDesk, partner: str, theirs: Mapping[str, Any]) -> None:
    """Bring our ticket up to date with the partner's ticket linked to it."""
    try:
        row = tickets.get(session, str(theirs.get("externalId") or ""), None, for_update=True)
    except NotFound:
        return  # not a ticket we opened
    if not any(i.get("id") == theirs["id"] and i.get("@referredType") == "TroubleTicket"
               for i in row.document.get("relatedIssue") or []) or row.state in ticket.TERMINAL:
        return
    notes = list(row.document.get("note") or [])
    known = {n.get("id") for n in notes}
    fresh = [{"id": f"partner-{partner}-{n.get('id')}", "author": f"{partner}: {n.get('author', '')}"[:200],
              "date": n.get("date") or iso(), "source": "seller", "text": f"{partner}: {n.get('text', '')}"[:4000]}
             for n in theirs.get("note") or [] if n.get("source") == "seller"
             and f"partner-{partner}-{n.get('id')}" not in known]
    if fresh:
        ticket.update(session, row, {"note": [*notes, *fresh]}, wake=desk.wake)
    if theirs.get("status") in ("resolved", "closed") and row.state == ticket.IN_PROGRESS:
        last = next((n["text"] for n in reversed(theirs.get("note") or []) if n.get("source") == "seller"), "")
        resolve(session, desk, row, f"{partner} resolved its ticket {theirs['id']}: {last}")


def hear(domain: str, partner: str, ticket_id: str, database: Database) -> None:
    """The partner said its ticket `ticket_id` changed: read it from the partner, then apply it."""
    client = _PARTNERS.get(domain, {}).get(partner)
    if client is None:
        return
    try:
        theirs = client.get_trouble_ticket(ticket_id)
    except SonataHttpError as exc:
        if exc.status in (400, 404):
            return
        raise
    with database.transaction() as session:
        apply_partner_ticket(session, desk_of(domain), partner, theirs)
