"""Controlling a service over ALLEGRO (MEF 55.0.1 §10.3 steps 1-3, 5a-7 and 13 on-net) as a
customer drives it: acme buys an on-net EVPL over CANTATA, reads the bounds of its product
over ALLEGRO, raises the bandwidth within them with an ALLEGRO Service Ordering v1 `modify`
order, follows the order to completed and hears the service's attribute change on its Service
Inventory listener. The elements of the twin police the new rate, the service never left
`active`, and the BUS's product inventory shows the new bandwidth. A request above the maximum
is refused naming the bound; another customer cannot change acme's service."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cadenza.interfaces.allegro.inventory_paths import INVENTORY_BASE
from cadenza.interfaces.allegro.ordering_client import change_item, change_order
from cadenza.interfaces.allegro.ordering_paths import ORDERING_BASE
from tests.e2e.conftest import INVENTORY, Parties, evpl, item, site
from tests.helpers.hub_listener import Heard
from tests.helpers.servers import wait_until
from tests.integration.sof.test_allegro_service_inventory import inventory_listener

LANDSCAPE_PARTNERS: tuple[str, ...] = ()  # on-net only: no partner domain to start


class _AsCustomer:
    """The listener helper registers through a client with `register_listener`: acme's, over HTTP."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def register_listener(self, callback: str) -> dict[str, Any]:
        reply = self._http.post(f"{INVENTORY_BASE}/hub", json={"callback": callback})
        assert reply.status_code == 201, reply.text
        return reply.json()

    def unregister_listener(self, listener_id: str) -> None:
        assert self._http.delete(f"{INVENTORY_BASE}/hub/{listener_id}").status_code == 204


def _profiles(operator: httpx.Client) -> dict[str, dict[str, Any]]:
    status = operator.get("/cadenza/twin/v1/status").json()
    return {f"{e['name']}/{fc['id']}": fc["bandwidth-profile"] for e in status["elements"]
            for fc in e["forwardingConstructs"]}


@pytest.fixture(scope="module")
def evpl_service(parties: Parties) -> dict[str, Any]:
    """acme's on-net EVPL at 100 Mbit/s: its product, its service over ALLEGRO, the constructs it made."""
    before = _profiles(parties.sp)
    done = parties.wait(parties.order(item("1", "evpl", evpl(610, 610, mbps=100), site("site-east-4-1"),
                                           site("site-west-4-1")))["id"])
    assert done["state"] == "completed", done
    [product] = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": done["id"]}).json()
    services = parties.acme.get(f"{INVENTORY_BASE}/service", params={"state": "active"}).json()
    service = next(s for s in services if s["serviceConfiguration"].get("identifier") == f"{done['id']}/1")
    constructs = [key for key in _profiles(parties.sp) if key not in before]
    assert constructs, "the EVPL configured no element"
    return {"product": product, "service": service, "constructs": constructs}


@pytest.fixture
def heard(parties: Parties) -> Iterator[Heard]:
    with inventory_listener(_AsCustomer(parties.acme)) as events:  # type: ignore[arg-type]
        yield events


def test_the_customer_raises_its_bandwidth_within_the_bounds_and_it_is_applied_in_place(
        parties: Parties, evpl_service: dict[str, Any], heard: Heard) -> None:
    service = evpl_service["service"]
    # step 1: the bounds of its product (the demo catalog's, sp.yaml)
    bounds = parties.acme.get(f"{INVENTORY_BASE}/service/{service['id']}/cadenzaControlPolicy")
    assert bounds.status_code == 200, bounds.text
    assert bounds.json()["bandwidth"] == {"minMbps": 10, "maxMbps": 1000, "stepMbps": 10}
    assert bounds.json()["bandwidthMbps"] == 100 and bounds.json()["changesLeftToday"] == 24

    # steps 2-3: a change within them is accepted, and applied
    reply = parties.acme.post(f"{ORDERING_BASE}/serviceOrder", json=change_order(
        change_item("1", service["id"], service["serviceConfiguration"]["@type"], 300)))
    assert reply.status_code == 201, reply.text
    order_id = reply.json()["id"]
    done = wait_until(lambda: (o := parties.acme.get(f"{ORDERING_BASE}/serviceOrder/{order_id}").json())["state"]
                      in ("completed", "failed") and o, timeout=60, what="the ALLEGRO change to finish")
    assert done["state"] == "completed", done
    wait_until(lambda: heard.of("serviceAttributeValueChangeEvent", service["id"]), timeout=30,
               what="the service's attribute change event at acme's listener")

    # the elements police 300 Mbit/s on the same constructs; the service stayed active throughout
    profiles = _profiles(parties.sp)
    assert all(profiles[key]["cir-kbps"] == 300_000 for key in evpl_service["constructs"]), {
        key: profiles.get(key) for key in evpl_service["constructs"]}
    assert heard.of("serviceStateChangeEvent", service["id"]) == []
    assert parties.acme.get(f"{INVENTORY_BASE}/service/{service['id']}").json()["state"] == "active"

    # the BUS learnt of it over LEGATO: the product in inventory commits 300 Mbit/s at both ends
    def product_rates() -> list[float] | None:
        product = parties.acme.get(f"{INVENTORY}/product/{evpl_service['product']['id']}").json()
        rates = [flow["bwpFlow"]["cir"]["irValue"] for end in ("evcEndPointA", "evcEndPointZ")
                 for flow in product["productConfiguration"][end]["ingressBandwidthProfilePerClassofServiceName"]]
        return rates if product["status"] == "active" and set(rates) == {300} else None

    wait_until(product_rates, timeout=30, what="the product in inventory to show 300 Mbit/s")


def test_a_change_above_the_maximum_is_refused_naming_the_bound_and_another_customer_cannot_ask(
        parties: Parties, evpl_service: dict[str, Any]) -> None:
    service = evpl_service["service"]
    kind = service["serviceConfiguration"]["@type"]
    before = _profiles(parties.sp)
    above = parties.acme.post(f"{ORDERING_BASE}/serviceOrder", json=change_order(
        change_item("1", service["id"], kind, 1200)))
    assert above.status_code == 422, above.text
    assert above.json()[0]["reason"] == "bandwidth 1200 Mbit/s is above the maximum 1000 Mbit/s of this product"
    stolen = parties.globex.post(f"{ORDERING_BASE}/serviceOrder", json=change_order(
        change_item("1", service["id"], kind, 200)))
    assert stolen.status_code == 422 and stolen.json()[0]["code"] == "referenceNotFound", stolen.text
    assert parties.globex.get(f"{INVENTORY_BASE}/service/{service['id']}/cadenzaControlPolicy").status_code == 404
    assert _profiles(parties.sp) == before  # nothing refused reached the network
