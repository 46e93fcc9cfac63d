"""The partner's segment composed with the SP's per interval (sof/performance/partner_compose.py),
checked against figures worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cadenza.core.pm.metrics import IntervalMetrics
from cadenza.sof.performance.partner_compose import compose, percentile_value
from cadenza.sof.performance.service_pm import DirectionPm, SegmentHistory


def _ours() -> DirectionPm:
    """Two intervals (numbers 10 and 11) of the SP's segments, composed already."""
    metrics = IntervalMetrics(
        availability_percent=np.array([100.0, 98.0]), flr_percent=np.array([0.5, 1.0]),
        hli_count=np.array([0.0, 88.0]), mean_fd_ms=np.array([4.0, 5.0]),
        fd_ms={99.9: np.array([6.0, 7.0])}, fdr_ms={99.0: np.array([1.0, 1.5])},
        ifdv_ms={(99.0, 10): np.array([0.4, 0.5])}, chli_count={3: np.array([0.0, 2.0])},
        final=np.array([True, True]), qualified_probes=np.array([900, 900]))
    segment = SegmentHistory("metro", "u-1", {10: {"flr-1-fw-mean": 0.5}, 11: {"flr-1-fw-mean": 1.0}})
    return DirectionPm("a-to-z", [10, 11], metrics, [segment], [40.0, 41.0], [60.0, 61.0])


def _point(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "availabilityPercent": 100.0, "frameLossRatioPercent": 2.0, "meanFrameDelayMs": 1.5,
        "frameDelayMs": {"99.0": 2.0, "99.95": 3.0}, "frameDelayRangeMs": {"99.0": 0.25},
        "interFrameDelayVariationMs": {"(99.9, 1)": 0.1}, "highLossIntervals": 4,
        "consecutiveHighLossIntervals": {"3": 1}, "provisional": False}
    return {**base, **values}


def test_delays_add_delivery_ratios_multiply_and_unavailable_time_adds() -> None:
    composed = compose(_ours(), "partner-b", "ovc-1", {10: _point(), 11: _point(availabilityPercent=97.0)},
                       delta_ts=90)
    m = composed.metrics
    assert m is not None and composed.numbers == [10, 11]
    assert m.mean_fd_ms.tolist() == [5.5, 6.5]                  # 4 + 1.5, 5 + 1.5
    assert m.fd_ms[99.9].tolist() == [9.0, 10.0]                # 6 + the partner's 99.95th (nearest above 99.9)
    assert m.fdr_ms[99.0].tolist() == [1.25, 1.75]
    assert m.ifdv_ms[(99.0, 10)].tolist() == pytest.approx([0.5, 0.6])
    # 1 - 0.995 · 0.98 = 2.49 %; 1 - 0.99 · 0.98 = 2.98 %
    assert m.flr_percent.tolist() == pytest.approx([2.49, 2.98])
    assert m.availability_percent.tolist() == [100.0, 95.0]     # 98 + 97 - 100
    assert m.hli_count.tolist() == [4.0, 90.0]                  # 88 + 4 capped at the 90 Δt's of T
    assert m.chli_count[3].tolist() == [1.0, 3.0]
    assert [s.name for s in composed.segments] == ["metro", "partner-b"]
    assert composed.segments[1].intervals[10]["flr-1-fw-mean"] == 2.0
    assert composed.segments[1].intervals[10]["fd-1-fw-mean"] == 1500.0  # µs, as PRESTO gives ours


def test_only_intervals_both_sides_have_are_kept_and_finality_needs_both() -> None:
    composed = compose(_ours(), "partner-b", "ovc-1", {11: _point(provisional=True)}, delta_ts=90)
    assert composed.numbers == [11]
    assert composed.utilisation_percent == [41.0] and composed.peak_utilisation_percent == [61.0]
    assert composed.metrics is not None and composed.metrics.final.tolist() == [False]
    assert composed.metrics.mean_fd_ms.tolist() == [6.5]


def test_a_figure_the_partner_did_not_measure_leaves_the_service_unmeasured() -> None:
    composed = compose(_ours(), "partner-b", "ovc-1", {10: _point(meanFrameDelayMs=None, frameDelayMs={})},
                       delta_ts=90)
    assert composed.metrics is not None
    assert math.isnan(composed.metrics.mean_fd_ms[0]) and math.isnan(composed.metrics.fd_ms[99.9][0])
    assert composed.metrics.flr_percent[0] == pytest.approx(2.49)


def test_the_partner_percentile_is_the_nearest_at_or_above_else_its_highest() -> None:
    figures = {"99.0": 2.0, "99.95": 3.0, "(99.9, 10)": 9.0}
    assert percentile_value(figures, 99.0) == 2.0
    assert percentile_value(figures, 99.5) == 9.0
    assert percentile_value({"50": 1.0, "90": 2.0}, 99.9) == 2.0
    assert math.isnan(percentile_value({}, 99.9))
