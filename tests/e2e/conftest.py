"""The demo landscape (Service Provider, Alpha Access, Beta Fibre), each domain a process of
its own on free ports, driven over HTTP as a customer, a buyer and an operator would."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from cadenza.bus.product_schemas import EPL_EVC, EVPL_EVC, example_configuration
from cadenza.interfaces.legato.paths import ORDERING_BASE
from tests.helpers.landscape import DEMO, Landscape, landscape
from tests.helpers.servers import wait_until

ORDERS = "/mefApi/cantata/productOrderingManagement/v5"
INVENTORY = "/mefApi/cantata/productInventory/v1"
FINAL = ("completed", "failed", "cancelled", "partial", "rejected")
CONTACT = [{"role": "buyerContactInformation", "name": "Ann Smith", "emailAddress": "ann@acme.example",
            "number": "+1-555-0101"}]
SPRINGFIELD = {"@type": "FieldedAddress", "role": "INSTALL_LOCATION", "streetNr": "11", "streetName": "Evergreen",
               "streetType": "Terrace", "city": "Springfield", "postcode": "50001", "country": "US"}


def site(site_id: str) -> dict[str, Any]:
    return {"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION", "id": site_id}


def address(nr: str, street: str, city: str, postcode: str) -> dict[str, Any]:
    return {**SPRINGFIELD, "streetNr": nr, "streetName": street, "city": city, "postcode": postcode}


def evpl(vlan_a: int, vlan_z: int, mbps: int = 100) -> dict[str, Any]:
    config = copy.deepcopy(example_configuration(EVPL_EVC))
    config["evcEndPointA"]["evcEndPointMap"]["vlanId"] = [vlan_a]
    config["evcEndPointZ"]["evcEndPointMap"]["vlanId"] = [vlan_z]
    for end in ("evcEndPointA", "evcEndPointZ"):
        for flow in config[end]["ingressBandwidthProfilePerClassofServiceName"]:
            flow["bwpFlow"]["cir"] = {"irValue": mbps, "irUnits": "MBPS"}
    return config


def epl(mbps: int = 100) -> dict[str, Any]:
    config = copy.deepcopy(example_configuration(EPL_EVC))
    for end in ("evcEndPointA", "evcEndPointZ"):
        for flow in (config.get(end) or {}).get("ingressBandwidthProfilePerClassofServiceName", []):
            flow["bwpFlow"]["cir"] = {"irValue": mbps, "irUnits": "MBPS"}
    return config


def item(item_id: str, offering: str, configuration: dict[str, Any], *places: dict[str, Any]) -> dict[str, Any]:
    return {"id": item_id, "action": "add", "product": {"productOffering": {"id": offering},
                                                        "productConfiguration": configuration, "place": list(places)}}


@dataclass(frozen=True)
class Delivered:
    """An order completed, and what it made of its first item: the customer's product and SOF's service."""

    order: dict[str, Any]
    product: str
    service: str


def final_orders(customer: httpx.Client, order_ids: list[str], *, timeout: float,
                 interval: float = 1.0) -> list[dict[str, Any]]:
    """The orders `order_ids` once every one is in a final state. Each round asks only for the
    orders not final yet: asking for all fifty every second kept the domain under test busier."""
    final: dict[str, dict[str, Any]] = {}

    def all_final() -> list[dict[str, Any]] | None:
        for order_id in [i for i in order_ids if i not in final]:
            try:
                order = customer.get(f"{ORDERS}/productOrder/{order_id}").json()
            except httpx.TimeoutException:  # a domain busy with work it took over: ask again next round
                return None
            if order["state"] in FINAL:
                final[order_id] = order
        return [final[i] for i in order_ids] if len(final) == len(order_ids) else None

    return wait_until(all_final, timeout=timeout, interval=interval, what=f"{len(order_ids)} orders to finish")


@dataclass
class Parties:
    landscape: Landscape
    acme: httpx.Client
    globex: httpx.Client
    sp: httpx.Client  # the SP operator
    # the operators of the partners ("partner_a", "partner_b") and the SP as a buyer at Alpha
    # Access over SONATA ("sp_at_partner_a"), for the partners the module's landscape has
    at_partners: dict[str, httpx.Client]
    clients: list[httpx.Client] = field(default_factory=list)

    def _at(self, name: str) -> httpx.Client:
        if name not in self.at_partners:
            raise AssertionError(f"{name}: its partner is not in this module's landscape (LANDSCAPE_PARTNERS)")
        return self.at_partners[name]

    @property
    def partner_a(self) -> httpx.Client:
        return self._at("partner_a")

    @property
    def partner_b(self) -> httpx.Client:
        return self._at("partner_b")

    @property
    def sp_at_partner_a(self) -> httpx.Client:
        return self._at("sp_at_partner_a")

    def order(self, *items: dict[str, Any], customer: httpx.Client | None = None) -> dict[str, Any]:
        reply = (customer or self.acme).post(f"{ORDERS}/productOrder", json={
            "relatedContactInformation": CONTACT, "productOrderItem": list(items)})
        assert reply.status_code == 201, reply.text
        return reply.json()

    def wait(self, order_id: str, *, customer: httpx.Client | None = None, timeout: float = 90) -> dict[str, Any]:
        http = customer or self.acme

        def final() -> dict[str, Any] | None:
            order = http.get(f"{ORDERS}/productOrder/{order_id}").json()
            return order if order["state"] in FINAL else None

        return wait_until(final, timeout=timeout, interval=0.3, what=f"order {order_id} to finish")

    def deliver(self, sof: httpx.Client, *items: dict[str, Any], customer: httpx.Client | None = None) -> Delivered:
        """Order `items` and wait for the order to complete; `sof`: a client of SOF's LEGATO."""
        http = customer or self.acme
        done = self.wait(self.order(*items, customer=http)["id"], customer=http)
        assert done["state"] == "completed", done["stateChange"]
        [product] = http.get(f"{INVENTORY}/product", params={"productOrderId": done["id"]}).json()
        first = items[0]["id"]
        ordered = sof.get(f"{ORDERING_BASE}/serviceOrder", params={"externalId": f"{done['id']}/{first}"}).json()
        return Delivered(done, product["id"], ordered[0]["serviceOrderItem"][0]["service"]["id"])

    def constructs(self, operator: httpx.Client) -> dict[str, set[str]]:
        status = operator.get("/cadenza/twin/v1/status").json()
        return {e["name"]: {fc["id"] for fc in e["forwardingConstructs"]} for e in status["elements"]}

    def trace(self, order_id: str) -> list[dict[str, Any]]:
        return self.sp.get(f"/cadenza/trace/v1/order/{order_id}").json()["interactions"]


PARTNERS = ("partner-a", "partner-b")


def _partners_only(names: tuple[str, ...], overrides: dict[str, dict]) -> dict[str, dict]:
    """`overrides` with the SP's agreements narrowed to the partners `names`: a partner the
    landscape does not start is not one the SP knows (nor registers at, nor asks)."""
    sp = overrides.get("sp", {})
    if "partners" in sp or set(names) == set(PARTNERS):
        return overrides
    partners = [p for p in yaml.safe_load((DEMO / "sp.yaml").read_text())["partners"] if p["party"] in names]
    return {**overrides, "sp": {**sp, "partners": partners}}


@pytest.fixture(scope="module")
def parties(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parties]:
    """The demo landscape of one module; a module's `LANDSCAPE_OVERRIDES` ({domain: {key: value}})
    changes its domains' YAML, its `LANDSCAPE_PARTNERS` names the partner domains its tests use
    (default both; each one left out is a domain fewer to start and keep running)."""
    tmp: Path = tmp_path_factory.mktemp("landscape")
    partners = tuple(getattr(request.module, "LANDSCAPE_PARTNERS", PARTNERS))
    urls = {name: f"sqlite:///{tmp / name}.db" for name in (*partners, "sp")}
    overrides = _partners_only(partners, getattr(request.module, "LANDSCAPE_OVERRIDES", None) or {})
    with landscape(tmp, urls, overrides=overrides) as running:
        customers = {"acme": running.client("sp", "acme", "acme-demo-secret"),
                     "globex": running.client("sp", "globex", "globex-demo-secret"),
                     "sp": running.client("sp", "sp-operator", "operator-demo-secret")}
        at_partners = {}
        if "partner-a" in partners:
            at_partners["partner_a"] = running.client("partner-a", "partner-a-operator", "operator-demo-secret")
            at_partners["sp_at_partner_a"] = running.client("partner-a", "cadenza-sp", "sp-at-partner-a-secret")
        if "partner-b" in partners:
            at_partners["partner_b"] = running.client("partner-b", "partner-b-operator", "operator-demo-secret")
        clients = [*customers.values(), *at_partners.values()]
        yield Parties(running, **customers, at_partners=at_partners, clients=clients)
        for client in clients:
            client.close()


_VLANS = itertools.count(200, 7)


@pytest.fixture
def vlan() -> int:
    """A CE-VLAN no other test of the session uses."""
    return next(_VLANS)
