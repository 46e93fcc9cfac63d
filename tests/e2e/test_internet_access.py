"""Basic Internet Access (MEF 139) over CANTATA, end to end: the order completes, the product
is active with the addressing the Internet gateway handed out, the gateway holds the routed
interface, and a disconnect gives the subnet back."""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

from cadenza.bus.product_schemas import BASIC_INTERNET_ACCESS, example_configuration, validate_product_configuration
from tests.e2e.conftest import CONTACT, INVENTORY, Parties, item, site

LANDSCAPE_PARTNERS: tuple[str, ...] = ()  # on-net only: no partner domain to start


def internet_access(mbps: int) -> dict[str, Any]:
    config = copy.deepcopy(example_configuration(BASIC_INTERNET_ACCESS))
    for envelope in ("ingressBandwidthProfileEnvelope", "egressBandwidthProfileEnvelope"):
        for profile in config["ipUni"][envelope]:
            profile["cir"] = profile["maxIr"] = {"irValue": mbps, "irUnits": "MBPS"}
    return config


def gateway_interfaces(parties: Parties) -> dict[str, dict[str, Any]]:
    """The routed interfaces the Internet gateway (border1) holds, by service."""
    status = parties.sp.get("/cadenza/twin/v1/status").json()
    border = next(e for e in status["elements"] if e["name"] == "border1")
    return {fc["id"]: fc["ip-interface"] for fc in border["forwardingConstructs"] if "ip-interface" in fc}


def addressing(product: dict[str, Any]) -> dict[str, Any]:
    [entry] = product["productConfiguration"]["ipUniAccessLink"]["ipv4ConnectionAddressing"]
    return entry["ipv4PrimarySubnet"]


def ordered(parties: Parties, at: str, mbps: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """An Internet Access ordered at site `at`: the finished order and its product."""
    order = parties.wait(parties.order(item("ia", "internet-access", internet_access(mbps), site(at)))["id"])
    products = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": order["id"]}).json()
    return order, products[0] if products else {}


def test_an_internet_access_order_completes_with_addresses_and_a_disconnect_frees_them(parties: Parties) -> None:
    before = gateway_interfaces(parties)
    order, product = ordered(parties, "site-east-4-1", 50)
    assert order["state"] == "completed", order
    product_id = product["id"]
    assert product["status"] == "active"
    validate_product_configuration(product["productConfiguration"], pointer="/productConfiguration")  # MEF 139
    subnet = addressing(product)
    prefix = ipaddress.IPv4Network(f"{subnet['ipv4Prefix']['ipv4Address']}/{subnet['ipv4Prefix']['prefixLength']}")
    assert prefix.subnet_of(ipaddress.IPv4Network("203.0.113.0/24")) and prefix.prefixlen == 30
    [gateway], [subscriber] = subnet["serviceProviderIpv4Addresses"], subnet["subscriberIpv4Address"]
    assert {ipaddress.IPv4Address(gateway), ipaddress.IPv4Address(subscriber)} <= set(prefix.hosts())

    added = {k: v for k, v in gateway_interfaces(parties).items() if k not in before}
    assert list(added.values()) == [{"end-point": "z", "address": gateway, "prefix-length": 30,
                                     "subscriber-address": subscriber}]

    # a second subscriber gets another subnet of the pool
    second, other_product = ordered(parties, "site-east-4-2", 20)
    assert second["state"] == "completed", second
    other = addressing(other_product)
    other_prefix = f"{other['ipv4Prefix']['ipv4Address']}/{other['ipv4Prefix']['prefixLength']}"
    assert not ipaddress.IPv4Network(other_prefix).overlaps(prefix)

    # a bandwidth change keeps the addresses; naming other addresses is refused
    faster = internet_access(80)
    modify = {"id": "1", "action": "modify", "product": {"id": product_id, "productOffering": {"id": "internet-access"},
                                                          "productConfiguration": faster}}
    changed = parties.wait(parties.order(modify)["id"])
    assert changed["state"] == "completed", changed
    now = parties.acme.get(f"{INVENTORY}/product/{product_id}").json()
    assert now["productConfiguration"]["ipUni"]["ingressBandwidthProfileEnvelope"][0]["cir"]["irValue"] == 80
    assert addressing(now) == subnet
    assert gateway_interfaces(parties)[next(iter(added))]["address"] == gateway
    taken = copy.deepcopy(now["productConfiguration"])
    taken["ipUniAccessLink"]["ipv4ConnectionAddressing"][0]["ipv4PrimarySubnet"]["subscriberIpv4Address"] = ["8.8.8.8"]
    refused = parties.acme.post("/mefApi/cantata/productOrderingManagement/v5/productOrder", json={
        "relatedContactInformation": CONTACT, "productOrderItem": [{**modify, "product": {
            **modify["product"], "productConfiguration": taken}}]})
    assert refused.status_code == 422 and "ipv4ConnectionAddressing" in refused.text, refused.text

    gone = parties.wait(parties.order({"id": "1", "action": "delete", "product": {"id": product_id}})["id"])
    assert gone["state"] == "completed", gone
    assert parties.acme.get(f"{INVENTORY}/product/{product_id}").json()["status"] == "terminated"
    assert gateway in {ip["address"] for ip in added.values()}
    assert not any(ip["address"] == gateway for ip in gateway_interfaces(parties).values())

    # the subnet given back is the lowest free one again: the next subscriber gets it
    third, third_product = ordered(parties, "site-east-4-1", 10)
    assert third["state"] == "completed", third
    again = addressing(third_product)
    assert again["serviceProviderIpv4Addresses"] == [gateway]
