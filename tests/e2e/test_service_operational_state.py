"""A LEGATO service's operational state is what its network segments report: a link failing
under an on-net EVPL's route turns the service at the SOF DISABLED, with a
serviceAttributeValueChangeEvent on the LEGATO service inventory hub; repairing it brings
ENABLED back, with another event. A failed access port (UNI) does the same, to the customer's
view too. What was ordered as operationalState plays no part."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cadenza.core.notifications.listener import listener_router
from cadenza.interfaces.allegro.alarm_paths import ALARM_BASE
from cadenza.interfaces.allegro.inventory_paths import INVENTORY_BASE as ALLEGRO_INVENTORY_BASE
from cadenza.interfaces.legato.paths import INVENTORY_BASE, INVENTORY_LISTENER_BASE, ORDERING_BASE
from tests.e2e.conftest import Parties, evpl, item, site
from tests.helpers.servers import serve, wait_until

LANDSCAPE_PARTNERS: tuple[str, ...] = ()  # on-net only: no partner domain to start

# The SOF's periodic reading of every segment is put far off (it still runs at start-up), so a
# change seen within EVENT_DRIVEN_S came with the ICM's event.
LANDSCAPE_OVERRIDES = {"sp": {"operational_reconcile_s": 3600}}
EVENT_DRIVEN_S = 15.0


@pytest.fixture(scope="module")
def sof(parties: Parties) -> Iterator[httpx.Client]:
    """The SP's BUS as the SOF sees it: its LEGATO client (the domain's internal client)."""
    client = parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp")
    yield client
    client.close()


def _service(sof: httpx.Client, service_id: str) -> dict[str, Any]:
    reply = sof.get(f"{INVENTORY_BASE}/service/{service_id}")
    assert reply.status_code == 200, reply.text
    return reply.json()


def _operational(sof: httpx.Client, service_id: str) -> str:
    return _service(sof, service_id)["serviceConfiguration"]["operationalState"]["state"]


def _link_on_route(parties: Parties, service: dict[str, Any]) -> tuple[str, str]:
    """A link the service's PRESTO segments run over, as the twin names its ends."""
    for segment in service["serviceConfiguration"]["cadenzaDesign"]["segments"]:
        reply = parties.sp.post(f"/presto/{segment['networkDomain']}/restconf/operations/"
                                "get-connectivity-service-details/",
                                json={"input": {"service-id-or-name": segment["uuid"]}})
        assert reply.status_code == 200, reply.text
        links = sorted(reply.json()["output"]["service"]["cadenza-activation"]["s-vlans"])
        if links:
            a, b = links[0].split("|")
            return a, b
    raise AssertionError(f"service {service['id']} has no segment crossing a link")


def _twin(parties: Parties, path: str, a: str, b: str) -> None:
    reply = parties.sp.post(f"/cadenza/twin/v1/links/{path}", json={"a": a, "b": b})
    assert reply.status_code == 200, reply.text


def test_a_failed_link_disables_the_legato_service_over_it_and_its_repair_enables_it(
        parties: Parties, sof: httpx.Client, vlan: int) -> None:
    heard: list[dict[str, Any]] = []
    lock = threading.Lock()

    def on_event(_event_type: str, event: dict[str, Any]) -> None:
        with lock:
            heard.append(event)

    def changes_of(service_id: str) -> int:
        with lock:
            return sum(1 for e in heard if e["eventType"] == "serviceAttributeValueChangeEvent"
                       and e["event"]["id"] == service_id)

    listeners = FastAPI()
    listeners.include_router(listener_router(f"/bus{INVENTORY_LISTENER_BASE}", on_event))
    with serve(listeners) as url:
        hub = sof.post(f"{INVENTORY_BASE}/hub", json={"callback": f"{url}/bus",
                                                       "query": "eventType=serviceAttributeValueChangeEvent"})
        assert hub.status_code == 201, hub.text
        try:
            done = parties.wait(parties.order(item("1", "evpl", evpl(vlan, vlan), site("site-east-1-1"),
                                                   site("site-west-1-1")))["id"])
            assert done["state"] == "completed", done["stateChange"]
            ordered = sof.get(f"{ORDERING_BASE}/serviceOrder", params={"externalId": f"{done['id']}/1"}).json()
            service_id = ordered[0]["serviceOrderItem"][0]["service"]["id"]
            service = _service(sof, service_id)
            assert service["state"] == "active"
            assert service["serviceConfiguration"]["operationalState"] == {"state": "ENABLED"}
            assert service["serviceConfiguration"]["cadenzaDesign"]["partner"] is None  # on-net
            a, b = _link_on_route(parties, service)
            before = changes_of(service_id)

            _twin(parties, "fail", a, b)
            wait_until(lambda: _operational(sof, service_id) == "DISABLED", timeout=EVENT_DRIVEN_S, interval=0.2,
                       what=f"service {service_id} to become DISABLED at the SOF")
            assert _service(sof, service_id)["state"] == "active"  # its lifecycle is not what changed
            wait_until(lambda: changes_of(service_id) > before, timeout=EVENT_DRIVEN_S,
                       what=f"a serviceAttributeValueChangeEvent for {service_id}")
            disabled = changes_of(service_id)

            _twin(parties, "restore", a, b)
            wait_until(lambda: _operational(sof, service_id) == "ENABLED", timeout=EVENT_DRIVEN_S, interval=0.2,
                       what=f"service {service_id} to become ENABLED again at the SOF")
            wait_until(lambda: changes_of(service_id) > disabled, timeout=EVENT_DRIVEN_S,
                       what=f"a second serviceAttributeValueChangeEvent for {service_id}")
        finally:
            sof.delete(f"{INVENTORY_BASE}/hub/{hub.json()['id']}")


def test_a_failed_access_port_disables_the_service_at_the_sof_and_to_its_customer_until_repaired(
        parties: Parties, sof: httpx.Client, vlan: int) -> None:
    """The same path as a failed link: the ICM's events on the UNI's port reach the SOF's
    service inventory (LEGATO), the customer's view of it (ALLEGRO) and the customer's alarm."""
    done = parties.wait(parties.order(item("1", "evpl", evpl(vlan, vlan), site("site-east-1-1"),
                                           site("site-west-2-1")))["id"])
    assert done["state"] == "completed", done["stateChange"]
    ordered = sof.get(f"{ORDERING_BASE}/serviceOrder", params={"externalId": f"{done['id']}/1"}).json()
    service_id = ordered[0]["serviceOrderItem"][0]["service"]["id"]
    customer_view = f"{ALLEGRO_INVENTORY_BASE}/service/{service_id}"

    def customer_sees() -> str:
        reply = parties.acme.get(customer_view)
        assert reply.status_code == 200, reply.text
        return str(reply.json()["serviceConfiguration"]["operationalState"]["state"])

    assert _operational(sof, service_id) == customer_sees() == "ENABLED"
    port = {"element": "pe-e1", "port": "ge-0/0/1"}  # site-east-1-1's UNI, uni-east-1-1
    reply = parties.sp.post("/cadenza/twin/v1/ports/fail", json=port)
    assert reply.status_code == 200, reply.text
    try:
        wait_until(lambda: _operational(sof, service_id) == "DISABLED", timeout=EVENT_DRIVEN_S, interval=0.2,
                   what=f"service {service_id} to become DISABLED at the SOF")
        assert customer_sees() == "DISABLED" and _service(sof, service_id)["state"] == "active"
        raised = wait_until(lambda: parties.acme.get(f"{ALARM_BASE}/alarm", params={
            "affectedServiceId": service_id, "state": "unAcknowledged"}).json(), timeout=EVENT_DRIVEN_S,
            what="the customer's alarm")
        assert "access port uni-east-1-1 (pe-e1 ge-0/0/1) is down" in str(raised[0])
    finally:
        reply = parties.sp.post("/cadenza/twin/v1/ports/restore", json=port)
        assert reply.status_code == 200, reply.text
    wait_until(lambda: _operational(sof, service_id) == "ENABLED", timeout=EVENT_DRIVEN_S, interval=0.2,
               what=f"service {service_id} to become ENABLED again at the SOF")
    assert customer_sees() == "ENABLED"
