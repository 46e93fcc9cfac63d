"""MEF 55.0.1 §10.3 steps 10-12: a changed service is tested on the network before the change
counts. A change whose test fails (the twin's links now lose frames) is undone everywhere it
was made and the order fails saying why; one that passes leaves its test, measured on the twin
at the new rate, on the service; utilisation is measured against the rate each interval ran at
(step 13)."""

from __future__ import annotations

from cadenza.core.pm.interval import INTERVAL_S
from cadenza.interfaces.legato.builders import add_evc_item, evc_configuration, modify_item, on_net, service_order
from cadenza.sof.performance.service_pm import rate_at, service_pm
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


def test_utilisation_follows_the_new_rate_from_the_moment_it_changed(sof_landscape: SofLandscape) -> None:
    """§10.3 step 13: 40 Mbit/s offered is 80 % of a 50 Mbit/s CIR, and after a change to 100 Mbit/s
    40 %; the intervals before the change stay measured against the rate they ran at."""
    twin = sof_landscape.domain.twin.twin
    twin.set_clock(scale=0)
    service = _active(sof_landscape, 451)
    segment = service["serviceConfiguration"]["cadenzaDesign"]["segments"][0]
    twin.set_demand(segment["uuid"], {"offeredMbps": 40})
    start = float(twin.clock_state()["epochSeconds"])
    twin.set_clock(advance_s=2 * INTERVAL_S)
    assert _change(sof_landscape, service["id"], 100)["state"] == "completed"
    changed_at = float(twin.clock_state()["epochSeconds"])
    twin.set_clock(advance_s=2 * INTERVAL_S)
    end = float(twin.clock_state()["epochSeconds"])

    with sof_landscape.sof.database.read() as session:
        row = sof_landscape.sof.service(session, service["id"], None)
    [change] = row.design["rateChanges"]
    assert (change["fromMbps"], change["toMbps"], change["atS"]) == (50, 100, changed_at)
    pm = service_pm(row, lambda nd, uuid, a, b, **asked: sof_landscape.sof.presto.get_pm_history(
        nd, uuid, start=a, end=b, **asked), start_s=start, end_s=end)
    direction = pm.directions[0]
    whole = [(n, u) for n, u in zip(direction.numbers, direction.utilisation_percent, strict=True)
             if start <= n * INTERVAL_S and (n + 1) * INTERVAL_S <= end]
    before = [u for n, u in whole if (n + 1) * INTERVAL_S <= changed_at]
    after = [u for n, u in whole if n * INTERVAL_S >= changed_at]
    assert before and after, (whole, changed_at)
    assert all(abs(u - 80) < 8 for u in before), whole
    assert all(abs(u - 40) < 4 for u in after), whole
    assert rate_at(100, row.design["rateChanges"], changed_at - 1) == 50
    assert rate_at(100, row.design["rateChanges"], changed_at) == 100
