"""The link queue model and the simulation clock."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cadenza.ecm.queueing import overflow, queue_frames, waiting_ms
from cadenza.ecm.sim_clock import SimClock


def test_a_full_buffer_at_capacity_drops_one_frame_in_k_plus_one() -> None:
    assert overflow(np.array([1.0]), np.array([99.0]))[0] == pytest.approx(1 / 100)


def test_twice_the_capacity_drops_about_half() -> None:
    assert overflow(np.array([2.0]), np.array([1000.0]))[0] == pytest.approx(0.5, rel=1e-6)


def test_a_lightly_loaded_link_drops_nothing_and_queues_little() -> None:
    # M/M/1 with a large buffer: N = rho / (1 - rho) = 1 at rho 0.5
    assert overflow(np.array([0.5]), np.array([1000.0]))[0] < 1e-12
    assert queue_frames(np.array([0.5]), np.array([1000.0]))[0] == pytest.approx(1.0)
    # 125 frames/ms served (1 Gbit/s of 1000-octet frames), 62.5 arriving: W = N / lambda = 1 / 62.5 ms
    assert waiting_ms(np.array([0.5]), np.array([1250.0]), np.array([125.0]))[0] == pytest.approx(0.016)


def test_an_overloaded_queue_holds_nearly_its_whole_buffer() -> None:
    k = 1250.0  # 10 ms at 1 Gbit/s
    assert queue_frames(np.array([1.5]), np.array([k]))[0] == pytest.approx(k - 2.0, rel=1e-6)  # K - N(1/1.5)
    assert waiting_ms(np.array([1.5]), np.array([k]), np.array([125.0]))[0] == pytest.approx(10.0, rel=0.01)


def test_the_clock_runs_at_its_scale_and_advances_on_demand() -> None:
    wall = [1000.0]
    clock = SimClock(scale=900, wall=lambda: wall[0])
    wall[0] += 2
    assert clock.now() == pytest.approx(1000 + 1800)
    clock.advance(60)
    assert clock.now() == pytest.approx(1000 + 1860)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_a_stopped_clock_moves_only_when_advanced() -> None:
    wall = [1000.0]
    clock = SimClock(scale=0, wall=lambda: wall[0])
    wall[0] += 100
    assert clock.now() == 1000
    assert clock.advance(900) == 1900


def test_a_new_scale_takes_effect_from_now_without_a_jump() -> None:
    wall = [0.0]
    clock = SimClock(scale=10, wall=lambda: wall[0])
    wall[0] = 5
    clock.set_scale(1)
    assert clock.now() == 50
    wall[0] = 6
    assert clock.now() == 51


def test_the_clock_keeps_its_place_across_a_restart(tmp_path: Path) -> None:
    wall = [0.0]
    state = tmp_path / "clock.json"
    first = SimClock(scale=60, state_path=state, wall=lambda: wall[0])
    first.advance(3600)
    wall[0] = 10  # the process dies here; time goes on
    second = SimClock(scale=60, state_path=state, wall=lambda: wall[0])
    assert second.now() == 3600 + 600
    third = SimClock(scale=1, state_path=state, wall=lambda: wall[0])  # restarted at another scale
    wall[0] = 20
    assert third.now() == 3600 + 600 + 10
