"""The twin's traffic over simulated time: policing, queueing, faults, and the same figures for the same seed."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from ecm_chain import FakeClock, chain, path_fcs

from cadenza.ecm.demand import Demand
from cadenza.ecm.manager import ElementManager
from cadenza.ecm.scale_driver import ScaleDriver
from cadenza.ecm.settings import EcmSettings
from cadenza.ecm.traffic import FlowKey
from cadenza.ecm.twin import NetworkTwin

A_TO_Z: FlowKey = ("svc-1", "pe1", "uni1")
Z_TO_A: FlowKey = ("svc-1", "pe2", "uni1")
FRAMES_PER_MBPS_STEP = 125 * 10  # 1000-octet frames of 1 Mbit/s over a 10 s step


def _landscape(seed: int = 1) -> tuple[NetworkTwin, ElementManager, FakeClock]:
    clock = FakeClock(1_000_000.0)
    settings = chain().model_dump()
    settings["twin"]["traffic"] = {"seed": seed}
    twin = NetworkTwin(EcmSettings.model_validate(settings), clock=clock)
    manager = ElementManager(ScaleDriver(twin.elements, twin), twin, workers=2)
    return twin, manager, clock


@pytest.fixture
def running() -> Iterator[tuple[NetworkTwin, ElementManager, FakeClock]]:
    twin, manager, clock = _landscape()
    manager.apply_many(path_fcs(cir_kbps=100_000, eir_kbps=50_000))
    yield twin, manager, clock
    manager.close()


def test_both_directions_of_a_configured_service_carry_traffic_from_the_step_after_its_commit(running) -> None:
    twin, _, clock = running
    clock.now += 600
    assert twin.traffic.flows() == [A_TO_Z, Z_TO_A]
    steps = twin.traffic.steps(A_TO_Z)
    assert steps.steps[0] == 100_000  # committed at t = 1 000 000 s: the first whole step after it
    assert len(steps.steps) == 60
    assert (steps.offered > 0).all()
    assert steps.egress == ("pe2", "uni1")


def test_policing_makes_green_up_to_the_cir_yellow_up_to_the_eir_and_drops_the_rest(running) -> None:
    twin, _, clock = running
    twin.traffic.set_demand("svc-1", Demand(offered_mbps=200))  # CIR 100, EIR 50
    clock.now += 100
    steps = twin.traffic.steps(A_TO_Z)
    assert steps.green == pytest.approx(100 * FRAMES_PER_MBPS_STEP)
    assert steps.yellow == pytest.approx(50 * FRAMES_PER_MBPS_STEP)
    assert steps.red == pytest.approx(50 * FRAMES_PER_MBPS_STEP)
    # the 1 % loss of link pe1-p1 takes its part of both colours; nothing else is congested
    assert steps.rx_green == pytest.approx(steps.green * 0.99, rel=1e-6)


def test_the_same_seed_gives_the_same_figures_however_the_steps_were_read() -> None:
    figures = []
    for reads in (1, 36):
        twin, manager, clock = _landscape(seed=7)
        manager.apply_many(path_fcs(cir_kbps=100_000))
        for _ in range(reads):
            clock.now += 3600 / reads
            twin.traffic.steps(A_TO_Z)
        steps = twin.traffic.steps(A_TO_Z)
        figures.append((steps.offered, steps.rx_green, steps.delays_ms))
        manager.close()
    np.testing.assert_array_equal(figures[0][0], figures[1][0])
    np.testing.assert_array_equal(figures[0][1], figures[1][1])
    np.testing.assert_array_equal(figures[0][2], figures[1][2])


def test_another_seed_gives_other_figures() -> None:
    offered = []
    for seed in (1, 2):
        twin, manager, clock = _landscape(seed=seed)
        manager.apply_many(path_fcs(cir_kbps=100_000))
        clock.now += 600
        offered.append(twin.traffic.steps(A_TO_Z).offered)
        manager.close()
    assert not np.array_equal(offered[0], offered[1])


def test_congestion_caused_on_purpose_raises_delay_and_loss(running) -> None:
    twin, manager, clock = running
    clock.now += 600
    calm = twin.traffic.steps(A_TO_Z)
    # a second service pushing 380 Mbit/s into the 400 Mbit/s link p1-pe2
    manager.apply_many(path_fcs("svc-2", vlan=200, cir_kbps=400_000))
    twin.traffic.set_demand("svc-2", Demand(offered_mbps=380))
    twin.traffic.set_demand("svc-1", Demand(offered_mbps=100))
    clock.now += 600
    busy = twin.traffic.steps(A_TO_Z, since=clock.now - 300)
    calm_delay, busy_delay = np.nanmean(calm.delays_ms), np.nanmean(busy.delays_ms)
    assert busy_delay > calm_delay + 5  # 480 Mbit/s into 400: the 10 ms buffer stays nearly full
    busy_loss = 1 - busy.rx_green.sum() / busy.green.sum()
    calm_loss = 1 - calm.rx_green.sum() / calm.green.sum()
    assert calm_loss == pytest.approx(0.01, abs=1e-4)
    assert busy_loss > 0.1  # 80 of 480 Mbit/s do not fit
    _, utilisation = twin.traffic.link_utilisation(since=clock.now - 300)
    assert utilisation[:, 2].max() == pytest.approx(480 / 400)  # p1 -> pe2 is the second link's a-to-b


def test_yellow_frames_are_dropped_before_green_ones(running) -> None:
    twin, manager, clock = running
    manager.apply_many(path_fcs("svc-2", vlan=200, cir_kbps=300_000))
    twin.traffic.set_demand("svc-2", Demand(offered_mbps=300))
    twin.traffic.set_demand("svc-1", Demand(offered_mbps=150))  # 100 green + 50 yellow: 450 into 400
    clock.now += 300
    steps = twin.traffic.steps(A_TO_Z, since=clock.now - 200)
    yellow_loss = 1 - steps.rx_yellow.sum() / steps.yellow.sum()
    green_loss = 1 - steps.rx_green.sum() / steps.green.sum()
    assert yellow_loss > 0.9
    assert green_loss < 0.02


def test_a_failed_link_delivers_nothing_from_the_step_it_failed_in(running) -> None:
    twin, _, clock = running
    clock.now += 100
    twin.fail_link("pe1", "p1")
    clock.now += 100
    steps = twin.traffic.steps(A_TO_Z)
    before, during = steps.steps < 100_010, steps.steps >= 100_010
    assert (steps.rx_green[before] > 0).all()
    assert (steps.rx_green[during] == 0).all() and (steps.green[during] > 0).all()
    assert np.isnan(steps.delays_ms[during]).all()
    assert np.isnan(steps.delays_ms[before]).mean() < 0.05  # the 1 % loss of pe1-p1 takes the odd probe


def test_the_daily_pattern_peaks_at_the_peak_hour() -> None:
    twin, manager, clock = _landscape()
    manager.apply_many(path_fcs(cir_kbps=100_000))
    twin.traffic.set_demand("svc-1", Demand(noise=0, burst_probability=0, amplitude=0.5, mean=0.4, peak_hour=14))
    clock.now = 86_400 * 12 + 14 * 3600 + 600  # 14:10 UTC
    peak = twin.traffic.steps(A_TO_Z).offered[-1]
    clock.now += 12 * 3600  # 02:10 UTC
    trough = twin.traffic.steps(A_TO_Z).offered[-1]
    manager.close()
    assert peak == pytest.approx(100 * 0.4 * 1.5 * FRAMES_PER_MBPS_STEP, rel=1e-3)
    assert trough == pytest.approx(100 * 0.4 * 0.5 * FRAMES_PER_MBPS_STEP, rel=1e-3)


def test_a_demand_on_a_base_rate_does_not_follow_the_cir() -> None:
    """A data-centre interconnect's traffic is what its applications send, whatever CIR was bought."""
    twin, manager, clock = _landscape()
    manager.apply_many(path_fcs(cir_kbps=100_000))
    twin.traffic.set_demand("svc-1", Demand(noise=0, burst_probability=0, amplitude=0, mean=0.5, base_mbps=300))
    clock.now = 86_400 * 12 + 600
    offered = twin.traffic.steps(A_TO_Z).offered[-1]
    manager.close()
    assert offered == pytest.approx(150 * FRAMES_PER_MBPS_STEP, rel=1e-3)  # half of 300, not of the CIR of 100
    with pytest.raises(ValueError, match="base_mbps must be positive"):
        Demand(base_mbps=0)


def test_totals_count_every_step_computed(running) -> None:
    twin, _, clock = running
    clock.now += 300
    steps, totals = twin.traffic.steps(A_TO_Z), twin.traffic.totals(A_TO_Z)
    assert totals.green == pytest.approx(steps.green.sum())
    assert totals.rx_green == pytest.approx(steps.rx_green.sum())


def test_a_demand_set_by_hand_and_the_clock_survive_a_restart_of_the_twin(tmp_path) -> None:
    first = NetworkTwin(chain(persist=True), var_dir=tmp_path)
    manager = ElementManager(ScaleDriver(first.elements, first), first, workers=2)
    manager.apply_many(path_fcs())
    manager.close()
    first.set_clock(scale=0, advance_s=3600)
    first.set_demand("svc-1", {"offeredMbps": 42})
    moment = first.clock()
    again = NetworkTwin(chain(persist=True), var_dir=tmp_path)
    assert again.demand("svc-1")["offeredMbps"] == 42
    assert again.clock() == pytest.approx(moment)
    assert again.sim_clock is not None and again.sim_clock.scale == 1  # the configured scale, from now on
