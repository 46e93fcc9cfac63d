"""LEGATO modify changing CE-VLANs: the feasibility check and the order judge the new VLAN on
the UNI by the ICM's bookkeeping; a free one reaches the PRESTO segment, the elements and the
service inventory, the other end untouched; off-net, the partner's access segment is changed
over INTERLUDE (this domain plays the partner too) with the S-VLAN at the ENNI kept."""

from __future__ import annotations

from typing import Any

from cadenza.interfaces.legato.builders import (
    add_evc_item,
    delete_item,
    evc_configuration,
    modify_item,
    off_net,
    on_net,
    service_order,
)
from cadenza.interfaces.legato.feasibility import FEASIBILITY_BASE
from cadenza.interfaces.legato.paths import INVENTORY_SPEC_FILE, ORDER_SPEC_FILE
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.openapi import assert_valid
from tests.integration.sof.test_legato_on_net import assert_nothing_left


def _active(landscape: SofLandscape, a: dict[str, Any], z: dict[str, Any], mbps: int = 100) -> dict[str, Any]:
    created = landscape.legato.create_service_order(service_order(add_evc_item("1", evc_configuration(
        a, z, bandwidth_mbps=mbps))))
    done = landscape.wait_for_order(created["id"], "completed", "failed")
    assert done["state"] == "completed", done
    return landscape.legato.get_service(created["serviceOrderItem"][0]["service"]["id"])


def _modify(landscape: SofLandscape, service_id: str, mbps: int, vlans: list[int | None]) -> dict[str, Any]:
    created = landscape.legato.create_service_order(service_order(modify_item("vlan", service_id, mbps,
                                                                              end_vlans=vlans)))
    return landscape.wait_for_order(created["id"], "completed", "failed")


def _feasible(landscape: SofLandscape, service_id: str, vlans: list[int | None]) -> dict[str, Any]:
    with landscape.client("sp-bus", "bus-demo-secret") as http:
        reply = http.post(f"{FEASIBILITY_BASE}/feasibilityCheck", json={
            "action": "modify", "serviceId": service_id, "bandwidthMbps": 100,
            "endPoints": [{"ceVlan": vlan} for vlan in vlans]})
    assert reply.status_code == 200, reply.text
    return reply.json()


def _end_vlan(landscape: SofLandscape, segment: dict[str, Any], sip: str) -> int | None:
    return landscape.sof.presto.get_connectivity_service(segment["networkDomain"], segment["uuid"]).vlan_at(sip)


def _element_vlans(landscape: SofLandscape, uuid: str) -> set[int | None]:
    return {ep.vlan_id for element in landscape.domain.twin.twin.elements.values()
            for fc in element.running.fcs.values() if fc.fc_id == uuid for ep in fc.end_points}


def test_a_ce_vlan_change_is_judged_on_the_uni_and_carried_to_the_segment_and_the_elements(
        sof_landscape: SofLandscape) -> None:
    service = _active(sof_landscape, on_net("uni-east-1-1", 100), on_net("uni-west-3-1", 200))
    other = _active(sof_landscape, on_net("uni-east-1-1", 101), on_net("uni-west-3-2", 101))
    segment = service["serviceConfiguration"]["cadenzaDesign"]["segments"][0]

    taken = _feasible(sof_landscape, service["id"], [101, 200])
    assert not taken["feasible"] and "CE-VLAN 101 is already in use on edge point uni-east-1-1" in taken["reason"]
    assert _feasible(sof_landscape, service["id"], [102, 200])["feasible"]

    refused = _modify(sof_landscape, service["id"], 100, [101, 200])
    assert refused["state"] == "failed", refused
    assert_valid(ORDER_SPEC_FILE, "ServiceOrder", refused)
    reason = refused["serviceOrderItem"][0]["terminationError"][0]["value"]
    assert "CE-VLAN 101 is already in use on edge point uni-east-1-1" in reason, reason
    assert _end_vlan(sof_landscape, segment, "uni-east-1-1") == 100
    assert sof_landscape.legato.get_service(service["id"])["state"] == "active"

    moved = _modify(sof_landscape, service["id"], 150, [102, 200])
    assert moved["state"] == "completed", moved
    after = sof_landscape.legato.get_service(service["id"])
    assert_valid(INVENTORY_SPEC_FILE, "Service", after)
    placement = after["serviceConfiguration"]["cadenzaEvcPlacement"]
    assert [e["ceVlan"] for e in placement["endPoints"]] == [102, 200]
    design = after["serviceConfiguration"]["cadenzaDesign"]
    assert design["bandwidthMbps"] == 150
    assert design["segments"][0]["a"] == {"edgePoint": "uni-east-1-1", "vlan": 102}
    assert design["segments"][0]["z"] == {"edgePoint": "uni-west-3-1", "vlan": 200}
    assert (_end_vlan(sof_landscape, segment, "uni-east-1-1"), _end_vlan(sof_landscape, segment, "uni-west-3-1")) == (
        102, 200)
    vlans = _element_vlans(sof_landscape, segment["uuid"])
    assert {102, 200} <= vlans and 100 not in vlans
    # the old VLAN is free on the UNI again
    assert _feasible(sof_landscape, other["id"], [100, 101])["feasible"]

    for done in (service, other):
        gone = sof_landscape.legato.create_service_order(service_order(delete_item("rm", done["id"])))
        assert sof_landscape.wait_for_order(gone["id"], "completed", "failed")["state"] == "completed"
    assert_nothing_left(sof_landscape)


def test_an_off_net_end_changes_its_ce_vlan_at_the_partner_over_interlude(sof_landscape: SofLandscape) -> None:
    service = _active(sof_landscape, on_net("uni-east-3-1", 310),
                      off_net("partner-a", site_id="site-pa-7", ce_vlan=410), mbps=200)
    design = service["serviceConfiguration"]["cadenzaDesign"]
    s_vlan, reference = design["partner"]["sVlan"], design["partner"]["reference"]

    feasible = _feasible(sof_landscape, service["id"], [310, 411])
    assert feasible["feasible"] and feasible["partner"] == "partner-a" and feasible["partnerCeVlan"] == 411

    moved = _modify(sof_landscape, service["id"], 200, [310, 411])
    assert moved["state"] == "completed", moved
    after = sof_landscape.legato.get_service(service["id"])["serviceConfiguration"]
    assert after["cadenzaDesign"]["partner"]["ceVlan"] == 411 and after["cadenzaDesign"]["partner"]["sVlan"] == s_vlan
    assert [e["ceVlan"] for e in after["cadenzaEvcPlacement"]["endPoints"]] == [310, 411]
    with sof_landscape.client("peer-sof", "peer-demo-secret") as peer:
        access = peer.get(f"/mefApi/interlude/serviceInventory/v1/service/{reference}").json()
    access_design = access["serviceConfiguration"]["cadenzaDesign"]
    assert access_design["segments"][0]["a"] == {"edgePoint": "uni-west-2-1", "vlan": 411}
    assert access_design["segments"][-1]["z"] == {"edgePoint": "enni-partner-2", "vlan": s_vlan}
    assert access["serviceConfiguration"]["cadenzaAccessPlacement"]["ceVlan"] == 411
    assert 411 in _element_vlans(sof_landscape, access_design["segments"][0]["uuid"])

    gone = sof_landscape.legato.create_service_order(service_order(delete_item("rm", service["id"])))
    assert sof_landscape.wait_for_order(gone["id"], "completed", "failed")["state"] == "completed"
    assert_nothing_left(sof_landscape)


def test_a_partner_refusing_the_ce_vlan_leaves_both_ends_as_they_were(sof_landscape: SofLandscape) -> None:
    service = _active(sof_landscape, on_net("uni-east-3-2", 320),
                      off_net("partner-a", site_id="site-pa-7", ce_vlan=421), mbps=100)
    blocker = _active(sof_landscape, on_net("uni-west-2-1", 422), on_net("uni-east-4-2", 422))  # at the partner's UNI
    segment = service["serviceConfiguration"]["cadenzaDesign"]["segments"][0]

    refused = _modify(sof_landscape, service["id"], 100, [323, 422])
    assert refused["state"] == "failed", refused
    reason = refused["serviceOrderItem"][0]["terminationError"][0]["value"]
    assert "partner-a" in reason and "422" in reason and "putting the change back failed" not in reason, reason
    after = sof_landscape.legato.get_service(service["id"])["serviceConfiguration"]
    assert after["cadenzaDesign"]["partner"]["ceVlan"] == 421
    assert _end_vlan(sof_landscape, segment, "uni-east-3-2") == 320
    assert 323 not in _element_vlans(sof_landscape, segment["uuid"])
    # the VLAN asked on our own UNI was never taken, so it is free for others
    assert _feasible(sof_landscape, service["id"], [323, 421])["feasible"]

    for done in (service, blocker):
        gone = sof_landscape.legato.create_service_order(service_order(delete_item("rm", done["id"])))
        assert sof_landscape.wait_for_order(gone["id"], "completed", "failed")["state"] == "completed"
    assert_nothing_left(sof_landscape)
