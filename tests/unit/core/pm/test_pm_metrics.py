"""MEF 10.4 §8.8 metrics against cases worked out by hand (the arithmetic is in each test)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cadenza.core.pm.metrics import (
    DeltaTBatch,
    DeltaTSeries,
    MetricPlan,
    availability_states,
    consecutive_high_loss,
    frame_loss_ratio,
    high_loss,
    measure,
    percentile_of,
    probe_lag,
)

NAN = np.nan


def _h(pattern: str) -> np.ndarray:
    """'..HH.' → high loss where H."""
    return np.array([c == "H" for c in pattern])


def _a(states: np.ndarray) -> str:
    return "".join("A" if s else "u" for s in states)


def _series(pattern: str, *, delays: list[list[float]] | None = None, maintenance: str | None = None,
            tx: int = 10) -> DeltaTSeries:
    """A Δt per character: H loses every frame, anything else none."""
    rx = [0 if c == "H" else tx for c in pattern]
    probes = delays if delays is not None else [[1.0] for _ in pattern]
    return DeltaTSeries(0.0, 10.0, [tx] * len(pattern), rx, probes,
                        None if maintenance is None else [c == "M" for c in maintenance])


def test_flr_of_a_delta_t_is_the_lost_fraction_and_zero_when_nothing_was_offered() -> None:
    # (100 − 97)/100 = 0.03; tx = 0 → 0; (50 − 50)/50 = 0
    assert frame_loss_ratio(np.array([100, 0, 50]), np.array([97, 0, 50])).tolist() == [0.03, 0.0, 0.0]


def test_high_loss_is_strictly_above_c() -> None:
    # flr = 0.02, 0.03, 0 (tx = 0) against C = 0.02: only 0.03 > C
    assert high_loss(np.array([100, 100, 0]), np.array([98, 97, 0]), threshold_c=0.02).tolist() == [False, True,
                                                                                                   False]


@pytest.mark.parametrize(("pattern", "expected"), [
    ("..HH....", "AAAAAAAA"),  # n − 1 = 2 high-loss Δt's: never a full window, stays available
    ("..HHH....", "AAuuuAAAA"),  # n = 3: unavailable from the first of the three, available again at once
    ("..HHHH....", "AAuuuuAAAA"),  # n + 1 = 4
    ("HHH..H....", "uuuuuuAAAA"),  # recovery needs 3 low-loss Δt's: '..H' and '.H.' do not recover
])
def test_availability_changes_only_after_n_disagreeing_delta_ts_and_from_the_first_of_them(
        pattern: str, expected: str) -> None:
    states = availability_states(_h(pattern), consecutive_n=3)
    assert _a(states.available) == expected
    assert states.final.all()  # every pattern ends with 3+ Δt's agreeing with the state


def test_a_high_loss_run_straddling_the_end_of_the_series_is_provisional() -> None:
    # n = 3; the windows starting at Δt_4 and Δt_5 run past the end and both still lie within a
    # possible run of 3: they are provisional, and a third high-loss Δt does turn them unavailable
    states = availability_states(_h("....HH"), consecutive_n=3)
    assert _a(states.available) == "AAAAAA"
    assert states.final.tolist() == [True, True, True, True, False, False]
    longer = availability_states(_h("....HHH"), consecutive_n=3)
    assert _a(longer.available) == "AAAAuuu"


def test_only_the_trailing_delta_ts_that_disagree_with_the_settled_state_are_provisional() -> None:
    # n = 4, 9 Δt's: the last complete window starts at Δt_5 (Δt_5..8 = '.H.H', no change), so the
    # state settled is available. Δt_6, Δt_7 have incomplete windows holding the low-loss Δt_7:
    # those windows can never be all high, so they are final. Only Δt_8 could still start a run.
    assert availability_states(_h("......H.H"), consecutive_n=4).final.tolist() == [True] * 8 + [False]
    # unavailable from Δt_0; the trailing '..' are 2 of the 4 low-loss Δt's a recovery needs, and
    # it would take effect from Δt_4: provisional. Δt_3 (high loss, agreeing) is final.
    recovering = availability_states(_h("HHHH.."), consecutive_n=4)
    assert _a(recovering.available) == "uuuuuu"
    assert recovering.final.tolist() == [True, True, True, True, False, False]
    all_high = availability_states(_h("HHHHHHHHHH"), consecutive_n=4)  # unavailable and agreeing: all final
    assert _a(all_high.available) == "u" * 10 and all_high.final.all()


def test_a_series_shorter_than_n_starts_available_and_stays_provisional_where_it_could_still_change() -> None:
    states = availability_states(_h("HH"), consecutive_n=3)
    assert _a(states.available) == "AA" and states.final.tolist() == [False, False]
    assert availability_states(_h(".H"), consecutive_n=3).final.tolist() == [True, False]


def _reference_availability(high: np.ndarray, n: int) -> list[bool]:
    """MEF 10.4 §8.8.7 read literally, one Δt at a time."""
    state, found = True, []
    for k in range(len(high)):
        window = high[k:k + n]
        if len(window) == n and state and window.all():
            state = False
        elif len(window) == n and not state and not window.any():
            state = True
        found.append(state)
    return found


def test_the_vectorised_sliding_window_agrees_with_the_definition_read_one_delta_t_at_a_time() -> None:
    rng = np.random.default_rng(7)
    changed = 0
    for _ in range(300):
        n = int(rng.integers(1, 6))
        # bursty: runs of random length, so windows of n high-loss Δt's do occur
        high = np.repeat(rng.random(40) < 0.5, rng.integers(1, 2 * n + 1, 40))[:int(rng.integers(1, 60))]
        expected = _reference_availability(high, n)
        assert availability_states(high, consecutive_n=n).available.tolist() == expected
        changed += not all(expected)
    assert changed > 50  # the comparison saw many unavailable periods, not only all-available series


def test_availability_over_t_leaves_maintenance_delta_ts_out_of_the_ratio() -> None:
    # n = 3, Δt_2..4 high loss → unavailable; without maintenance 7 of 10 available = 70 %;
    # with Δt_0, Δt_1 in maintenance W_T has 8 Δt's of which 5 (Δt_5..9) available = 62.5 %
    plan = MetricPlan(threshold_c=0.5, consecutive_n=3)
    assert measure(_series("..HHH....."), plan).availability_percent == pytest.approx(70.0)
    assert measure(_series("..HHH.....", maintenance="MM........"), plan).availability_percent == pytest.approx(62.5)
    assert np.isnan(measure(_series("...", maintenance="MMM"), plan).availability_percent)


def test_flr_over_t_counts_only_frames_of_available_non_maintenance_delta_ts() -> None:
    plan = MetricPlan(threshold_c=0.5, consecutive_n=2)
    # Δt_2 loses 600 of 1000 (flr 0.6 > C) but one Δt is < n = 2: still available, its frames count:
    # (10 + 0 + 600 + 0) / 4000 = 15.25 %; one HLI
    once = DeltaTSeries(0.0, 10.0, [1000] * 4, [990, 1000, 400, 1000], [[1.0]] * 4)
    assert measure(once, plan).flr_percent == pytest.approx(15.25)
    assert measure(once, plan).hli_count == 1
    # Δt_2, Δt_3 both high: unavailable, excluded: (10 + 0) / 2000 = 0.5 %; no HLI in available time
    twice = DeltaTSeries(0.0, 10.0, [1000] * 4, [990, 1000, 400, 300], [[1.0]] * 4)
    assert measure(twice, plan).flr_percent == pytest.approx(0.5)
    assert measure(twice, plan).hli_count == 0
    # maintenance Δt_0 removes its 10 lost frames: 0 / 1000 = 0 %
    serviced = DeltaTSeries(0.0, 10.0, [1000] * 4, [990, 1000, 400, 300], [[1.0]] * 4, [True, False, False, False])
    assert measure(serviced, plan).flr_percent == 0.0


def test_delta_ts_without_traffic_are_not_high_loss_and_leave_flr_and_delay_unmeasured() -> None:
    plan = MetricPlan(threshold_c=0.5, consecutive_n=2, fd_percentiles=(50.0,))
    idle = DeltaTSeries(0.0, 10.0, [0, 0, 0], [0, 0, 0], [[NAN], [NAN], [NAN]])
    metrics = measure(idle, plan)
    assert metrics.availability_percent == 100.0  # flr = 0 when tx = 0: available
    assert np.isnan(metrics.flr_percent) and np.isnan(metrics.fd_ms[50.0]) and np.isnan(metrics.mean_fd_ms)
    assert metrics.qualified_probes == 0


@pytest.mark.parametrize(("percentile", "expected"), [
    (10.0, 1.0),  # r = ⌈0.1·10⌉ = 1 → the smallest
    (90.0, 9.0),  # r = ⌈9⌉ = 9: exactly 90 % of the delays are ≤ 9 ms
    (90.1, 10.0),  # r = ⌈9.01⌉ = 10: 9 ms would leave only 90 % ≤ d
    (100.0, 10.0),
])
def test_the_percentile_is_the_smallest_measured_delay_with_at_least_p_percent_at_or_below_it(
        percentile: float, expected: float) -> None:
    delays = np.arange(1.0, 11.0)  # 1 … 10 ms
    assert percentile_of(delays, percentile=percentile) == expected


def test_the_percentile_does_not_interpolate_and_survives_binary_rounding_at_an_exact_rank() -> None:
    assert np.percentile(np.arange(1.0, 11.0), 90) == pytest.approx(9.1)  # numpy's default interpolates
    assert percentile_of(np.arange(1.0, 11.0), percentile=90) == 9.0
    # 1.1 % of 3000 is exactly 33, but 1.1 * 3000 / 100 is 33.00000000000001 in binary: ⌈⌉ would give 34
    assert math.ceil(1.1 * 3000 / 100) == 34
    assert percentile_of(np.arange(1.0, 3001.0), percentile=1.1) == 33.0


def test_lost_probes_are_left_out_of_the_delay_metrics() -> None:
    # delivered 5, 1, 3 (one lost): sorted 1, 3, 5; P50: r = ⌈1.5⌉ = 2 → 3 ms; mean (1+3+5)/3 = 3 ms;
    # range P100: 5 − 1 = 4 ms
    plan = MetricPlan(threshold_c=0.5, consecutive_n=2, fd_percentiles=(50.0,), fdr_percentiles=(100.0,))
    metrics = measure(DeltaTSeries(0.0, 10.0, [4], [3], [[5.0, NAN, 1.0, 3.0]]), plan)
    assert metrics.fd_ms[50.0] == 3.0
    assert metrics.mean_fd_ms == pytest.approx(3.0)
    assert metrics.fdr_ms[100.0] == 4.0
    assert metrics.qualified_probes == 3
    assert np.isnan(percentile_of(np.array([NAN, NAN]), percentile=50))


def test_delays_of_unavailable_or_maintenance_delta_ts_are_not_qualified() -> None:
    # n = 2: Δt_1, Δt_2 high loss → unavailable; Δt_3 in maintenance; only Δt_0 (2 ms) and Δt_4 (4 ms)
    plan = MetricPlan(threshold_c=0.5, consecutive_n=2, fd_percentiles=(100.0,))
    series = _series(".HH..", delays=[[2.0], [90.0], [80.0], [70.0], [4.0]], maintenance="...M.")
    metrics = measure(series, plan)
    assert metrics.fd_ms[100.0] == 4.0 and metrics.mean_fd_ms == 3.0 and metrics.qualified_probes == 2


def test_ifdv_pairs_probes_sent_delta_tau_apart_across_delta_t_borders_and_skips_lost_ones() -> None:
    # probes in send order 1, 2, 4 | 7, lost, 8 (m = 3 per Δt)
    # lag 1: |2−1| = 1, |4−2| = 2, |7−4| = 3, (7, lost) and (lost, 8) dropped → P50 r = ⌈1.5⌉ = 2 → 2 ms
    # lag 2: |4−1| = 3, |7−2| = 5, (4, lost) dropped, |8−7| = 1 → P100 → 5 ms
    plan = MetricPlan(threshold_c=0.5, consecutive_n=2, ifdv=((50.0, 1), (100.0, 2)))
    series = DeltaTSeries(0.0, 3.0, [3, 3], [3, 2], [[1.0, 2.0, 4.0], [7.0, NAN, 8.0]])
    metrics = measure(series, plan)
    assert metrics.ifdv_ms[(50.0, 1)] == 2.0
    assert metrics.ifdv_ms[(100.0, 2)] == 5.0


def test_delta_tau_must_be_a_whole_number_of_probe_spacings() -> None:
    assert probe_lag(1.0, probe_spacing_s=0.1) == 10
    with pytest.raises(ValueError, match="not a whole number"):
        probe_lag(0.25, probe_spacing_s=0.1)


def test_chli_counts_every_delta_t_of_a_run_of_at_least_p_high_loss_delta_ts_in_available_time() -> None:
    # n = 5 keeps every run below available. H H . H H H . H: HLI = 6;
    # p = 2: runs of 2 and 3 → 2 + 3 = 5; p = 3: only the run of 3 → 3; p = 4: none
    counted = _h("HH.HHH.H")
    assert consecutive_high_loss(counted, p=2).sum() == 5
    assert consecutive_high_loss(counted, p=3).tolist() == [False] * 3 + [True] * 3 + [False] * 2
    plan = MetricPlan(threshold_c=0.5, consecutive_n=5, chli_p=(2, 3, 4))
    metrics = measure(_series("HH.HHH.H"), plan)
    assert metrics.hli_count == 6
    assert {p: int(v) for p, v in metrics.chli_count.items()} == {2: 5, 3: 3, 4: 0}


def test_a_maintenance_delta_t_ends_a_chli_run() -> None:
    # the run of 3 (Δt_3..5) is cut by maintenance at Δt_4 into two runs of 1: p = 2 counts only Δt_0, Δt_1
    plan = MetricPlan(threshold_c=0.5, consecutive_n=5, chli_p=(2,))
    metrics = measure(_series("HH.HHH.H", maintenance="....M..."), plan)
    assert metrics.hli_count == 5 and metrics.chli_count[2] == 2


def test_availability_is_decided_over_the_whole_series_before_it_is_split_into_intervals() -> None:
    # n = 3, T = 3 Δt's; H at Δt_2..4: Δt_2 in the first T is unavailable because of Δt_3, Δt_4
    # in the second; Δt_5..7 recover from Δt_5: T_0 2/3 = 66.7 %, T_1 1/3 = 33.3 %, T_2 100 %
    plan = MetricPlan(threshold_c=0.5, consecutive_n=3)
    metrics = measure(_series("..HHH...."), plan, interval_len=3)
    assert metrics.availability_percent == pytest.approx([200 / 3, 100 / 3, 100.0])
    with pytest.raises(ValueError, match="do not split"):
        measure(_series("..HHH."), plan, interval_len=4)


def test_an_interval_with_a_provisional_delta_t_is_not_final() -> None:
    plan = MetricPlan(threshold_c=0.5, consecutive_n=3)
    assert measure(_series(".....H"), plan, interval_len=3).final.tolist() == [True, False]


def test_a_series_refuses_counters_that_cannot_be() -> None:
    with pytest.raises(ValueError, match="rx_frames <= tx_frames"):
        DeltaTSeries(0.0, 10.0, [5], [6], [[1.0]])
    with pytest.raises(ValueError, match="delays_ms"):
        DeltaTSeries(0.0, 10.0, [5, 5], [5, 5], [[1.0]])
    with pytest.raises(ValueError, match="one Δt grid"):
        DeltaTBatch.of([DeltaTSeries(0.0, 10.0, [5], [5], [[1.0]]), DeltaTSeries(10.0, 10.0, [5], [5], [[1.0]])])


def _random_series(rng: np.random.Generator, k: int, m: int) -> DeltaTSeries:
    tx = rng.integers(0, 50, k)
    lossy = np.repeat(rng.random(k) < 0.3, rng.integers(1, 6, k))[:k]
    rx = np.where(lossy, rng.integers(0, 10, k), tx)
    rx = np.minimum(rx, tx)
    delays = rng.gamma(2.0, 2.0, (k, m))
    delays[rng.random((k, m)) < 0.1] = NAN
    return DeltaTSeries(0.0, 10.0, tx, rx, delays, rng.random(k) < 0.05)


def test_the_batch_path_agrees_with_the_single_series_path_on_random_inputs() -> None:
    rng = np.random.default_rng(2026)
    series = [_random_series(rng, 24, 5) for _ in range(40)]
    plan = MetricPlan(threshold_c=0.3, consecutive_n=3, fd_percentiles=(50.0, 99.9), fdr_percentiles=(95.0,),
                      ifdv=((99.0, 1), (50.0, 7)), chli_p=(2,))
    batch = measure(DeltaTBatch.of(series), plan, interval_len=6)
    assert batch.availability_percent.shape == (40, 4)
    for index, one in enumerate(series):
        alone = measure(one, plan, interval_len=6)
        for name in ("availability_percent", "flr_percent", "hli_count", "mean_fd_ms", "final", "qualified_probes"):
            np.testing.assert_array_equal(getattr(batch, name)[index], getattr(alone, name), err_msg=name)
        for name in ("fd_ms", "fdr_ms", "ifdv_ms", "chli_count"):
            for key, values in getattr(batch, name).items():
                np.testing.assert_array_equal(values[index], getattr(alone, name)[key], err_msg=f"{name} {key}")
    # the inputs exercised what they should: unavailable time, CHLIs and unmeasured intervals
    assert (batch.availability_percent < 100).any() and (batch.chli_count[2] > 0).any()
    assert (batch.hli_count > 0).any()


def test_a_series_reads_the_callers_arrays_without_copying_them_and_cannot_change_them() -> None:
    tx, rx = np.array([10, 10], dtype=np.int64), np.array([9, 10], dtype=np.int64)
    delays = np.array([[1.0, 2.0], [3.0, np.nan]])
    series = DeltaTSeries(0.0, 1.0, tx, rx, delays)
    assert np.shares_memory(series.delays_ms, delays) and np.shares_memory(series.tx_frames, tx)
    with pytest.raises(ValueError):
        series.delays_ms[0, 0] = 5.0
    assert delays.flags.writeable and tx.flags.writeable  # the caller's arrays are still its own
    converted = DeltaTSeries(0.0, 1.0, [10, 10], [9, 10], delays.astype(np.float32))
    assert converted.delays_ms.dtype == np.float64 and not converted.delays_ms.flags.writeable


def test_the_picks_of_high_percentiles_from_partitioned_rows_are_those_of_sorted_rows() -> None:
    from cadenza.core.pm.metrics import _rank_pick, _rank_picks

    rng = np.random.default_rng(8)
    values = np.round(rng.gamma(9.0, 0.4, (400, 900)), 3)
    values[rng.random(values.shape) < 0.01] = np.nan  # lost probes, sorted last
    values[3] = np.nan  # a row of nothing
    values[4, 5:] = np.nan  # a row of five values
    values[5, :] = 7.0  # ties
    count = np.sum(~np.isnan(values), axis=-1)
    ordered = np.sort(values, axis=-1)
    for percentiles in [(99.9,), (99.0, 99.9), (50.0, 99.0), (100.0,), (0.5,)]:
        picked = _rank_picks(values, count, percentiles)
        for p in percentiles:
            assert np.array_equal(picked[p], _rank_pick(ordered, count, p), equal_nan=True)
    assert np.isnan(_rank_picks(values, count, (99.0,))[99.0][3]) and not np.isnan(values[0]).all()
