"""PRESTO cadenza-get-configuration-drift and cadenza-reapply-connectivity-service over HTTP against
the demo SP domain (NETCONF elements): a service's constructs changed at the elements through the
twin's operator API (a NETCONF <get-config> of a fresh session shows the change) are found and
said in words, the design re-applied makes the running configuration equal to it again and the
traffic pass, and asking again rewrites nothing."""

from __future__ import annotations

from typing import Any

import httpx

from cadenza.interfaces.presto.client import PrestoClient
from tests.integration.icm.conftest import Landscape, token
from tests.integration.icm.test_presto_operational_state import create


def drift(landscape: Landscape, element: str, uuid: str, body: dict[str, Any]) -> httpx.Response:
    return landscape.http.post(f"/cadenza/twin/v1/elements/{element}/forwarding-constructs/{uuid}/drift", json=body)


def commits(landscape: Landscape) -> dict[str, int]:
    return {e["name"]: e["commits"] for e in landscape.http.get("/cadenza/twin/v1/status").json()["elements"]}


def activation_test(landscape: Landscape, uuid: str) -> dict[str, Any]:
    reply = landscape.op("cadenza-run-activation-test", {"input": {"service-id-or-name": uuid}})
    assert reply.status_code == 200, reply.text
    return dict(reply.json()["output"]["test"])


def test_drift_at_the_elements_is_said_in_words_and_reapplying_the_design_repairs_it(landscape: Landscape) -> None:
    service = create(landscape, "uni-east-1-1", "uni-west-3-1", 301, 100)
    uuid, route = service["uuid"], service["cadenza-activation"]["route"]
    first, middle, last = route[0], route[1], route[-1]
    designed = {element: landscape.running_config(element)[uuid] for element in route}
    base = str(landscape.http.base_url)
    bearer = token(base, "sp-operator", "operator-demo-secret")
    presto = PrestoClient(base, lambda: bearer)
    assert presto.get_configuration_drift("metro", uuid).in_step

    outbound = designed[first].end_points[1]  # towards the next element, on the link's S-VLAN
    for element, body in ((first, {"endPoint": "z", "vlanId": outbound.vlan_id + 1}),
                          (middle, {"cirKbps": 50_000}), (last, {"remove": True})):
        reply = drift(landscape, element, uuid, body)
        assert reply.status_code == 200, reply.text
    # the elements run it, as any NETCONF client reads it
    assert landscape.running_config(first)[uuid].end_points[1].vlan_id == outbound.vlan_id + 1
    assert landscape.running_config(middle)[uuid].bandwidth.cir_kbps == 50_000
    assert uuid not in landscape.running_config(last)
    assert activation_test(landscape, uuid)["result"] == "FAIL"

    found = presto.get_configuration_drift("metro", uuid)
    assert not found.in_step and found.elements == tuple(route) and found.unread == ()
    assert found.differences == (
        f"{first} {outbound.port}: s-vlan {outbound.vlan_id} configured, {outbound.vlan_id + 1} running",
        f"{middle}: policer CIR 100000 kbit/s configured, 50000 kbit/s running",
        f"{last}: forwarding construct {uuid} configured, absent from the running configuration")

    done = presto.reapply_connectivity_service("metro", uuid)
    assert done.before == found and set(done.rewritten) == {first, middle, last}
    assert done.after.in_step and done.after.differences == ()
    assert {element: landscape.running_config(element).get(uuid) for element in route} == designed
    assert activation_test(landscape, uuid)["result"] == "PASS"

    before = commits(landscape)
    again = presto.reapply_connectivity_service("metro", uuid)  # e.g. a SOF step replayed after a crash
    assert again.rewritten == () and again.before.in_step
    assert commits(landscape) == before  # nothing configured twice
    presto.close()


def test_a_ce_vlan_drift_is_named_so_and_a_service_not_at_rest_is_not_compared(landscape: Landscape) -> None:
    service = create(landscape, "uni-east-1-1", "uni-west-3-1", 302, 50)
    uuid, first = service["uuid"], service["cadenza-activation"]["route"][0]
    assert drift(landscape, first, uuid, {"endPoint": "a", "vlanId": 303}).status_code == 200
    answer = landscape.op("cadenza-get-configuration-drift", {"input": {"service-id-or-name": uuid}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["output"]["configuration-drift"]["differences"] == [
        f"{first} ge-0/0/1: ce-vlan 302 configured, 303 running"]
    assert drift(landscape, first, "no-such-construct", {"remove": True}).status_code == 404
    assert drift(landscape, first, uuid, {}).status_code == 422  # nothing said to drift

    deleted = landscape.op("delete-connectivity-service", {"input": {"service-id-or-name": uuid}})
    assert deleted.status_code == 200, deleted.text
    landscape.wait_for_state(uuid, "removed")
    for operation in ("cadenza-get-configuration-drift", "cadenza-reapply-connectivity-service"):
        refused = landscape.op(operation, {"input": {"service-id-or-name": uuid}})
        assert refused.status_code == 409, refused.text
        assert "compared with its design once installed" in refused.json()["reason"]
