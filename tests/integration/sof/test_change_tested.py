"""MEF 55.0.1 §10.3 steps 10-12: a changed service is tested on the network before the change
counts. A change whose test fails (the twin's links now lose frames) is undone everywhere it
was made and the order fails saying why; one that passes leaves its test, measured on the twin
at the new rate, on the service."""

from __future__ import annotations

from cadenza.interfaces.legato.builders import add_evc_item, evc_configuration, modify_item, on_net, service_order
from tests.integration.sof.conftest import SofLandscape


def _active(landscape: SofLandscape, vlan: int) -> dict:
    created = landscape.legato.create_service_order(service_order(add_evc_item("1", evc_configuration(
        on_net("uni-east-1-1", vlan), on_net("uni-west-3-1", vlan), bandwidth_mbps=50))))
    assert landscape.wait_for_order(created["id"], "completed", "failed")["state"] == "completed"
    return landscape.legato.get_service(created["serviceOrderItem"][0]["service"]["id"])


def _change(landscape: SofLandscape, service_id: str, mbps: int) -> dict:
    created = landscape.legato.create_service_order(service_order(modify_item("1", service_id, mbps)))
    return landscape.wait_for_order(created["id"], "completed", "failed")


def _element_cir_kbps(landscape: SofLandscape, uuid: str) -> set[int]:
    return {fc.bandwidth.cir_kbps for element in landscape.domain.twin.twin.elements.values()
            for fc in element.running.fcs.values() if fc.fc_id == uuid}


def test_a_change_whose_test_fails_is_undone_and_one_that_passes_is_tested_at_the_new_rate(
        sof_landscape: SofLandscape) -> None:
    service = _active(sof_landscape, 450)
    segment = service["serviceConfiguration"]["cadenzaDesign"]["segments"][0]
    twin = sof_landscape.domain.twin.twin

    passed = _change(sof_landscape, service["id"], 80)
    assert passed["state"] == "completed", passed
    test = sof_landscape.legato.get_service(service["id"])["serviceConfiguration"]["cadenzaActivationTest"]
    assert test["result"] == "PASS" and test["cirMbps"] == 80 and test["informationRateMbps"] >= 0.95 * 80, test

    lossy = [(f"{link.a}:{link.a_port}", f"{link.b}:{link.b_port}", link.loss_ratio) for link in twin.links]
    for a, b, _ in lossy:  # every link now loses 1 % of the frames: the activation test's mark is 0.1 %
        twin.degrade_link(a, b, loss_ratio=0.01)
    try:
        failed = _change(sof_landscape, service["id"], 120)
    finally:
        for a, b, loss in lossy:
            twin.degrade_link(a, b, loss_ratio=loss)
    assert failed["state"] == "failed", failed
    [error] = failed["serviceOrderItem"][0]["terminationError"]
    assert "the test of the service changed to 120 Mbit/s failed" in error["value"], error
    assert "frame loss" in error["value"], error
    # undone: the segment, its elements and the inventory at 80 Mbit/s, the service active throughout
    after = sof_landscape.legato.get_service(service["id"])
    assert after["state"] == "active"
    assert after["serviceConfiguration"]["cadenzaDesign"]["bandwidthMbps"] == 80
    assert sof_landscape.sof.presto.get_connectivity_service(segment["networkDomain"],
                                                             segment["uuid"]).bandwidth_mbps == 80
    assert _element_cir_kbps(sof_landscape, segment["uuid"]) == {80_000}
