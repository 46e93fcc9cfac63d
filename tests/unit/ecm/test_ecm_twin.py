"""Measurements and PM counters come from the configured constructs and the links' state."""

from __future__ import annotations

import json

import pytest
from ecm_chain import FakeClock, fc, path_fcs

from cadenza.core.errors import NotFound
from cadenza.ecm.manager import ElementManager
from cadenza.ecm.measure import HOP_DELAY_MS
from cadenza.ecm.twin import NetworkTwin


def test_a_configured_path_is_measured_hop_by_hop(manager: ElementManager) -> None:
    manager.apply_many(path_fcs(cir_kbps=50_000))
    result = manager.measure("svc-1", "pe1", "uni1")
    assert result.reachable
    assert result.path == ("pe1:uni1>nni", "p1:west>east", "pe2:nni>uni1")
    assert result.delay_ms == pytest.approx(1.0 + 2.0 + 3 * HOP_DELAY_MS)
    assert result.loss_ratio == pytest.approx(0.01)
    assert result.throughput_mbps == pytest.approx(50 * 0.99)


def test_the_far_end_measures_the_same_path_backwards(manager: ElementManager) -> None:
    manager.apply_many(path_fcs())
    assert manager.measure("svc-1", "pe2", "uni1").path == ("pe2:uni1>nni", "p1:east>west", "pe1:nni>uni1")


def test_throughput_is_capped_by_the_narrowest_link(manager: ElementManager) -> None:
    manager.apply_many(path_fcs(cir_kbps=900_000))
    assert manager.measure("svc-1", "pe1", "uni1").throughput_mbps == pytest.approx(400 * 0.99)


def test_a_missing_construct_breaks_the_path(manager: ElementManager) -> None:
    manager.apply_many(path_fcs()[:2])
    result = manager.measure("svc-1", "pe1", "uni1")
    assert not result.reachable
    assert "pe2 has no forwarding construct 'svc-1'" in result.detail


def test_a_construct_on_the_wrong_vlan_port_breaks_the_path(manager: ElementManager) -> None:
    items = path_fcs()
    items[1] = ("p1", fc("svc-1", ("east", 100), ("west", 100)))  # wired backwards is fine
    manager.apply_many(items)
    assert manager.measure("svc-1", "pe1", "uni1").reachable
    manager.apply("p1", fc("svc-1", ("west", 100), ("west", 200)))
    assert not manager.measure("svc-1", "pe1", "uni1").reachable


def test_link_and_element_faults_make_the_path_unreachable_until_restored(manager: ElementManager,
                                                                            twin: NetworkTwin) -> None:
    manager.apply_many(path_fcs())
    twin.fail_link("p1", "pe2")
    assert "link p1:east-pe2:nni is down" in manager.measure("svc-1", "pe1", "uni1").detail
    twin.restore_link("pe2", "p1")
    twin.fail_element("p1")
    assert "element p1 is down" in manager.measure("svc-1", "pe1", "uni1").detail
    twin.restore_element("p1")
    assert manager.measure("svc-1", "pe1", "uni1").reachable


def test_degradation_adds_delay_and_loss(manager: ElementManager, twin: NetworkTwin) -> None:
    manager.apply_many(path_fcs())
    twin.degrade_link("p1:east", "pe2:nni", delay_ms=20.0, loss_ratio=0.5)
    result = manager.measure("svc-1", "pe1", "uni1")
    assert result.delay_ms == pytest.approx(1.0 + 20.0 + 3 * HOP_DELAY_MS)
    assert result.loss_ratio == pytest.approx(1 - 0.99 * 0.5)


def test_faults_read_after_every_kind_of_change_are_current(twin: NetworkTwin) -> None:
    changes: list[int] = []
    twin.fault_listeners.append(lambda: changes.append(1))
    assert twin.faults().down_elements == frozenset() and twin.faults().down_links == ()
    twin.fail_link("p1", "pe2")
    assert [(link.a, link.b) for link in twin.faults().down_links] == [("p1", "pe2")]
    twin.degrade_link("p1:east", "pe2:nni", delay_ms=20.0)
    assert twin.faults().down_links[0].delay_ms == 20.0
    twin.fail_element("p1")
    assert twin.faults().down_elements == {"p1"}
    twin.restore_link("pe2", "p1")
    twin.restore_element("p1")
    assert twin.faults().down_elements == frozenset() and twin.faults().down_links == ()
    assert len(changes) == 5


def test_unknown_elements_and_links_are_not_found(twin: NetworkTwin) -> None:
    with pytest.raises(NotFound):
        twin.fail_link("pe1", "pe2")
    with pytest.raises(NotFound):
        twin.fail_element("nowhere")


def test_counters_grow_at_the_cir_and_stop_arriving_during_an_outage(manager: ElementManager, twin: NetworkTwin,
                                                                     clock: FakeClock) -> None:
    manager.apply_many(path_fcs(cir_kbps=8_000))  # 1 000 000 octets/s
    clock.now += 10
    first = manager.counters("svc-1", "pe1", "uni1")
    assert first.tx_octets == 10_000_000
    assert first.rx_octets == pytest.approx(9_900_000, rel=1e-6)
    assert first.tx_frames == 10_000
    twin.fail_link("pe1", "p1")
    clock.now += 10
    twin.restore_link("pe1", "p1")
    second = manager.counters("svc-1", "pe1", "uni1")
    assert second.tx_octets == 20_000_000
    assert second.rx_octets == first.rx_octets


def test_status_lists_elements_links_and_constructs_as_json(manager: ElementManager, twin: NetworkTwin) -> None:
    manager.apply_many(path_fcs())
    status = json.loads(json.dumps(twin.status()))
    pe1 = next(e for e in status["elements"] if e["name"] == "pe1")
    assert pe1["forwardingConstructs"][0]["id"] == "svc-1"
    assert pe1["commits"] == 1
    assert {"a": "pe1:nni", "b": "p1:west"}.items() <= status["links"][0].items()


def test_a_port_based_end_point_takes_any_vlan(manager: ElementManager) -> None:
    items = path_fcs()
    items[2] = ("pe2", fc("svc-1", ("nni", None), ("uni1", None)))
    manager.apply_many(items)
    assert manager.measure("svc-1", "pe1", "uni1").reachable
    assert manager.measure("svc-1", "pe2", "uni1").reachable


def test_a_link_that_lost_capacity_lowers_the_measured_rate(manager: ElementManager, twin: NetworkTwin) -> None:
    manager.apply_many(path_fcs(cir_kbps=300_000))
    assert manager.measure("svc-1", "pe1", "uni1").throughput_mbps == pytest.approx(300 * 0.99)
    twin.degrade_link("p1", "pe2", capacity_mbps=100)
    assert manager.measure("svc-1", "pe1", "uni1").throughput_mbps == pytest.approx(100 * 0.99)
    twin.degrade_link("p1", "pe2", capacity_mbps=400)
    assert manager.measure("svc-1", "pe1", "uni1").throughput_mbps == pytest.approx(300 * 0.99)


def test_constructs_that_together_offer_more_than_a_link_carries_share_it(manager: ElementManager,
                                                                         twin: NetworkTwin) -> None:
    manager.apply_many(path_fcs("svc-1", vlan=100, cir_kbps=300_000) + path_fcs("svc-2", vlan=200, cir_kbps=100_000))
    # 400 Mbit/s offered on a 400 Mbit/s link: each gets what it offers
    assert manager.measure("svc-1", "pe1", "uni1").throughput_mbps == pytest.approx(300 * 0.99)
    twin.degrade_link("p1:east", "pe2:nni", capacity_mbps=200)
    # 200 Mbit/s left, shared 3:1 as offered
    assert manager.measure("svc-1", "pe1", "uni1").throughput_mbps == pytest.approx(150 * 0.99)
    assert manager.measure("svc-2", "pe2", "uni1").throughput_mbps == pytest.approx(50 * 0.99)


def test_excess_rate_fills_what_committed_traffic_leaves(manager: ElementManager, twin: NetworkTwin) -> None:
    # CIR 0 + EIR 200 (the MEF 125 EVPL examples): nothing committed, yet the traffic gets through
    manager.apply_many(path_fcs("svc-1", vlan=100, cir_kbps=0, eir_kbps=200_000)
                       + path_fcs("svc-2", vlan=200, cir_kbps=100_000, eir_kbps=300_000))
    # the 400 Mbit/s link: svc-2's 100 green first, then 300 left for 500 of yellow, shared 2:3
    assert manager.measure("svc-1", "pe1", "uni1").throughput_mbps == pytest.approx(120 * 0.99)
    assert manager.measure("svc-2", "pe2", "uni1").throughput_mbps == pytest.approx((100 + 180) * 0.99)
    twin.degrade_link("p1:east", "pe2:nni", capacity_mbps=100)  # green takes it all: no yellow gets through
    assert manager.measure("svc-1", "pe1", "uni1").throughput_mbps == pytest.approx(0)
    assert manager.measure("svc-2", "pe2", "uni1").throughput_mbps == pytest.approx(100 * 0.99)


def test_excess_rate_is_capped_by_the_profile_where_links_have_room(manager: ElementManager) -> None:
    manager.apply_many(path_fcs(cir_kbps=50_000, eir_kbps=100_000))
    assert manager.measure("svc-1", "pe1", "uni1").throughput_mbps == pytest.approx(150 * 0.99)


def test_a_watcher_wakes_when_a_fault_changes_and_not_before(manager: ElementManager, twin: NetworkTwin) -> None:
    seen = manager.wait_for_fault_change(-1, 0)
    assert manager.wait_for_fault_change(seen, 0.01) == seen  # nothing changed: the wait times out
    twin.fail_element("p1")
    assert manager.wait_for_fault_change(seen, 10) == seen + 1
