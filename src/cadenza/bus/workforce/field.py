"""`dispatch_field_work`: send a technician where software cannot fix the trouble (MEF 55.0.1
§10.5 step 10; MEF 137). Diagnosis calls it for a ticket whose cause it found but cannot
remedy (a failed access port, a cut link, a dead element):

- a work order for the ticket (`open`, `appointmentRequired`, linked both ways: the work order's
  relatedEntity names the ticket, the ticket's `workOrder` the work order), the ticket in
  progress with a note saying what is wrong and what the technician will do;
- the free slots the crews have (searchTimeSlot) inside the customer's visit settings; where the
  customer lets the SP book (`field_visits.<party>.book_automatically`), the first of them is
  booked at once; otherwise the ticket goes `pending` until the customer books one over the
  Appointment API (MEF 124 pending, MEF 137 R59);
- at the appointed simulated time the visit runs (bus/workforce/visit.py): the crew repairs the
  element, port or link in the twin, the work order completes, the ticket is resolved.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus.rows import BusResourceRow
from cadenza.bus.trouble import ticket
from cadenza.bus.trouble.records import record_diagnosis
from cadenza.bus.trouble.store import tickets
from cadenza.bus.workforce import booking, slots, work_order
from cadenza.bus.workforce.force import Fault, Workforce, workforce_of
from cadenza.core.clock import iso_at
from cadenza.core.errors import Unprocessable

__all__ = ["dispatch_field_work", "proposed_slots"]

_TAKES = (ticket.ACKNOWLEDGED, ticket.REOPENED, ticket.IN_PROGRESS, ticket.PENDING)


def _place(session: Session, row: BusResourceRow, fault: Fault) -> dict[str, Any]:
    """Where the crew goes: the site diagnosis named, else the site of the ticket's product, else
    the element's own location (an SP site the customer need not attend)."""
    if fault.site_id:
        return {"@type": "GeographicSiteRef", "id": fault.site_id, "role": "repairSite"}
    for entity in row.document.get("relatedEntity") or []:
        product = session.get(BusResourceRow, entity["id"])
        for site in (product.document.get("relatedSite") or []) if product is not None else []:
            return {"@type": "GeographicSiteRef", "id": site["id"], "role": "repairSite"}
    return {"@type": "GeographicSiteRef", "id": fault.element, "role": "networkElementLocation"}


def proposed_slots(session: Session, workforce: Workforce, party: str) -> list[slots.Slot]:
    """The crews' free slots the customer's visit settings allow, earliest first."""
    visits = workforce.visits_of(party)
    busy = slots.busy_slots(session)
    return [s for s in slots.free_slots(workforce.settings, booking.now_s(workforce), busy)
            if slots.allowed_by(s, visits)][:booking.MAX_SLOTS]


def dispatch_field_work(session: Session, domain: str, ticket_id: str, fault: Fault, *,
                        tasks: Sequence[str] | None = None, trouble_since: str | None = None) -> BusResourceRow:
    """Open the work order for ticket `ticket_id` of domain `domain` (the BUS's name) to repair
    `fault`, book or ask for the visit, and return the work order's row. Runs in the caller's
    transaction; the visit starts once it commits. `tasks`: what the technician is to do
    (default: what `fault` needs); `trouble_since`: when the fault began (RFC 3339), for the
    repair statistics (bus/trouble/records.py, where this records the diagnosis). Raises 422
    for a ticket that is closed, resolved or cancelled."""
    workforce = workforce_of(domain)
    if fault.kind == "port" and not fault.port:
        raise Unprocessable("/port: a failed port is named by its element and its port", property_path="/port")
    if fault.kind == "link" and not fault.far_end:
        raise Unprocessable("/farEnd: a failed link is named by both its ends", property_path="/farEnd")
    row = tickets.get(session, ticket_id, None, for_update=True)
    if row.state not in _TAKES:
        raise Unprocessable(f"Trouble ticket {row.id} is {row.state}: no field work can be sent for it",
                            property_path="/status")
    found = fault.description or f"{fault.where} has failed"
    record_diagnosis(session, row, cause=f"failed {fault.kind}", trouble_since=trouble_since)
    if row.state in (ticket.ACKNOWLEDGED, ticket.REOPENED):
        ticket.transition_to(session, row, ticket.IN_PROGRESS, wake=workforce.wake,
                             reason=f"diagnosed: {found}; software cannot fix it, a technician is sent")
    document = {"appointmentRequired": True, "appointment": [],
                "duration": {"timeDurationValue": workforce.settings.slot_hours, "timeDurationUnits": "HOUR"},
                "place": [_place(session, row, fault)], "relatedContactInformation": [workforce.technical_contact],
                "relatedEntity": [{"@referredType": "TroubleTicket", "id": row.id, "href": row.document["href"],
                                   "role": "parentTroubleTicket"}],
                "task": list(tasks or fault.tasks()),
                "note": [{"id": "seller-1", "author": workforce.author, "date": iso_at(booking.now_s(workforce)),
                          "source": "seller", "text": f"Found: {found}"[:4000]}],
                "_seller": {"ticket": row.id, "fault": fault.to_json()}}
    order = work_order.add(session, family=row.family, owner=row.owner, base_url=workforce.base_url,
                           document=document, wake=workforce.wake)
    ticket.update(session, row, {
        "workOrder": [*(row.document.get("workOrder") or []), {"id": order.id, "href": order.document["href"]}],
        "note": [*(row.document.get("note") or []), ticket.seller_note(
            row, workforce.desk.author, f"{found}. Software cannot repair this: work order {order.id} sends a "
            f"technician ({'; '.join(document['task'])}).")]}, wake=workforce.wake)
    free = proposed_slots(session, workforce, row.owner)
    if workforce.visits_of(row.owner).book_automatically and free:
        contact = next(c for c in row.document["relatedContactInformation"] if c.get("role") == "reporterContact")
        person = {k: contact[k] for k in ("name", "emailAddress", "number", "organization") if k in contact}
        first = free[0]
        booking.book(session, workforce, order, {
            "relatedContactInformation": [{**person, "role": "buyerAppointmentContact"},
                                          {**person, "role": "appointmentPlaceContact"}],
            "validFor": {"startDateTime": iso_at(first[0]), "endDateTime": iso_at(first[1])}}, by="seller")
    else:
        offered = ", ".join(f"{iso_at(s[0])}-{iso_at(s[1])}" for s in free[:3]) or "none in the next days"
        booking.ask_for_booking(session, workforce, order, f"first free slots: {offered}")
    return order
