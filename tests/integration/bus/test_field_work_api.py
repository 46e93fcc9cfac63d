"""Field work at a running domain (MEF 137 over CANTATA, MEF 55.0.1 §10.5 step 10): a ticket
whose cause is a failed access port gets a work order (seen on the ticket and over the Work
Order API), the customer searches the crews' free slots, books one, moves it; at the appointed
simulated time (the twin's clock, stopped here and moved on by the test) the crew repairs the
port in the twin, the work order and appointment complete and the ticket is resolved with the
technician's note. Cancelling the appointment puts the work order back to open; a customer
whose settings allow it gets the first slot booked for it; another customer sees none of it; the
operator sends a technician by hand over its own route (scope admin).
Requests are checked against the official files; answers conform to them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cadenza.bus.settings import FieldVisitSettings
from cadenza.bus.trouble.store import tickets
from cadenza.bus.workforce import appointment, work_order
from cadenza.bus.workforce.field import dispatch_field_work
from cadenza.bus.workforce.force import Fault, workforce_of
from cadenza.bus.workforce.store import appointments, work_orders
from cadenza.interfaces.cantata.trouble_ticket import TROUBLE_TICKET_BASE
from cadenza.interfaces.cantata.workforce import (
    APPOINTMENT_BASE,
    APPOINTMENT_EVENT_TYPES,
    APPOINTMENT_LISTENER_BASE,
    WORK_ORDER_BASE,
    WORK_ORDER_EVENT_TYPES,
    WORK_ORDER_LISTENER_BASE,
)
from tests.helpers.hub_listener import Heard, hub_listener
from tests.helpers.openapi import assert_conforms
from tests.helpers.servers import wait_until
from tests.integration.bus.trouble_domain import TroubleDomain, trouble_domain  # noqa: F401

WO_SPEC = "cantata/productApi/workforce/workorder/workorderManagement.api.yaml"
AP_SPEC = "cantata/productApi/workforce/appointment/appointmentManagement.api.yaml"
ELEMENT, PORT = "pe-e1", "ge-0/0/1"
DAY = 86_400.0


class _Hub:
    def __init__(self, client: httpx.Client, base: str, event_types: tuple[str, ...]) -> None:
        self.client, self.base, self.event_types = client, base, event_types

    def register_listener(self, callback: str) -> dict[str, Any]:
        answer = self.client.post(f"{self.base}/hub", json={"callback": callback,
                                                            "query": f"eventType={','.join(self.event_types)}"})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def unregister_listener(self, subscription_id: str) -> None:
        self.client.delete(f"{self.base}/hub/{subscription_id}")


@pytest.fixture(scope="module")
def acme(trouble_domain: TroubleDomain) -> Iterator[httpx.Client]:  # noqa: F811
    twin = trouble_domain.domain.twin
    assert twin is not None
    twin.twin.set_clock(scale=0)  # only the test moves the network's time
    with trouble_domain.client("acme", "acme-demo-secret") as client:
        yield client


@pytest.fixture(scope="module")
def globex(trouble_domain: TroubleDomain) -> Iterator[httpx.Client]:  # noqa: F811
    with trouble_domain.client("globex", "globex-demo-secret") as client:
        yield client


@pytest.fixture(scope="module")
def heard(acme: httpx.Client) -> Iterator[tuple[Heard, Heard]]:
    with hub_listener(_Hub(acme, WORK_ORDER_BASE, WORK_ORDER_EVENT_TYPES), WORK_ORDER_LISTENER_BASE,
                      WORK_ORDER_EVENT_TYPES) as orders, \
            hub_listener(_Hub(acme, APPOINTMENT_BASE, APPOINTMENT_EVENT_TYPES), APPOINTMENT_LISTENER_BASE,
                         APPOINTMENT_EVENT_TYPES) as visits:
        yield orders, visits


def _ticket(client: httpx.Client, product_id: str) -> str:
    answer = client.post(f"{TROUBLE_TICKET_BASE}/troubleTicket", json={
        "description": "The site is cut off since 09:12", "observedImpact": "down", "priority": "high",
        "severity": "extensive", "ticketType": "assistance",
        "relatedEntity": [{"@referredType": "Product", "id": product_id, "role": "Issue Source"}],
        "relatedContactInformation": [{"role": "reporterContact", "name": "Road Runner", "number": "+1-555-0102",
                                       "emailAddress": "rr@acme.example"}]})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _dispatch(domain: TroubleDomain, ticket_id: str) -> str:  # noqa: F811
    twin = domain.domain.twin
    assert twin is not None and domain.domain.business is not None
    twin.twin.fail_port(ELEMENT, PORT)
    with domain.database.transaction() as session:
        return dispatch_field_work(session, domain.domain.business.bus.name, ticket_id, Fault(
            "port", ELEMENT, PORT, description=f"port {PORT} of {ELEMENT} has no light since 09:12")).id


def _now(domain: TroubleDomain) -> float:  # noqa: F811
    assert domain.domain.twin is not None
    return float(domain.domain.twin.twin.clock_state()["epochSeconds"])


def _window(domain: TroubleDomain, days: float = 3) -> dict[str, Any]:  # noqa: F811
    from cadenza.core.clock import iso_at
    now = _now(domain)
    return {"validFor": {"startDateTime": iso_at(now), "endDateTime": iso_at(now + days * DAY)}}


def _contacts() -> list[dict[str, str]]:
    return [{"role": role, "name": "Road Runner", "number": "+1-555-0102", "emailAddress": "rr@acme.example"}
            for role in ("buyerAppointmentContact", "appointmentPlaceContact")]


def test_a_failed_port_is_repaired_at_the_booked_time_and_the_ticket_resolves(
        trouble_domain: TroubleDomain, acme: httpx.Client, globex: httpx.Client,  # noqa: F811
        heard: tuple[Heard, Heard]) -> None:
    orders, visits = heard
    twin = trouble_domain.domain.twin
    assert twin is not None
    ticket_id = _ticket(acme, trouble_domain.products["acme-corp"])
    order_id = _dispatch(trouble_domain, ticket_id)

    ticket = acme.get(f"{TROUBLE_TICKET_BASE}/troubleTicket/{ticket_id}").json()
    assert ticket["status"] == "pending"  # waiting for the customer to book the visit
    assert ticket["workOrder"][0]["id"] == order_id
    assert "has no light" in ticket["note"][-2]["text"] and "appointment for work order" in ticket["note"][-1]["text"]
    order = acme.get(f"{WORK_ORDER_BASE}/workorder/{order_id}")
    assert order.status_code == 200, order.text
    assert_conforms(WO_SPEC, "/workorder/{id}", "get", 200, order.json())
    assert order.json()["state"] == "open" and order.json()["appointmentRequired"] is True
    assert order.json()["relatedEntity"][0] == {"@referredType": "TroubleTicket", "id": ticket_id,
                                                "href": ticket["href"], "role": "parentTroubleTicket"}
    assert "_seller" not in order.json()
    listed = acme.get(f"{WORK_ORDER_BASE}/workorder", params={"relatedEntityId": ticket_id,
                                                              "appointmentRequired": "true"})
    assert [o["id"] for o in listed.json()] == [order_id]
    assert acme.get(f"{WORK_ORDER_BASE}/workorder", params={"state": "completed",
                                                            "relatedEntityId": ticket_id}).json() == []
    assert globex.get(f"{WORK_ORDER_BASE}/workorder/{order_id}").status_code == 404
    assert order_id not in [o["id"] for o in globex.get(f"{WORK_ORDER_BASE}/workorder").json()]
    wait_until(lambda: orders.of("workOrderCreateEvent", order_id)
               and orders.of("workOrderAppointmentRequiredEvent", order_id), timeout=30)

    search = acme.post(f"{APPOINTMENT_BASE}/searchTimeSlot", json={"workOrder": {"id": order_id},
                                                                  "requestedTimeSlot": [_window(trouble_domain)]})
    assert search.status_code == 201, search.text
    assert_conforms(AP_SPEC, "/searchTimeSlot", "post", 201, search.json())
    free = search.json()["availableTimeSlot"]
    assert len(free) >= 2
    assert globex.post(f"{APPOINTMENT_BASE}/searchTimeSlot", json={
        "workOrder": {"id": order_id}, "requestedTimeSlot": [_window(trouble_domain)]}).status_code == 422

    not_offered = {"startDateTime": free[0]["validFor"]["startDateTime"],
                   "endDateTime": free[1]["validFor"]["endDateTime"]}
    refused = acme.post(f"{APPOINTMENT_BASE}/appointment", json={
        "workOrder": {"id": order_id}, "relatedContactInformation": _contacts(), "validFor": not_offered})
    assert refused.status_code == 422 and "no technician is free" in refused.text
    booked = acme.post(f"{APPOINTMENT_BASE}/appointment", json={
        "workOrder": {"id": order_id}, "relatedContactInformation": _contacts(), "validFor": free[0]["validFor"]})
    assert booked.status_code == 201, booked.text
    assert_conforms(AP_SPEC, "/appointment", "post", 201, booked.json())
    visit = booked.json()
    assert visit["status"] == "confirmed"
    assert {c["role"] for c in visit["relatedContactInformation"]} == {
        "buyerAppointmentContact", "appointmentPlaceContact", "sellerAppointmentContact"}
    again = acme.post(f"{APPOINTMENT_BASE}/appointment", json={
        "workOrder": {"id": order_id}, "relatedContactInformation": _contacts(), "validFor": free[1]["validFor"]})
    assert again.status_code == 422  # R20: one open appointment per work order
    order = acme.get(f"{WORK_ORDER_BASE}/workorder/{order_id}").json()
    assert order["state"] == "planned" and order["appointmentRequired"] is False
    assert order["appointment"][0]["id"] == visit["id"]
    assert acme.get(f"{TROUBLE_TICKET_BASE}/troubleTicket/{ticket_id}").json()["status"] == "inProgress"  # R25

    moved = acme.patch(f"{APPOINTMENT_BASE}/appointment/{visit['id']}", json={"validFor": free[1]["validFor"]})
    assert moved.status_code == 200, moved.text
    assert_conforms(AP_SPEC, "/appointment/{id}", "patch", 200, moved.json())
    assert moved.json()["validFor"] == free[1]["validFor"]
    assert globex.get(f"{APPOINTMENT_BASE}/appointment/{visit['id']}").status_code == 404
    assert globex.patch(f"{APPOINTMENT_BASE}/appointment/{visit['id']}", json={"note": []}).status_code == 404
    listed = acme.get(f"{APPOINTMENT_BASE}/appointment", params={"workOrderId": order_id, "status": "confirmed"})
    assert [a["id"] for a in listed.json()] == [visit["id"]]
    assert_conforms(AP_SPEC, "/appointment", "get", 200, listed.json())

    # the first slot passes: nothing happens yet; the moved one comes: the crew repairs the port
    from cadenza.bus.workforce.slots import parse
    start = parse(free[1]["validFor"]["startDateTime"])
    twin.twin.set_clock(advance_s=max(parse(free[0]["validFor"]["endDateTime"]) - _now(trouble_domain), 0) + 1)
    if _now(trouble_domain) < start:
        assert acme.get(f"{APPOINTMENT_BASE}/appointment/{visit['id']}").json()["status"] == "confirmed"
        assert not twin.twin.port_up(ELEMENT, PORT)
    twin.twin.set_clock(advance_s=start - _now(trouble_domain) + 60)
    resolved = wait_until(lambda: (t := acme.get(f"{TROUBLE_TICKET_BASE}/troubleTicket/{ticket_id}").json())
                          ["status"] == "resolved" and t, timeout=60)
    assert twin.twin.port_up(ELEMENT, PORT)
    assert "replaced the optics of port ge-0/0/1 on pe-e1" in resolved["note"][-1]["text"]
    assert order_id in resolved["note"][-1]["text"]
    order = acme.get(f"{WORK_ORDER_BASE}/workorder/{order_id}").json()
    assert order["state"] == "completed" and "replaced the optics" in order["note"][-1]["text"]
    visit = acme.get(f"{APPOINTMENT_BASE}/appointment/{visit['id']}").json()
    assert visit["status"] == "completed"
    states = wait_until(lambda: len(s := [e for e in orders.of("workOrderStateChangeEvent", order_id)]) >= 3 and s,
                        timeout=30)
    assert len(states) == 3  # planned, inProgress, completed
    assert len(wait_until(lambda: len(v := visits.of("appointmentStatusChangeEvent", visit["id"])) >= 2 and v,
                          timeout=30)) == 2  # inProgress, completed
    assert acme.post(f"{APPOINTMENT_BASE}/appointment/{visit['id']}/cancel").status_code == 422  # R46
    # the repair is in the operator's statistics: diagnosed as a failed port, restored
    assert acme.get("/cadenza/trouble/v1/stats").status_code == 403
    with trouble_domain.client("sp-operator", "operator-demo-secret") as operator:
        stats = operator.get("/cadenza/trouble/v1/stats").json()
    port = next(g for g in stats["byCause"] if g["cause"] == "failed port")
    assert port["diagnoseMeasured"] >= 1 and port["restoreMeasured"] >= 1 and port["meanTimeToRestoreS"] > 0


def test_a_cancelled_appointment_opens_the_work_order_again_and_the_ticket_waits(
        trouble_domain: TroubleDomain, acme: httpx.Client) -> None:  # noqa: F811
    ticket_id = _ticket(acme, trouble_domain.products["acme-corp"])
    order_id = _dispatch(trouble_domain, ticket_id)
    free = acme.post(f"{APPOINTMENT_BASE}/searchTimeSlot", json={
        "workOrder": {"id": order_id}, "requestedTimeSlot": [_window(trouble_domain)]}).json()["availableTimeSlot"]
    visit = acme.post(f"{APPOINTMENT_BASE}/appointment", json={
        "workOrder": {"id": order_id}, "relatedContactInformation": _contacts(), "validFor": free[0]["validFor"]})
    assert visit.status_code == 201, visit.text
    cancelled = acme.post(f"{APPOINTMENT_BASE}/appointment/{visit.json()['id']}/cancel")
    assert cancelled.status_code == 204, cancelled.text
    assert acme.get(f"{APPOINTMENT_BASE}/appointment/{visit.json()['id']}").json()["status"] == "cancelled"
    order = acme.get(f"{WORK_ORDER_BASE}/workorder/{order_id}").json()
    assert order["state"] == "open" and order["appointmentRequired"] is True  # R48, R49
    assert acme.get(f"{TROUBLE_TICKET_BASE}/troubleTicket/{ticket_id}").json()["status"] == "pending"
    assert acme.patch(f"{APPOINTMENT_BASE}/appointment/{visit.json()['id']}",
                      json={"validFor": free[1]["validFor"]}).status_code == 422  # R40
    # the slot it freed is free again, and a new booking takes it
    again = acme.post(f"{APPOINTMENT_BASE}/appointment", json={
        "workOrder": {"id": order_id}, "relatedContactInformation": _contacts(), "validFor": free[0]["validFor"]})
    assert again.status_code == 201, again.text
    with trouble_domain.database.transaction() as session:  # tidy: the visit is not wanted by later tests
        row = appointments.get(session, again.json()["id"], None)
        appointment.transition_to(session, row, appointment.CANCELLED)
        order_row = work_orders.get(session, order_id, None)
        work_order.transition_to(session, order_row, work_order.CANCELLED)


def test_a_customer_who_lets_the_sp_book_gets_the_first_slot_its_settings_allow(
        trouble_domain: TroubleDomain, acme: httpx.Client) -> None:  # noqa: F811
    assert trouble_domain.domain.business is not None
    workforce = workforce_of(trouble_domain.domain.business.bus.name)
    saved = workforce.visits
    workforce.visits = {"acme-corp": FieldVisitSettings(book_automatically=True, weekdays=[2], from_hour=10,
                                                        to_hour=14)}
    try:
        ticket_id = _ticket(acme, trouble_domain.products["acme-corp"])
        order_id = _dispatch(trouble_domain, ticket_id)
    finally:
        workforce.visits = saved
    order = acme.get(f"{WORK_ORDER_BASE}/workorder/{order_id}").json()
    assert order["state"] == "planned"
    visit = acme.get(f"{APPOINTMENT_BASE}/appointment/{order['appointment'][0]['id']}").json()
    from datetime import datetime
    start = datetime.fromisoformat(visit["validFor"]["startDateTime"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(visit["validFor"]["endDateTime"].replace("Z", "+00:00"))
    assert start.weekday() == 2 and start.hour >= 10 and (end.hour, end.minute) <= (14, 0)
    with trouble_domain.database.read() as session:
        assert tickets.get(session, ticket_id, None).state == "inProgress"
    assert "booked by the seller" in acme.get(f"{TROUBLE_TICKET_BASE}/troubleTicket/{ticket_id}").json()[
        "note"][-1]["text"]


def test_over_sonata_a_provider_buying_from_the_domain_books_and_cancels_the_visit_on_its_ticket(
        trouble_domain: TroubleDomain, acme: httpx.Client) -> None:  # noqa: F811
    from cadenza.bus.trouble import desk as trouble
    from cadenza.bus.trouble.confirmation import desk_of
    from cadenza.interfaces.sonata import SonataClient, SonataHttpError

    assert trouble_domain.domain.business is not None
    name = trouble_domain.domain.business.bus.name
    desk = desk_of(name)
    with trouble_domain.database.transaction() as session:
        row = trouble.open_ticket(session, desk, desk.apis["sonata"], "provider-x", {
            "description": "No light at the handoff", "observedImpact": "down", "priority": "high",
            "severity": "extensive", "ticketType": "assistance",
            "relatedEntity": [{"@referredType": "Product", "id": trouble_domain.products["provider-x"],
                               "role": "Issue Source"}],
            "relatedContactInformation": [{"role": "reporterContact", "name": "X", "number": "1",
                                           "emailAddress": "x@provider-x.example"}]})
        ticket_id = row.id
    order_id = _dispatch(trouble_domain, ticket_id)
    with SonataClient(trouble_domain.base_url, client_id="provider-x", client_secret="provider-x-secret") as sonata:
        order = sonata.get_work_order(order_id)
        assert_conforms("sonata/productApi/workforce/workorder/workorderManagement.api.yaml", "/workorder/{id}",
                        "get", 200, order)
        assert order["href"].endswith(f"/mefApi/sonata/workOrderManagement/v2/workorder/{order_id}")
        assert [o["id"] for o in sonata.list_work_orders(relatedEntityId=ticket_id).items] == [order_id]
        assert sonata.get_trouble_ticket(ticket_id)["workOrder"][0]["id"] == order_id
        free = sonata.search_time_slots({"workOrder": {"id": order_id},
                                         "requestedTimeSlot": [_window(trouble_domain)]})["availableTimeSlot"]
        visit = sonata.create_appointment({"workOrder": {"id": order_id}, "validFor": free[0]["validFor"],
                                           "relatedContactInformation": _contacts()})
        assert visit["status"] == "confirmed" and sonata.get_work_order(order_id)["state"] == "planned"
        assert [a["id"] for a in sonata.list_appointments(workOrderId=order_id).items] == [visit["id"]]
        sonata.cancel_appointment(visit["id"])
        assert sonata.get_appointment(visit["id"])["status"] == "cancelled"
        assert sonata.get_work_order(order_id)["state"] == "open"
    # the CANTATA customer sees nothing of it, nor does CANTATA serve it
    assert acme.get(f"{WORK_ORDER_BASE}/workorder/{order_id}").status_code == 404
    with SonataClient(trouble_domain.base_url, client_id="provider-x", client_secret="provider-x-secret") as sonata:
        mine = acme.get(f"{WORK_ORDER_BASE}/workorder").json()
        with pytest.raises(SonataHttpError):
            sonata.get_work_order(mine[0]["id"])


def test_the_operator_sends_a_technician_by_hand_for_what_diagnosis_did_not_find(
        trouble_domain: TroubleDomain, acme: httpx.Client) -> None:  # noqa: F811
    ticket_id = _ticket(acme, trouble_domain.products["acme-corp"])
    route = f"/cadenza/trouble/v1/troubleTicket/{ticket_id}/fieldWork"
    asked = {"kind": "port", "element": ELEMENT, "port": PORT, "description": f"port {PORT} of {ELEMENT} flaps"}
    assert acme.post(route, json=asked).status_code == 403  # the operator's route, scope admin
    with trouble_domain.client("sp-operator", "operator-demo-secret") as operator:
        refused = operator.post(route, json={"kind": "port", "element": ELEMENT})
        assert refused.status_code == 422 and "/port" in refused.text
        sent = operator.post(route, json=asked)
    assert sent.status_code == 201, sent.text
    order = acme.get(f"{WORK_ORDER_BASE}/workorder/{sent.json()['id']}").json()
    assert order["state"] == "open" and order["task"][0] == f"Replace the optics of port {PORT} of {ELEMENT}"
    shown = acme.get(f"{TROUBLE_TICKET_BASE}/troubleTicket/{ticket_id}").json()
    assert [w["id"] for w in shown["workOrder"]] == [order["id"]]
