"""PRESTO update-connectivity-service changing an end point's CE-VLAN, against NETCONF
elements: the ICM's VLAN bookkeeping and the elements follow, or nothing changes."""

from __future__ import annotations

from sqlalchemy import select

from cadenza.icm.rows import VlanAllocationRow
from cadenza.interfaces.adagio.contract import BandwidthProfile, FcEndPoint, ForwardingConstruct
from tests.integration.icm.conftest import Landscape
from tests.integration.icm.test_presto_connectivity_service import eline


def _move(uuid: str, sip: str, vlan: int, mbps: int | None = None) -> dict:
    body: dict = {"service-id-or-name": uuid, "end-point": {
        "service-interface-point": {"service-interface-point-id": sip}, "layer-protocol-name": "ETH",
        "nrp-carrier-eth-connectivity-end-point-resource": {"ce-vlan-id-list-and-untag": {
            "vlan-id-mapping-type": "LIST", "vlan-id": [{"vlan-id": vlan}]}}}}
    if mbps is not None:
        body["conn-constraint"] = {"requested-capacity": {"total-size": {"value": mbps, "unit": "MBPS"}}}
    return {"input": body}


def _vlans_held(landscape: Landscape, uuid: str) -> set[tuple[str, str, int]]:
    icm = landscape.domain.icms["metro"]
    with icm.database.read() as session:
        return {(r.element, r.port, r.vlan_id) for r in session.scalars(
            select(VlanAllocationRow).where(VlanAllocationRow.service_uuid == uuid))}


def _end_vlans(service: dict) -> list[int | None]:
    vlans = []
    for end in service["end-point"]:
        mapping = end["nrp-carrier-eth-connectivity-end-point-resource"]["ce-vlan-id-list-and-untag"]
        vlans.append(mapping["vlan-id"][0]["vlan-id"] if mapping.get("vlan-id") else None)
    return vlans


def _create(landscape: Landscape, a: str, a_vlan: int, z: str, z_vlan: int, mbps: int = 100) -> dict:
    created = landscape.op("create-connectivity-service", eline(a, a_vlan, z, z_vlan, mbps))
    assert created.status_code == 200, created.text
    return landscape.wait_for_state(created.json()["output"]["service"]["uuid"], "installed")


def test_an_end_point_moves_to_a_free_ce_vlan_on_the_elements_and_in_the_vlan_bookkeeping(
        landscape: Landscape) -> None:
    service = _create(landscape, "uni-east-2-1", 20, "uni-west-2-1", 20)
    uuid, route = service["uuid"], service["cadenza-activation"]["route"]
    _create(landscape, "uni-east-2-1", 21, "uni-west-2-2", 21)  # holds VLAN 21 on the same UNI

    taken = landscape.op("update-connectivity-service", _move(uuid, "uni-east-2-1", 21))
    assert taken.status_code == 422, taken.text
    assert "CE-VLAN 21 is already in use on edge point uni-east-2-1" in taken.json()["reason"]
    assert landscape.service(uuid)["cadenza-activation"]["state"] == "installed"

    moved = landscape.op("update-connectivity-service", _move(uuid, "uni-east-2-1", 22, mbps=200))
    assert moved.status_code == 200, moved.text
    after = landscape.wait_for_state(uuid, "installed")
    after = after if _end_vlans(after)[0] == 22 else landscape.wait_for_state(uuid, "installed")
    assert _end_vlans(after) == [22, 20] and after["requested-capacity"]["total-size"]["value"] == 200
    uni_port = landscape.domain.icms["metro"].topology.edge_points["uni-east-2-1"].port
    held = _vlans_held(landscape, uuid)
    assert ("pe-e2", uni_port, 22) in held and ("pe-e2", uni_port, 20) not in held
    first = landscape.running_config(route[0])[uuid]
    assert first.end_points[0] == FcEndPoint(uni_port, 22) and first.bandwidth.cir_kbps == 200_000
    assert landscape.running_config(route[-1])[uuid].end_points[1].vlan_id == 20  # the other end is untouched
    # the old VLAN is free again: another service can have it
    _create(landscape, "uni-east-2-1", 20, "uni-west-3-1", 20)


def test_an_element_that_refuses_the_new_vlan_leaves_the_service_as_it_was(landscape: Landscape) -> None:
    service = _create(landscape, "uni-east-2-2", 30, "uni-west-1-1", 30)
    uuid, route = service["uuid"], service["cadenza-activation"]["route"]
    icm = landscape.domain.icms["metro"]
    uni_port = icm.topology.edge_points["uni-east-2-2"].port
    # configured on the element behind the ICM's back: the ICM believes VLAN 31 free, the element does not
    foreign = ForwardingConstruct("configured-by-hand", (FcEndPoint(uni_port, 31), FcEndPoint("xe-0/1/0", 3999)),
                                  BandwidthProfile(cir_kbps=1000))
    assert icm.adagio.apply(route[0], foreign)
    before = _vlans_held(landscape, uuid)

    asked = landscape.op("update-connectivity-service", _move(uuid, "uni-east-2-2", 31))
    assert asked.status_code == 200, asked.text
    after = landscape.wait_for_state(uuid, "installed")
    after = after if after["cadenza-activation"]["reason"] else landscape.wait_for_state(uuid, "installed")
    reason = after["cadenza-activation"]["reason"]
    assert "refused, kept CE-VLAN 30 at end point a" in reason and route[0] in reason, reason
    assert _end_vlans(after) == [30, 30]
    assert _vlans_held(landscape, uuid) == before
    assert landscape.running_config(route[0])[uuid].end_points[0] == FcEndPoint(uni_port, 30)
    assert icm.adagio.remove(route[0], "configured-by-hand")


def test_a_port_based_end_point_does_not_become_vlan_based_in_place(landscape: Landscape) -> None:
    created = landscape.op("create-connectivity-service", eline("uni-east-3-1", None, "uni-west-3-2", None, 50))
    uuid = created.json()["output"]["service"]["uuid"]
    landscape.wait_for_state(uuid, "installed")
    refused = landscape.op("update-connectivity-service", _move(uuid, "uni-east-3-1", 40))
    assert refused.status_code == 422 and "port-based" in refused.json()["reason"], refused.text
    stranger = landscape.op("update-connectivity-service", _move(uuid, "uni-east-1-1", 40))
    assert stranger.status_code == 422 and "not an end point" in stranger.json()["reason"], stranger.text
