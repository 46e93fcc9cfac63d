"""The coordinator's sizing rule (thread 10.9 step 3) on hand-computed windows."""

from __future__ import annotations

import pytest

from cadenza.cus.sizing import Band, RateBounds, next_rate

BOUNDS = RateBounds(min_mbps=10, max_mbps=1000, step_mbps=10)
BAND = Band(up_percent=80, down_percent=30, target_percent=50, window=4)


def test_a_window_not_yet_full_decides_nothing() -> None:
    assert next_rate([100, 100, 100], 100, BOUNDS, BAND) is None


def test_inside_the_band_the_rate_stays() -> None:
    assert next_rate([79, 31, 60, 55], 100, BOUNDS, BAND) is None


def test_above_the_band_it_goes_to_the_rate_that_carries_the_mean_at_the_target() -> None:
    # mean 90 % of 100 Mbit/s = 90 Mbit/s carried; at 50 % that needs 180 Mbit/s
    assert next_rate([85, 95, 90, 90], 100, BOUNDS, BAND) == 180


def test_only_the_last_window_counts() -> None:
    assert next_rate([10, 10, 10, 85, 95, 90, 90], 100, BOUNDS, BAND) == 180


def test_a_move_is_at_least_one_step_and_aligned_to_the_steps() -> None:
    band = Band(up_percent=80, down_percent=30, target_percent=79, window=1)
    assert next_rate([81], 100, BOUNDS, band) == 110  # 81/79·100 = 102.5 -> one step, 110
    assert next_rate([81], 105, RateBounds(min_mbps=5, max_mbps=1000, step_mbps=10), band) == 115


def test_below_the_band_it_goes_down_but_never_below_the_floor_or_the_contract() -> None:
    # mean 10 % of 400 = 40 Mbit/s carried; at 50 % that is 80 Mbit/s
    assert next_rate([10, 10, 10, 10], 400, BOUNDS, BAND) == 80
    assert next_rate([10, 10, 10, 10], 400, RateBounds(10, 1000, 10, floor_mbps=150), BAND) == 150
    assert next_rate([0, 0, 0, 0], 400, BOUNDS, BAND) == 10
    assert next_rate([0, 0, 0, 0], 10, BOUNDS, BAND) is None
    assert next_rate([0, 0, 0, 0], 150, RateBounds(10, 1000, 10, floor_mbps=150), BAND) is None


def test_at_the_contracts_maximum_it_stays() -> None:
    assert next_rate([100] * 4, 1000, BOUNDS, BAND) is None
    assert next_rate([100] * 4, 900, BOUNDS, BAND) == 1000


def test_a_band_that_makes_no_sense_is_refused() -> None:
    with pytest.raises(ValueError, match="0 < down < target < up"):
        Band(up_percent=30, down_percent=80)
