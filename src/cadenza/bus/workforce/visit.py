"""The technician's visit: a durable workflow per appointment (`bus-field-visit-<appointment
id>`) that waits for the appointed time in the network's simulated time (the twin's clock),
then the appointment and the work order are in progress, the crew repairs what the work order
names in the twin, the appointment and the work order complete and the ticket is resolved with a
note saying what the technician did.

The wait reads the clock in steps and sleeps between them (at most `_POLL_MAX_S` wall seconds,
or `poll_s` while the clock is stopped, as tests keep it), so a clock moved on or sped up is
seen, and an appointment moved (patch) or cancelled meanwhile is followed: the workflow reads
the appointment each time. A restart resumes the workflow where it was (DBOS); `resume_visits`
starts the ones a crash caught between a booking's commit and its workflow's start.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from dbos import DBOS

from cadenza.bus.rows import BusResourceRow
from cadenza.bus.trouble import desk as trouble
from cadenza.bus.trouble import ticket
from cadenza.bus.trouble.store import tickets
from cadenza.bus.workforce import appointment, slots, work_order
from cadenza.bus.workforce.booking import now_s
from cadenza.bus.workforce.force import Fault, Workforce, register_workforce, workforce_of
from cadenza.bus.workforce.store import appointments, work_orders
from cadenza.core.clock import iso_at
from cadenza.core.workflows import durable_sleep, start_once

__all__ = ["register", "start_visit", "resume_visits", "field_visit"]

log = logging.getLogger(__name__)
_POLL_MAX_S = 60.0


def register(workforce: Workforce) -> None:
    register_workforce(workforce)
    workforce.start_visit = lambda appointment_id: start_visit(workforce.name, appointment_id)


def start_visit(domain: str, appointment_id: str) -> None:
    start_once(field_visit, f"bus-field-visit-{appointment_id}", domain, appointment_id)


def resume_visits(domain: str) -> int:
    workforce = workforce_of(domain)
    with workforce.database.read() as session:
        waiting = appointments.ids_in(session, sorted(appointment.OPEN))
    for appointment_id in waiting:
        start_visit(domain, appointment_id)
    return len(waiting)


@DBOS.workflow()
def field_visit(domain: str, appointment_id: str) -> str:
    while True:
        wait = field_visit_wait(domain, appointment_id)
        if wait is None:
            return "off"  # cancelled (or already done) meanwhile
        if wait <= 0:
            break
        durable_sleep(wait)
    if not field_visit_begin(domain, appointment_id):
        return "off"
    done, repaired = field_visit_repair(domain, appointment_id)
    resolved = field_visit_finish(domain, appointment_id, done, repaired)
    desk = workforce_of(domain).desk
    if resolved is not None and desk.confirm_later is not None:
        # a workflow of its own, which a step cannot start: the resolution waits for the buyer here
        desk.confirm_later(*resolved)
    return done


@DBOS.step()
def field_visit_wait(domain: str, appointment_id: str) -> float | None:
    """None: no visit to make; 0: it is time; else the wall seconds to sleep before looking again."""
    workforce = workforce_of(domain)
    with workforce.database.read() as session:
        row = session.get(BusResourceRow, appointment_id)
        if row is None or row.state not in appointment.OPEN:
            return None
        if row.state == appointment.IN_PROGRESS:
            return 0.0
        start = slots.parse(row.document["validFor"]["startDateTime"])
    ahead = start - now_s(workforce)
    if ahead <= 0:
        return 0.0
    scale = workforce.field_force.scale() if workforce.field_force is not None else 1.0
    return workforce.poll_s if scale <= 0 else min(max(ahead / scale, 0.05), _POLL_MAX_S)


@DBOS.step()
def field_visit_begin(domain: str, appointment_id: str) -> bool:
    """The crew is on site: the point of no return (inProgress), the work order too."""
    workforce = workforce_of(domain)
    with workforce.database.transaction() as session:
        row = appointments.get(session, appointment_id, None, for_update=True)
        if row.state == appointment.IN_PROGRESS:
            return True  # begun before a restart
        if row.state != appointment.CONFIRMED:
            return False
        appointment.transition_to(session, row, appointment.IN_PROGRESS, wake=workforce.wake)
        order = work_orders.get(session, row.document["workOrder"]["id"], None, for_update=True)
        if order.state == work_order.PLANNED:
            work_order.transition_to(session, order, work_order.IN_PROGRESS, wake=workforce.wake)
        return True


@DBOS.step()
def field_visit_repair(domain: str, appointment_id: str) -> tuple[str, bool]:
    """The crew's work in the twin (a restore is the same done twice, so a retried step is harmless)."""
    workforce = workforce_of(domain)
    with workforce.database.read() as session:
        row = appointments.get(session, appointment_id, None)
        order = work_orders.get(session, row.document["workOrder"]["id"], None)
        fault = Fault.from_json(order.document["_seller"]["fault"])
    if workforce.field_force is None:
        return f"no field force is wired to this domain: {fault.where} was not repaired", False
    try:
        return workforce.field_force.repair(fault.kind, fault.element, fault.port, fault.far_end), True
    except Exception as exc:  # noqa: BLE001 - what the crew could not do is said on the work order
        log.warning("field visit %s could not repair %s: %s", appointment_id, fault.where, exc)
        return f"the technician could not repair {fault.where}: {exc}", False


@DBOS.step()
def field_visit_finish(domain: str, appointment_id: str, done: str, repaired: bool) -> tuple[str, int] | None:
    """The visit's end on the appointment, the work order and the ticket; the resolved ticket's
    (id, resolution number), for its wait for the buyer's confirmation."""
    workforce = workforce_of(domain)
    with workforce.database.transaction() as session:
        row = appointments.get(session, appointment_id, None, for_update=True)
        if row.state != appointment.IN_PROGRESS:
            return None  # finished before a restart
        moment = iso_at(now_s(workforce))
        note = {"id": f"seller-{len(row.document.get('note') or []) + 1}", "author": workforce.author,
                "date": moment, "source": "seller", "text": done[:4000]}
        appointment.transition_to(session, row, appointment.COMPLETED, wake=workforce.wake,
                                  changes={"note": [*(row.document.get("note") or []), note]})
        order = work_orders.get(session, row.document["workOrder"]["id"], None, for_update=True)
        order_note = {**note, "id": f"seller-{len(order.document.get('note') or []) + 1}"}
        work_order.transition_to(session, order, work_order.COMPLETED if repaired else work_order.UNABLE_TO_COMPLETE,
                                 changes={"note": [*(order.document.get("note") or []), order_note]},
                                 wake=workforce.wake)
        ticket_row = tickets.get(session, order.document["_seller"]["ticket"], None, for_update=True)
        if repaired and ticket_row.state == ticket.IN_PROGRESS:
            trouble.resolve(session, replace(workforce.desk, confirm_later=None), ticket_row,
                            f"work order {order.id}: {done}")
            return ticket_row.id, trouble.resolutions(ticket_row)
        if ticket_row.state not in ticket.TERMINAL:
            ticket.update(session, ticket_row, {"note": [*(ticket_row.document.get("note") or []), ticket.seller_note(
                ticket_row, workforce.desk.author, f"Work order {order.id}: {done}")]}, wake=workforce.wake)
        return None
