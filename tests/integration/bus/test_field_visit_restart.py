"""A booked visit is a durable wait in the network's time: a domain stopped while the visit
waits (and one whose booking committed just before a crash lost its workflow) carries on after it
starts again; when the twin's clock reaches the slot the crew repairs the port once, and the ticket
is resolved once."""

from __future__ import annotations

from pathlib import Path

from cadenza.bus.trouble import desk as trouble
from cadenza.bus.trouble.confirmation import desk_of
from cadenza.bus.trouble.store import tickets
from cadenza.bus.workforce import booking
from cadenza.bus.workforce.field import dispatch_field_work, proposed_slots
from cadenza.bus.workforce.force import Fault, workforce_of
from cadenza.bus.workforce.slots import parse
from cadenza.bus.workforce.store import appointments, work_orders
from cadenza.core.clock import iso_at
from cadenza.core.db import Database
from tests.helpers.servers import wait_until
from tests.integration.bus.trouble_domain import TroubleDomain, running_domain

PORTS = ("ge-0/0/3", "ge-0/0/4")


def _booked(served: TroubleDomain, port: str, *, lose_workflow: bool) -> tuple[str, str]:
    """A ticket on acme's product, a failed port of pe-e2, a visit booked: (ticket, appointment)."""
    assert served.domain.business is not None and served.domain.twin is not None
    name = served.domain.business.bus.name
    desk, workforce = desk_of(name), workforce_of(name)
    served.domain.twin.twin.fail_port("pe-e2", port)
    start = workforce.start_visit
    if lose_workflow:  # the process dies after the booking's commit, before its workflow starts
        workforce.start_visit = None
    try:
        with served.database.transaction() as session:
            row = trouble.open_ticket(session, desk, desk.apis["cantata"], "acme-corp", {
                "description": "Site down", "observedImpact": "down", "priority": "high", "severity": "extensive",
                "ticketType": "assistance",
                "relatedEntity": [{"@referredType": "Product", "id": served.products["acme-corp"], "role": "x"}],
                "relatedContactInformation": [{"role": "reporterContact", "name": "N", "number": "1",
                                               "emailAddress": "n@example.com"}]})
            order = dispatch_field_work(session, name, row.id, Fault("port", "pe-e2", port))
            slot = proposed_slots(session, workforce, "acme-corp")[0]
            contact = {"name": "N", "number": "1", "emailAddress": "n@example.com"}
            visit = booking.book(session, workforce, order, {
                "relatedContactInformation": [{**contact, "role": "buyerAppointmentContact"},
                                              {**contact, "role": "appointmentPlaceContact"}],
                "validFor": {"startDateTime": iso_at(slot[0]), "endDateTime": iso_at(slot[1])}}, by="buyer")
            return row.id, visit.id
    finally:
        workforce.start_visit = start


def test_a_visit_booked_before_a_restart_repairs_at_its_time_and_only_once(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'domain.db'}"
    with running_domain(tmp_path, database_url) as served:
        assert served.domain.twin is not None
        served.domain.twin.twin.set_clock(scale=0)
        booked = [_booked(served, PORTS[0], lose_workflow=False), _booked(served, PORTS[1], lose_workflow=True)]
    stopped = Database(database_url)
    with stopped.read() as session:
        assert [appointments.get(session, a, None).state for _, a in booked] == ["confirmed"] * 2
        latest = max(parse(appointments.get(session, a, None).document["validFor"]["startDateTime"])
                     for _, a in booked)
    stopped.dispose()
    with running_domain(tmp_path, database_url, products=False) as served:
        assert served.domain.twin is not None
        twin = served.domain.twin.twin
        twin.set_clock(scale=0)
        for port in PORTS:  # the twin restarted with its ports up: fail them again, as they were
            twin.fail_port("pe-e2", port)
        twin.set_clock(advance_s=max(latest - float(twin.clock_state()["epochSeconds"]), 0) + 60)

        def resolved() -> bool:
            with served.database.read() as session:
                # resolved, and closed once the (short) confirmation period has passed
                return all(tickets.get(session, t, None).state in ("resolved", "closed") for t, _ in booked)

        # a visit resumed before the clock stopped sleeps up to a minute before it looks again
        wait_until(resolved, timeout=150, interval=0.5,
                   what="both visits to repair and resolve their tickets")
        assert all(twin.port_up("pe-e2", port) for port in PORTS)
        with served.database.read() as session:
            for ticket_id, appointment_id in booked:
                moves = [c["status"] for c in tickets.get(session, ticket_id, None).document["statusChange"]]
                assert moves.count("resolved") == 1, moves
                visit = appointments.get(session, appointment_id, None)
                assert visit.state == "completed"
                order = work_orders.get(session, visit.document["workOrder"]["id"], None)
                assert [n["text"] for n in order.document["note"]].count(
                    order.document["note"][-1]["text"]) == 1 and order.state == "completed"
