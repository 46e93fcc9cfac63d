"""The booking rules of field work in the database, on SQLite and PostgreSQL (no running
domain, a fake field force whose clock the test sets): a slot the crews have is taken by one
appointment per crew, a cancelled one frees it, the customer's settings pick the first slot the
SP books, and the work order, appointment and ticket move together as MEF 137 R19-R25 and
R46-R50 say."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from cadenza.bus.product_inventory import new_product
from cadenza.bus.settings import FieldForceSettings, FieldVisitSettings
from cadenza.bus.trouble import desk as trouble
from cadenza.bus.trouble.store import tickets
from cadenza.bus.workforce import booking, work_order
from cadenza.bus.workforce.apis import CANTATA_WORKFORCE
from cadenza.bus.workforce.field import dispatch_field_work
from cadenza.bus.workforce.force import Fault, Workforce, register_workforce
from cadenza.bus.workforce.store import appointments, work_orders
from cadenza.core.clock import iso_at
from cadenza.core.db import Database
from cadenza.core.errors import Unprocessable

MONDAY_6AM = datetime(2026, 12, 7, 6, 0, tzinfo=UTC).timestamp()


class FakeForce:
    """A field force whose clock the test holds; what it repaired, in order."""

    def __init__(self) -> None:
        self.clock = MONDAY_6AM
        self.repaired: list[tuple[str, str, str | None]] = []

    def now(self) -> float:
        return self.clock

    def scale(self) -> float:
        return 0.0

    def repair(self, kind: str, element: str, port: str | None, far_end: str | None) -> str:
        self.repaired.append((kind, element, port))
        return f"repaired {element} {port}"


@pytest.fixture
def workforce(database: Database) -> Iterator[Workforce]:
    desk = trouble.TroubleDesk(organization="SP", base_url="https://sp.example", contact={
        "role": "sellerTicketContact", "name": "desk", "emailAddress": "d@sp.example", "number": "1"})
    force = Workforce(name="rules", database=database, desk=desk, base_url="https://sp.example", organization="SP",
                      field_force=FakeForce(), settings=FieldForceSettings(crews=1, lead_s=0, from_hour=8,
                                                                           to_hour=12))
    register_workforce(force)
    yield force


def _ticket(workforce: Workforce) -> str:
    item = {"id": "1", "product": {"productOffering": {"id": "evpl"}, "productConfiguration": {}, "place": []}}
    with workforce.database.transaction() as session:
        product = new_product(session, family="cantata", owner="acme-corp", base="/mefApi/cantata/productInventory/v1",
                              order_id="o-1", item=item)
        return trouble.open_ticket(session, workforce.desk, workforce.desk.apis["cantata"], "acme-corp", {
            "description": "down", "observedImpact": "down", "priority": "high", "severity": "extensive",
            "ticketType": "assistance", "relatedEntity": [{"@referredType": "Product", "id": product.id, "role": "x"}],
            "relatedContactInformation": [{"role": "reporterContact", "name": "N", "number": "1",
                                           "emailAddress": "n@acme.example"}]}).id


def _visit(start_h: int) -> dict[str, object]:
    start = MONDAY_6AM + (start_h - 6) * 3600
    contact = {"name": "N", "number": "1", "emailAddress": "n@acme.example"}
    return {"validFor": {"startDateTime": iso_at(start), "endDateTime": iso_at(start + 7200)},
            "relatedContactInformation": [{**contact, "role": "buyerAppointmentContact"},
                                          {**contact, "role": "appointmentPlaceContact"}]}


def test_one_crew_takes_one_appointment_per_slot_and_a_cancelled_one_frees_it(workforce: Workforce) -> None:
    first, second = _ticket(workforce), _ticket(workforce)
    with workforce.database.transaction() as session:
        orders = [dispatch_field_work(session, "rules", t, Fault("port", "pe-e1", "ge-0/0/1")).id
                  for t in (first, second)]
    with workforce.database.transaction() as session:
        order = work_orders.get(session, orders[0], None)
        visit = booking.book(session, workforce, order, _visit(8), by="buyer")
        assert order.state == work_order.PLANNED and order.document["appointmentRequired"] is False
        assert tickets.get(session, first, None).state == "inProgress"  # R25, from pending
        visit_id = visit.id
    with workforce.database.transaction() as session:
        searched = booking.search_time_slot(session, workforce, CANTATA_WORKFORCE, "acme-corp", {
            "workOrder": {"id": orders[1]}, "requestedTimeSlot": [{"validFor": {
                "startDateTime": iso_at(MONDAY_6AM), "endDateTime": iso_at(MONDAY_6AM + 86_400)}}]})
        starts = [s["validFor"]["startDateTime"] for s in searched["availableTimeSlot"]]
        assert iso_at(MONDAY_6AM + 2 * 3600) not in starts and iso_at(MONDAY_6AM + 4 * 3600) in starts
        with pytest.raises(Unprocessable, match="no technician is free"):
            booking.book(session, workforce, work_orders.get(session, orders[1], None), _visit(8), by="buyer")
    with workforce.database.transaction() as session:
        booking.cancel_appointment(session, workforce, appointments.get(session, visit_id, None))
        order = work_orders.get(session, orders[0], None)
        assert order.state == work_order.OPEN and order.document["appointmentRequired"] is True  # R48-R49
        assert tickets.get(session, first, None).state == "pending"
    with workforce.database.transaction() as session:  # the slot is free again
        assert booking.book(session, workforce, work_orders.get(session, orders[1], None), _visit(8),
                            by="buyer").state == "confirmed"


def test_the_sp_books_the_first_slot_the_customers_settings_allow(workforce: Workforce) -> None:
    workforce.visits = {"acme-corp": FieldVisitSettings(book_automatically=True, weekdays=[0], from_hour=10,
                                                        to_hour=12)}
    ticket_id = _ticket(workforce)
    with workforce.database.transaction() as session:
        order = dispatch_field_work(session, "rules", ticket_id, Fault("link", "agg-e1", far_end="agg-w1"))
        assert order.state == work_order.PLANNED
        visit = appointments.get(session, order.document["appointment"][0]["id"], None)
        assert visit.document["validFor"]["startDateTime"] == iso_at(MONDAY_6AM + 4 * 3600)  # Monday 10:00
        assert {c["role"] for c in visit.document["relatedContactInformation"]} == {
            "buyerAppointmentContact", "appointmentPlaceContact", "sellerAppointmentContact"}
        with pytest.raises(Unprocessable):  # R20: one open appointment per work order
            booking.book(session, workforce, order, _visit(8), by="buyer")


def test_a_link_without_its_far_end_or_a_closed_ticket_gets_no_field_work(workforce: Workforce) -> None:
    ticket_id = _ticket(workforce)
    with workforce.database.transaction() as session, pytest.raises(Unprocessable, match="both its ends"):
        dispatch_field_work(session, "rules", ticket_id, Fault("link", "agg-e1"))
    with workforce.database.transaction() as session:
        row = tickets.get(session, ticket_id, None)
        trouble.ticket.transition_to(session, row, "inProgress", reason="x")
        trouble.resolve(session, workforce.desk, row, "fixed by itself")
    with workforce.database.transaction() as session, pytest.raises(Unprocessable, match="resolved"):
        dispatch_field_work(session, "rules", ticket_id, Fault("element", "pe-e1"))
