"""MEF 55.0.1 §10.5 step 10 end to end, over the public APIs of the running landscape: acme's
EVPL loses its access port (the twin's failed-port fault on pe-e1 ge-0/0/1, site-east-1-1's
UNI); acme reports it; the SP's operator sends a technician for the ticket
(`POST /cadenza/trouble/v1/troubleTicket/{id}/fieldWork`, what diagnosis will do by calling
`dispatch_field_work` in the domain); acme sees the work order on its ticket, searches the
crews' slots and books one over CANTATA; when the network's clock reaches it the simulated
technician repairs the port in the twin, the work order completes and the ticket resolves."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cadenza.interfaces.cantata.trouble_ticket import TROUBLE_TICKET_BASE
from cadenza.interfaces.cantata.workforce import APPOINTMENT_BASE, WORK_ORDER_BASE
from tests.e2e.conftest import INVENTORY, Parties, evpl, item, site
from tests.helpers.servers import wait_until

ELEMENT, PORT = "pe-e1", "ge-0/0/1"  # site-east-1-1's UNI (uni-east-1-1)


@pytest.fixture(scope="module")
def product(parties: Parties) -> dict[str, Any]:
    done = parties.wait(parties.order(item("1", "evpl", evpl(611, 611), site("site-east-1-1"),
                                           site("site-west-1-1")))["id"])
    assert done["state"] == "completed", done["stateChange"]
    [found] = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": done["id"]}).json()
    return dict(found)


def _twin(parties: Parties, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = parties.sp.request("POST" if body is not None else "GET", f"/cadenza/twin/v1/{path}", json=body)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _epoch(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def test_a_failed_access_port_gets_a_technician_at_the_booked_time_and_the_ticket_resolves(
        parties: Parties, product: dict[str, Any]) -> None:
    _twin(parties, "clock", {"scale": 0})  # the network's time moves only when the test says
    _twin(parties, "ports/fail", {"element": ELEMENT, "port": PORT})
    assert f"{ELEMENT}:{PORT}" in _twin(parties, "status")["downPorts"]
    opened = parties.acme.post(f"{TROUBLE_TICKET_BASE}/troubleTicket", json={
        "description": "Our Metropolis site is cut off", "observedImpact": "down", "priority": "high",
        "severity": "extensive", "ticketType": "assistance",
        "relatedEntity": [{"@referredType": "Product", "id": product["id"], "role": "Issue Source"}],
        "relatedContactInformation": [{"role": "reporterContact", "name": "Ann Smith", "number": "+1-555-0101",
                                       "emailAddress": "ann@acme.example"}]})
    assert opened.status_code == 201, opened.text
    ticket_id = opened.json()["id"]

    sent = parties.sp.post(f"/cadenza/trouble/v1/troubleTicket/{ticket_id}/fieldWork", json={
        "kind": "port", "element": ELEMENT, "port": PORT,
        "description": f"the access port {PORT} of {ELEMENT} has no light"})
    assert sent.status_code == 201, sent.text
    order_id = sent.json()["id"]
    assert parties.acme.post(f"/cadenza/trouble/v1/troubleTicket/{ticket_id}/fieldWork",
                             json={"kind": "port", "element": ELEMENT, "port": PORT}).status_code == 403

    ticket = parties.acme.get(f"{TROUBLE_TICKET_BASE}/troubleTicket/{ticket_id}").json()
    assert ticket["status"] == "pending" and ticket["workOrder"][0]["id"] == order_id
    order = parties.acme.get(f"{WORK_ORDER_BASE}/workorder/{order_id}").json()
    assert order["state"] == "open" and order["appointmentRequired"] is True
    assert parties.globex.get(f"{WORK_ORDER_BASE}/workorder/{order_id}").status_code == 404

    now = _twin(parties, "clock")["epochSeconds"]
    window = {"validFor": {"startDateTime": datetime.fromtimestamp(now, UTC).isoformat(),
                           "endDateTime": datetime.fromtimestamp(now + 3 * 86_400, UTC).isoformat()}}
    search = parties.acme.post(f"{APPOINTMENT_BASE}/searchTimeSlot",
                               json={"workOrder": {"id": order_id}, "requestedTimeSlot": [window]})
    assert search.status_code == 201, search.text
    slot = search.json()["availableTimeSlot"][0]["validFor"]
    contact = {"name": "Ann Smith", "number": "+1-555-0101", "emailAddress": "ann@acme.example"}
    booked = parties.acme.post(f"{APPOINTMENT_BASE}/appointment", json={
        "workOrder": {"id": order_id}, "validFor": slot,
        "relatedContactInformation": [{**contact, "role": "buyerAppointmentContact"},
                                      {**contact, "role": "appointmentPlaceContact"}]})
    assert booked.status_code == 201, booked.text
    assert parties.acme.get(f"{TROUBLE_TICKET_BASE}/troubleTicket/{ticket_id}").json()["status"] == "inProgress"

    _twin(parties, "clock", {"advanceSeconds": _epoch(slot["startDateTime"]) - now + 60})
    resolved = wait_until(lambda: (t := parties.acme.get(f"{TROUBLE_TICKET_BASE}/troubleTicket/{ticket_id}").json())
                          ["status"] == "resolved" and t, timeout=90)
    assert "replaced the optics of port ge-0/0/1 on pe-e1" in resolved["note"][-1]["text"]
    assert _twin(parties, "status")["downPorts"] == []
    assert parties.acme.get(f"{WORK_ORDER_BASE}/workorder/{order_id}").json()["state"] == "completed"
    visit = parties.acme.get(f"{APPOINTMENT_BASE}/appointment/{booked.json()['id']}").json()
    assert visit["status"] == "completed"
