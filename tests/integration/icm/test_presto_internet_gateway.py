"""An Internet gateway over PRESTO: a connectivity service ending at the gateway's Internet
edge point gets a subnet of its pool, and the gateway's construct ends in a routed interface on
it (YANG-validated, read back over NETCONF); the subnet is free again once the service is gone."""

from __future__ import annotations

from typing import Any

from tests.helpers.servers import wait_until
from tests.integration.icm.conftest import Landscape
from tests.integration.icm.test_presto_connectivity_service import eline

CORE = "/presto/core/restconf/operations"


def core_op(landscape: Landscape, name: str, payload: dict[str, Any]) -> dict[str, Any]:
    answer = landscape.http.post(f"{CORE}/{name}/", json=payload)
    assert answer.status_code == 200, answer.text
    return answer.json()["output"]


def internet_access(landscape: Landscape, vlan: int) -> dict[str, Any]:
    created = core_op(landscape, "create-connectivity-service",
                      eline("inni-core-agg-e1", vlan, "internet-border1", vlan, 50))["service"]
    uuid = created["uuid"]

    def installed() -> dict[str, Any] | None:
        service = core_op(landscape, "get-connectivity-service-details",
                          {"input": {"service-id-or-name": uuid}})["service"]
        return service if service["cadenza-activation"]["state"] in ("installed", "failed") else None

    service = wait_until(installed, what=f"{uuid} installed")
    assert service["cadenza-activation"]["state"] == "installed", service
    return service


def test_a_service_to_the_internet_gateway_gets_a_subnet_and_a_routed_interface(landscape: Landscape) -> None:
    first = internet_access(landscape, 301)
    assert first["cadenza-ip-interface"] == {
        "service-interface-point-id": "internet-border1", "ipv4-prefix": "203.0.113.0/30",
        "gateway-ipv4-address": "203.0.113.1", "subscriber-ipv4-address": "203.0.113.2", "addressing": "DHCP"}
    fc = landscape.running_config("border1")[first["uuid"]]
    assert fc.ip is not None and (fc.ip.address, fc.ip.prefix_length, fc.ip.subscriber_address) == (
        "203.0.113.1", 30, "203.0.113.2")
    assert fc.end_points[1].port == "xe-1/0/3" and fc.ip.end_point == "z"

    second = internet_access(landscape, 302)
    assert second["cadenza-ip-interface"]["ipv4-prefix"] == "203.0.113.4/30"

    core_op(landscape, "delete-connectivity-service", {"input": {"service-id-or-name": first["uuid"]}})
    wait_until(lambda: core_op(landscape, "get-connectivity-service-details", {"input": {
        "service-id-or-name": first["uuid"]}})["service"]["cadenza-activation"]["state"] == "removed",
        what="the first service removed")
    assert first["uuid"] not in landscape.running_config("border1")
    third = internet_access(landscape, 303)
    assert third["cadenza-ip-interface"]["ipv4-prefix"] == "203.0.113.0/30"  # given back, handed out again


def test_the_internet_gateway_is_only_ever_the_far_end(landscape: Landscape) -> None:
    answer = landscape.http.post(f"{CORE}/create-connectivity-service/",
                                 json=eline("internet-border1", 5, "inni-core-agg-e1", 5, 10))
    assert answer.status_code == 422 and answer.json()["propertyPath"] == "/input/end-point/0"
