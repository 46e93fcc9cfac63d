"""The buyer's side of a site visit (MEF 137 use cases 7, 8, 11, 12): search the free slots of a
work order, book one, move it, cancel it; and the seller booking one itself where the
customer's settings allow. The routers (bus/api/workforce.py) call these; they raise the spec's
errors (422 for a broken business rule, R12-R21, R40-R47)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus.rows import BusResourceRow
from cadenza.bus.trouble import desk as trouble
from cadenza.bus.trouble import ticket
from cadenza.bus.trouble.store import tickets
from cadenza.bus.workforce import appointment, slots, work_order
from cadenza.bus.workforce.apis import WorkforceApi, workforce_api
from cadenza.bus.workforce.force import Workforce
from cadenza.bus.workforce.store import appointments, work_orders
from cadenza.core.clock import iso_at
from cadenza.core.db import per_transaction
from cadenza.core.errors import Unprocessable

__all__ = ["MAX_SLOTS", "search_time_slot", "create_appointment", "book", "patch_appointment",
           "cancel_appointment", "buyers_work_order", "now_s"]

MAX_SLOTS = 50  # a search answers at most this many free slots, earliest first
_BUYER_ROLES = ("buyerAppointmentContact", "appointmentPlaceContact")


def now_s(workforce: Workforce) -> float:
    """The network's time: crews keep the twin's clock (wall time when no field force is wired)."""
    if workforce.field_force is not None:
        return workforce.field_force.now()
    return time.time()


def buyers_work_order(session: Session, api: WorkforceApi, owner: str, ref: Mapping[str, Any],
                      pointer: str = "/workOrder/id") -> BusResourceRow:
    row = session.get(BusResourceRow, ref.get("id"))
    if row is None or row.kind != work_orders.kind or row.owner != owner or row.family != api.family:
        raise Unprocessable(f"{pointer}: you have no work order '{str(ref.get('id'))[:80]}'",
                            code="referenceNotFound", property_path=pointer)
    return row


def _period(value: Mapping[str, Any], pointer: str) -> slots.Slot:
    try:
        start, end = slots.parse(value["startDateTime"]), slots.parse(value["endDateTime"])
    except (KeyError, TypeError, ValueError):
        raise Unprocessable(f"{pointer}: give startDateTime and endDateTime as RFC 3339 date-times",
                            property_path=pointer) from None
    if end <= start:
        raise Unprocessable(f"{pointer}: endDateTime must be after startDateTime", property_path=pointer)
    return start, end


def _as_time_slot(slot: slots.Slot) -> dict[str, Any]:
    return {"validFor": {"startDateTime": iso_at(slot[0]), "endDateTime": iso_at(slot[1])}}


def search_time_slot(session: Session, workforce: Workforce, api: WorkforceApi, owner: str,
                     payload: Mapping[str, Any]) -> dict[str, Any]:
    """Use case 7: the free crew slots inside any of the requested ones (R13: none, an empty list)."""
    row = buyers_work_order(session, api, owner, payload["workOrder"])
    if row.state not in (work_order.OPEN, work_order.PLANNED):  # R12: scheduling or rescheduling only
        raise Unprocessable(f"/workOrder/id: work order {row.id} is {row.state}: it needs no appointment",
                            property_path="/workOrder/id")
    windows = [_period(s.get("validFor") or {}, f"/requestedTimeSlot/{i}/validFor")
               for i, s in enumerate(payload["requestedTimeSlot"])]
    mine = [a for a in row.document.get("appointment") or []]
    busy = slots.busy_slots(session, excluding=mine[-1]["id"] if mine else None)
    free = [s for s in slots.free_slots(workforce.settings, now_s(workforce), busy) if slots.within(s, windows)]
    return {"availableTimeSlot": [_as_time_slot(s) for s in free[:MAX_SLOTS]],
            "requestedTimeSlot": list(payload["requestedTimeSlot"]),
            "workOrder": {"id": row.id, "href": row.document["href"]}}


def _check_free(session: Session, workforce: Workforce, slot: slots.Slot, *, excluding: str | None = None) -> None:
    busy = slots.busy_slots(session, excluding=excluding)
    if slot not in set(slots.free_slots(workforce.settings, now_s(workforce), busy)):  # R17, R42
        raise Unprocessable("/validFor: no technician is free then; take one of the slots a searchTimeSlot "
                            "answers", property_path="/validFor")


def _check_buyer_contacts(payload: Mapping[str, Any]) -> None:
    roles = {c.get("role") for c in payload.get("relatedContactInformation") or []}
    for role in _BUYER_ROLES:  # R15
        if role not in roles:
            raise Unprocessable(f"/relatedContactInformation: give a contact with role {role}",
                                code="missingProperty", property_path="/relatedContactInformation")
    if "sellerAppointmentContact" in roles:
        raise Unprocessable("/relatedContactInformation: the sellerAppointmentContact is the seller's to set",
                            property_path="/relatedContactInformation")


def create_appointment(session: Session, workforce: Workforce, api: WorkforceApi, owner: str,
                       payload: Mapping[str, Any]) -> BusResourceRow:
    """Use case 8: the buyer books one of the free slots for its work order."""
    row = buyers_work_order(session, api, owner, payload["workOrder"])
    _check_buyer_contacts(payload)
    return book(session, workforce, row, payload, by="buyer")


def book(session: Session, workforce: Workforce, row: BusResourceRow, payload: Mapping[str, Any], *,
         by: str) -> BusResourceRow:
    """The appointment (R19 confirmed), and what it changes: the work order planned (R22-R24), the
    ticket in progress again (R25), the visit waiting for its time (bus/workforce/visit.py)."""
    if any(a.state in appointment.OPEN for a in _appointments_of(session, row)):  # R20
        raise Unprocessable(f"/workOrder/id: work order {row.id} already has an appointment; move that one "
                            "(patch) or cancel it first", property_path="/workOrder/id")
    if row.state != work_order.OPEN:  # R21
        raise Unprocessable(f"/workOrder/id: work order {row.id} is {row.state}, not open",
                            property_path="/workOrder/id")
    slot = _period(payload["validFor"], "/validFor")  # R16
    _check_free(session, workforce, slot)
    place = (row.document.get("place") or [{}])[0]
    document = {**{k: payload[k] for k in ("note", "attachment") if k in payload},
                "relatedContactInformation": [*payload["relatedContactInformation"], workforce.appointment_contact],
                "relatedPlace": place, "status": appointment.CONFIRMED,
                "validFor": {"startDateTime": iso_at(slot[0]), "endDateTime": iso_at(slot[1])},
                "workOrder": {"id": row.id, "href": row.document["href"]}}
    booked = appointments.add(session, family=row.family, owner=row.owner, state=appointment.CONFIRMED,
                              document=document)
    href = f"{workforce.base_url}{_api_of(row).appointment_base}/appointment/{booked.id}"
    appointments.save(booked, {"id": booked.id, "href": href, **booked.document})
    work_order.transition_to(session, row, work_order.PLANNED, wake=workforce.wake, changes={
        "appointment": [*(row.document.get("appointment") or []), {"id": booked.id, "href": href}],
        "appointmentRequired": False, "plannedExecutionDate": iso_at(slot[0])})
    _ticket_note(session, workforce, row, f"A technician visits {_place_name(place)} between {iso_at(slot[0])} "
                 f"and {iso_at(slot[1])} (appointment {booked.id}, booked by the {by}) for work order {row.id}.",
                 resume=True)
    _start_after_commit(session, workforce, booked.id)
    return booked


def patch_appointment(session: Session, workforce: Workforce, row: BusResourceRow, patch: Mapping[str, Any]) -> None:
    """Use case 11: append-only notes and attachments, the buyer's contacts, or another free slot."""
    if row.state != appointment.CONFIRMED:  # R40
        raise Unprocessable(f"Appointment {row.id} is {row.state}: only a confirmed one can be changed",
                            property_path="/status")
    if not any(k in patch for k in ("attachment", "note", "relatedContactInformation", "validFor", "relatedPlace")):
        raise Unprocessable("Give at least one of attachment, note, relatedContactInformation, validFor",
                            code="missingProperty", property_path="/")
    changes: dict[str, Any] = {}
    for name in ("note", "attachment"):  # R43, R44: append to what there is
        if name in patch:
            old = list(row.document.get(name) or [])
            if list(patch[name])[:len(old)] != old:
                raise Unprocessable(f"/{name}: keep the existing items as they are and append new ones",
                                    property_path=f"/{name}")
            changes[name] = list(patch[name])
    if "relatedPlace" in patch and patch["relatedPlace"] != row.document.get("relatedPlace"):
        raise Unprocessable("/relatedPlace: the place is the work order's; it cannot be moved",
                            property_path="/relatedPlace")
    if "relatedContactInformation" in patch:
        ours = [c for c in row.document["relatedContactInformation"] if c.get("role") == "sellerAppointmentContact"]
        theirs = [c for c in patch["relatedContactInformation"] if c.get("role") != "sellerAppointmentContact"]
        _check_buyer_contacts({"relatedContactInformation": theirs})
        changes["relatedContactInformation"] = [*theirs, *ours]
    if "validFor" in patch:
        slot = _period(patch["validFor"], "/validFor")  # R41
        _check_free(session, workforce, slot, excluding=row.id)  # R42
        changes["validFor"] = {"startDateTime": iso_at(slot[0]), "endDateTime": iso_at(slot[1])}
        order = work_orders.get(session, row.document["workOrder"]["id"], None, for_update=True)
        work_order.update(session, order, {"plannedExecutionDate": iso_at(slot[0])}, wake=workforce.wake)
        _ticket_note(session, workforce, order, f"The technician's visit (appointment {row.id}) moved to "
                     f"{iso_at(slot[0])}-{iso_at(slot[1])} at the customer's request.")
    appointments.save(row, {**row.document, **changes})  # the buyer's own change: no event (R29)


def cancel_appointment(session: Session, workforce: Workforce, row: BusResourceRow) -> None:
    """Use case 12: the visit is off; the work order needs a new one (R48-R50) and the ticket
    waits for the customer to book it."""
    if row.state != appointment.CONFIRMED:  # R46
        raise Unprocessable(f"Appointment {row.id} is {row.state}: only a confirmed one can be cancelled",
                            property_path="/status")
    order = work_orders.get(session, row.document["workOrder"]["id"], None, for_update=True)
    if order.state != work_order.PLANNED:  # R47
        raise Unprocessable(f"Work order {order.id} is {order.state}, not planned: the appointment cannot be "
                            "cancelled", property_path="/workOrder")
    appointment.transition_to(session, row, appointment.CANCELLED, wake=workforce.wake)
    work_order.transition_to(session, order, work_order.OPEN, changes={"appointmentRequired": True},
                             wake=workforce.wake)
    ask_for_booking(session, workforce, order, f"the visit of appointment {row.id} was cancelled")


def ask_for_booking(session: Session, workforce: Workforce, order: BusResourceRow, why: str) -> None:
    """The ticket waits for the customer to book a visit (MEF 124 `pending`, R59)."""
    row = _ticket_of(session, order)
    if row is None:
        return
    what = (f"an appointment for work order {order.id} ({why}): search the free slots (searchTimeSlot) and "
            "book one (createAppointment)")
    if row.state == ticket.IN_PROGRESS:
        trouble.require_information(session, workforce.desk, row, what)
    elif row.state == ticket.PENDING:
        ticket.update(session, row, {"note": [*(row.document.get("note") or []),
                                              ticket.seller_note(row, workforce.desk.author, f"We need: {what}")]},
                      wake=workforce.wake)


def _appointments_of(session: Session, order: BusResourceRow) -> list[BusResourceRow]:
    return [appointments.get(session, a["id"], None) for a in order.document.get("appointment") or []]


def _api_of(row: BusResourceRow) -> WorkforceApi:
    return workforce_api(row.family)


def _place_name(place: Mapping[str, Any]) -> str:
    return f"site {place['id']}" if place.get("id") else "the site"


def _ticket_of(session: Session, order: BusResourceRow) -> BusResourceRow | None:
    ticket_id = order.document.get("_seller", {}).get("ticket")
    return tickets.get(session, ticket_id, None, for_update=True) if ticket_id else None


def _ticket_note(session: Session, workforce: Workforce, order: BusResourceRow, text: str, *,
                 resume: bool = False) -> None:
    """Tell the ticket's buyer; `resume`: a ticket waiting for the booking is in progress again (R25)."""
    row = _ticket_of(session, order)
    if row is None or row.state in ticket.TERMINAL:
        return
    notes = [*(row.document.get("note") or []), ticket.seller_note(row, workforce.desk.author, text)]
    if resume and row.state == ticket.PENDING:
        ticket.transition_to(session, row, ticket.IN_PROGRESS, reason=text, changes={"note": notes},
                             wake=workforce.wake)
    else:
        ticket.update(session, row, {"note": notes}, wake=workforce.wake)


def _start_after_commit(session: Session, workforce: Workforce, appointment_id: str) -> None:
    # the visit's workflow reads the appointment: it starts once the booking is committed (a
    # crash in between is caught at start, bus/workforce/visit.py resume_visits)
    def start(ids: list[str]) -> None:
        for item in ids:
            if workforce.start_visit is not None:
                workforce.start_visit(item)
    per_transaction(session, ("workforce-visits", workforce.name), list, after_commit=start).append(appointment_id)
