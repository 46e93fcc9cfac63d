"""Customers at work on the demo landscape: the orders `make run` puts in place, and the one
`cadenza demo order` drives step by step — over CANTATA, exactly as a customer would."""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from cadenza.bus.product_schemas import EVPL_EVC, example_configuration
from cadenza.interfaces.legato.paths import INVENTORY_BASE as LEGATO_INVENTORY_BASE
from cadenza.interfaces.legato.paths import ORDERING_BASE as LEGATO_ORDERING_BASE

__all__ = ["Customer", "OffNetOrder", "evpl_order", "off_net_order", "place_and_wait", "follow_order", "DEMO_ORDERS",
           "ORDERS", "FAR_CITIES", "DC_ORDER", "DC_DEMAND", "follow_daily_demand"]

ORDERS = "/mefApi/cantata/productOrderingManagement/v5/productOrder"
FINAL = ("completed", "failed", "cancelled", "partial", "rejected")


@dataclass(frozen=True, slots=True)
class Customer:
    name: str
    client_id: str
    secret: str


def _site(site_id: str) -> dict[str, Any]:
    return {"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION", "id": site_id}


def _address(nr: str, street: str, city: str, postcode: str) -> dict[str, Any]:
    return {"@type": "FieldedAddress", "role": "INSTALL_LOCATION", "streetNr": nr, "streetName": street,
            "streetType": "Terrace", "city": city, "postcode": postcode, "country": "US"}


def evpl_order(customer: str, a: dict[str, Any], z: dict[str, Any], *, vlan: int, mbps: int) -> dict[str, Any]:
    config = copy.deepcopy(example_configuration(EVPL_EVC))
    for end in ("evcEndPointA", "evcEndPointZ"):
        config[end]["evcEndPointMap"]["vlanId"] = [vlan]
        for flow in config[end]["ingressBandwidthProfilePerClassofServiceName"]:
            flow["bwpFlow"]["cir"] = {"irValue": mbps, "irUnits": "MBPS"}
    return {"relatedContactInformation": [{"role": "buyerContactInformation", "name": f"{customer} network team",
                                           "emailAddress": f"noc@{customer}.example", "number": "+1-555-0199"}],
            "productOrderItem": [{"id": "1", "action": "add", "product": {
                "productOffering": {"id": "evpl"}, "productConfiguration": config, "place": [a, z]}}]}


# `cadenza demo order`: the off-net end, a partner's customer address, per city.
FAR_CITIES = {"Springfield": ("12", "Evergreen", "50002"), "Ogdenville": ("22", "Elm", "60002")}
_NEAR_SITES = [f"site-{area}-{n}-{p}" for area in ("east", "west") for n in (2, 4) for p in (1, 2)]
_MBPS = 100


@dataclass(frozen=True, slots=True)
class OffNetOrder:
    """What `cadenza demo order` asks for: chosen from its seed, so the same seed orders the same."""

    customer: str
    near_site: str
    city: str
    vlan: int
    mbps: int

    def payload(self) -> dict[str, Any]:
        nr, street, postcode = FAR_CITIES[self.city]
        return evpl_order(self.customer, _site(self.near_site), _address(nr, street, self.city, postcode),
                          vlan=self.vlan, mbps=self.mbps)


def off_net_order(customer: str, city: str, *, seed: int) -> OffNetOrder:
    """An off-net EVPL from one of the customer sites to `city`; the site and VLAN come from `seed`."""
    if city not in FAR_CITIES:
        raise ValueError(f"choose a city among {', '.join(FAR_CITIES)}")
    rng = random.Random(seed)
    return OffNetOrder(customer, rng.choice(_NEAR_SITES), city, rng.randint(1000, 3999), _MBPS)


# Orders `make run` puts in place so that each demo customer already has products.
DEMO_ORDERS: list[tuple[str, dict[str, Any], dict[str, Any], int, int]] = [
    ("acme", _site("site-east-1-1"), _site("site-west-1-1"), 100, 200),
    ("acme", _site("site-east-1-2"), _address("11", "Evergreen", "Springfield", "50001"), 110, 100),
    ("globex", _site("site-east-3-1"), _site("site-west-3-1"), 300, 500),
    ("globex", _site("site-west-2-2"), _address("21", "Elm", "Ogdenville", "60001"), 310, 50),
]

# acme's data-centre interconnect (thread 10.9): 200 Mbit/s bought, its applications sending
# between 60 and 540 Mbit/s over the day (peak 14:00 UTC), whatever rate is bought, so its
# coordinator (`cadenza cus watch`) has something to follow.
DC_ORDER = ("acme", _site("site-dc-east"), _site("site-dc-west"), 900, 200)
DC_DEMAND = {"baseMbps": 300, "mean": 1.0, "amplitude": 0.8, "peakHour": 14.0, "noise": 0.05}


def token(url: str, customer: Customer) -> dict[str, str]:
    reply = httpx.post(f"{url}/oauth2/token", data={"grant_type": "client_credentials",
                                                   "client_id": customer.client_id, "client_secret": customer.secret},
                       timeout=10)
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def place_and_wait(url: str, customer: Customer, order: dict[str, Any], *, timeout_s: float = 120) -> dict[str, Any]:
    headers = token(url, customer)
    created = httpx.post(f"{url}{ORDERS}", json=order, headers=headers, timeout=30)
    created.raise_for_status()
    return follow_order(url, headers, created.json()["id"], timeout_s=timeout_s)


def follow_order(url: str, headers: dict[str, str], order_id: str, *, timeout_s: float = 120,
                 on_change: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        order = httpx.get(f"{url}{ORDERS}/{order_id}", headers=headers, timeout=30).json()
        if on_change is not None:
            on_change(order)
        if order["state"] in FINAL or time.monotonic() > deadline:
            return order
        time.sleep(0.25)


def follow_daily_demand(url: str, operator: Customer, sof: Customer, product_order_id: str,
                        demand: dict[str, Any]) -> list[str]:
    """Give the service of `product_order_id` the twin demand `demand` (the operator's twin API),
    on each of its SP segments, found through the SOF's LEGATO inventory; their ids."""
    sof_headers = token(url, sof)
    ordered = httpx.get(f"{url}{LEGATO_ORDERING_BASE}/serviceOrder", params={"externalId": f"{product_order_id}/1"},
                        headers=sof_headers, timeout=30).json()
    service_id = ordered[0]["serviceOrderItem"][0]["service"]["id"]
    service = httpx.get(f"{url}{LEGATO_INVENTORY_BASE}/service/{service_id}", headers=sof_headers, timeout=30).json()
    segments = [s["uuid"] for s in service["serviceConfiguration"]["cadenzaDesign"]["segments"]]
    operator_headers = token(url, operator)
    for segment in segments:
        httpx.put(f"{url}/cadenza/twin/v1/demand/{segment}", json=demand, headers=operator_headers,
                  timeout=30).raise_for_status()
    return segments
