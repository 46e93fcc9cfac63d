"""A customer's bandwidth change of an off-net EVPL over ALLEGRO (MEF 55.0.1 §10.3 steps 4-15):
acme buys an EVPL from Metropolis to Ogdenville, whose far end is Beta Fibre's access segment
over INTERLUDE, and raises it from 100 to 300 Mbit/s with an ALLEGRO `modify` order. Both
domains change in place (the elements of both twins police the new rate, the service never left
`active`), the change is tested, ALLEGRO Service Inventory and the BUS's CANTATA product
inventory show 300 Mbit/s, the BUS keeps one usage record of it however often it is delivered,
and acme hears the order completed and the service changed. A change Beta Fibre's elements
refuse leaves both domains exactly as before, and acme is told why."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cadenza.core.notifications.listener import listener_router
from cadenza.interfaces.allegro.inventory_paths import INVENTORY_BASE, INVENTORY_EVENT_TYPES, INVENTORY_LISTENER_BASE
from cadenza.interfaces.allegro.ordering_client import change_item, change_order
from cadenza.interfaces.allegro.ordering_paths import ORDER_EVENT_TYPES, ORDER_LISTENER_BASE, ORDERING_BASE
from cadenza.interfaces.legato.usage import USAGE_BASE
from tests.e2e.conftest import INVENTORY, Parties, address, evpl, item, site
from tests.helpers.hub_listener import Heard
from tests.helpers.servers import serve, wait_until

OGDENVILLE = address("22", "Elm", "Ogdenville", "60002")  # Beta Fibre's footprint, bought over INTERLUDE


@contextmanager
def _listening(http: httpx.Client) -> Iterator[Heard]:
    """acme's listener on its ALLEGRO Service Ordering and Service Inventory hubs, one server for both."""
    heard = Heard()
    app = FastAPI()
    for base, types in ((ORDER_LISTENER_BASE, ORDER_EVENT_TYPES), (INVENTORY_LISTENER_BASE, INVENTORY_EVENT_TYPES)):
        app.include_router(listener_router(base, lambda _event_type, event: heard.add(event), event_types=types))
    with serve(app) as callback:
        hubs = []
        for base in (ORDERING_BASE, INVENTORY_BASE):
            reply = http.post(f"{base}/hub", json={"callback": callback})
            assert reply.status_code == 201, reply.text
            hubs.append(f"{base}/hub/{reply.json()['id']}")
        try:
            yield heard
        finally:
            for hub in hubs:
                http.delete(hub)


def _constructs(operator: httpx.Client) -> dict[str, dict[str, Any]]:
    """Every forwarding construct of a twin, per element, as the elements hold it."""
    status = operator.get("/cadenza/twin/v1/status").json()
    return {f"{e['name']}/{fc['id']}": fc for e in status["elements"] for fc in e["forwardingConstructs"]}


def _cir_kbps(operator: httpx.Client, keys: list[str]) -> set[int]:
    constructs = _constructs(operator)
    return {constructs[key]["bandwidth-profile"]["cir-kbps"] for key in keys}


def _change(parties: Parties, service: dict[str, Any], mbps: int) -> dict[str, Any]:
    reply = parties.acme.post(f"{ORDERING_BASE}/serviceOrder", json=change_order(
        change_item("1", service["id"], service["serviceConfiguration"]["@type"], mbps)))
    assert reply.status_code == 201, reply.text
    order_id = reply.json()["id"]
    return wait_until(lambda: (o := parties.acme.get(f"{ORDERING_BASE}/serviceOrder/{order_id}").json())["state"]
                      in ("completed", "failed") and o, timeout=120, what=f"the ALLEGRO change to {mbps} Mbit/s")


def _product_rates(parties: Parties, product_id: str) -> set[float]:
    product = parties.acme.get(f"{INVENTORY}/product/{product_id}").json()
    return {flow["bwpFlow"]["cir"]["irValue"] for end in ("evcEndPointA", "evcEndPointZ")
            for flow in product["productConfiguration"][end].get("ingressBandwidthProfilePerClassofServiceName", [])}


@pytest.fixture(scope="module")
def offnet(parties: Parties) -> dict[str, Any]:
    """acme's off-net EVPL at 100 Mbit/s: its product, its ALLEGRO service, the constructs it made in each twin."""
    before_sp, before_partner = _constructs(parties.sp), _constructs(parties.partner_b)
    done = parties.wait(parties.order(item("1", "evpl", evpl(720, 720, mbps=100), site("site-east-2-2"),
                                           OGDENVILLE))["id"], timeout=120)
    assert done["state"] == "completed", done
    [product] = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": done["id"]}).json()
    services = parties.acme.get(f"{INVENTORY_BASE}/service", params={"state": "active"}).json()
    service = next(s for s in services if s["serviceConfiguration"].get("identifier") == f"{done['id']}/1")
    sp = [key for key in _constructs(parties.sp) if key not in before_sp]
    partner = [key for key in _constructs(parties.partner_b) if key not in before_partner]
    assert sp and partner, (sp, partner)
    return {"product": product, "service": service, "sp": sp, "partner": partner}


def test_a_bandwidth_increase_is_applied_in_place_in_both_domains_tested_billed_and_told(
        parties: Parties, offnet: dict[str, Any]) -> None:
    service = offnet["service"]
    states: list[str] = []
    sampling = threading.Event()

    def sample() -> None:  # the service's state as acme reads it, every 50 ms while the change runs
        with httpx.Client(base_url=str(parties.acme.base_url), headers=dict(parties.acme.headers)) as http:
            while not sampling.is_set():
                states.append(http.get(f"{INVENTORY_BASE}/service/{service['id']}").json()["state"])
                sampling.wait(0.05)

    with _listening(parties.acme) as heard:
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            done = _change(parties, service, 300)
        finally:
            sampling.set()
            sampler.join(timeout=10)
        assert done["state"] == "completed", done
        # step 15: the order completed and the service changed, on acme's listeners
        wait_until(lambda: [e for e in heard.of("serviceOrderStateChangeEvent", done["id"])
                            if e["event"]["state"] == "completed"], timeout=30, what="the order's completion event")
        wait_until(lambda: heard.of("serviceAttributeValueChangeEvent", service["id"]), timeout=30,
                   what="the service's attribute change event")
        assert heard.of("serviceStateChangeEvent", service["id"]) == []

    # in place, in both domains: the same constructs now police 300 Mbit/s; never out of active
    assert _cir_kbps(parties.sp, offnet["sp"]) == {300_000}
    assert _cir_kbps(parties.partner_b, offnet["partner"]) == {300_000}
    assert len(states) >= 3 and set(states) == {"active"}, states
    # steps 10-12: tested on the twins at the new rate, the partner's segment among the results
    with parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp") as legato:
        seen = legato.get(f"/mefApi/legato/serviceInventory/v5/service/{service['id']}").json()
        test = seen["serviceConfiguration"]["cadenzaActivationTest"]
        assert test["result"] == "PASS" and test["cirMbps"] == 300, test
        assert any(s["name"] == "partner/partner-b" and s["informationRateMbps"] >= 285 for s in test["segments"]), test
        # step 14: one usage record of the change at the BUS, kept once when delivered again
        records = legato.get(f"{USAGE_BASE}/usageRecord", params={"serviceId": service["id"]}).json()
        assert [(r["productId"], r["channel"], r["serviceOrderId"], r["changes"]) for r in records] == [
            (offnet["product"]["id"], "allegro", done["id"],
             [{"attribute": "bandwidthMbps", "endPoint": None, "fromValue": 100, "toValue": 300}])], records
        again = {k: records[0][k] for k in ("id", "serviceId", "serviceOrderId", "channel", "usageType", "changes",
                                            "appliedAt", "validUntil")}
        redelivered = legato.post(f"{USAGE_BASE}/usageEvent", json=again)
        assert redelivered.status_code == 200 and redelivered.json()["recordedAt"] == records[0]["recordedAt"]
        assert len(legato.get(f"{USAGE_BASE}/usageRecord", params={"serviceId": service["id"]}).json()) == 1
    # inventory: ALLEGRO Service Inventory and the product at the BUS show 300 Mbit/s
    shown = parties.acme.get(f"{INVENTORY_BASE}/service/{service['id']}").json()
    assert shown["serviceConfiguration"]["cadenzaEvcPlacement"]["bandwidthMbps"] == 300, shown
    wait_until(lambda: _product_rates(parties, offnet["product"]["id"]) == {300}, timeout=30,
               what="the product in inventory to show 300 Mbit/s")


def test_a_change_the_partner_refuses_leaves_both_domains_as_before_and_the_customer_is_told_why(
        parties: Parties, offnet: dict[str, Any]) -> None:
    service = offnet["service"]
    rate = parties.acme.get(f"{INVENTORY_BASE}/service/{service['id']}/cadenzaControlPolicy").json()["bandwidthMbps"]
    before_sp, before_partner = _constructs(parties.sp), _constructs(parties.partner_b)
    elements = {key.split("/", 1)[0] for key in offnet["partner"]}
    for name in elements:
        reply = parties.partner_b.post(f"/cadenza/twin/v1/elements/{name}/refuse-edits",
                                       json={"reason": "maintenance window: configuration frozen"})
        assert reply.status_code == 200, reply.text
    try:
        with _listening(parties.acme) as heard:
            done = _change(parties, service, 500)
            assert done["state"] == "failed", done
            failed = wait_until(lambda: [e for e in heard.of("serviceOrderStateChangeEvent", done["id"])
                                         if e["event"]["state"] == "failed"], timeout=30,
                                what="the order's failure event")
            assert failed
    finally:
        for name in elements:
            parties.partner_b.post(f"/cadenza/twin/v1/elements/{name}/refuse-edits", json={"reason": None})
    [error] = done["serviceOrderItem"][0]["terminationError"]
    assert "partner-b" in error["value"] and "configuration frozen" in error["value"], error
    # exactly as before in both twins, in inventory, and billed nothing
    assert _constructs(parties.sp) == before_sp
    assert _constructs(parties.partner_b) == before_partner
    shown = parties.acme.get(f"{INVENTORY_BASE}/service/{service['id']}").json()
    assert shown["state"] == "active"
    assert shown["serviceConfiguration"]["cadenzaEvcPlacement"]["bandwidthMbps"] == rate
    assert _product_rates(parties, offnet["product"]["id"]) == {rate}
    with parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp") as legato:
        records = legato.get(f"{USAGE_BASE}/usageRecord", params={"serviceId": service["id"]}).json()
    assert all(r["serviceOrderId"] != done["id"] for r in records), records
