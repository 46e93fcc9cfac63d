"""An interval's MEF 10.4 metrics against the SLS objectives: one pair with sentences, many as a matrix."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cadenza.core.pm.metrics import DeltaTBatch, DeltaTSeries, measure
from cadenza.sof.sls.assessment import assess, breach_matrix, metric_columns, objective_columns
from cadenza.sof.sls.objectives import CosObjectives, RatioObjective, offering_defaults, parse_sls

DEFAULT = offering_defaults().by_cos["default"]  # Δt 10 s, C 0.5, n 10; FD99.9 10 ms, MFD 5, FLR 0.1 %, A 99.95 %


def _quarter_hour(*, rx: list[int] | None = None, delay_ms: float = 4.0, maintenance: list[bool] | None = None
                  ) -> DeltaTSeries:
    """90 Δt's of 10 s = 15 min, 1000 frames offered in each, 2 delay probes per Δt."""
    return DeltaTSeries(0.0, 10.0, [1000] * 90, rx if rx is not None else [1000] * 90,
                        np.full((90, 2), delay_ms), maintenance)


def _by_metric(cos: CosObjectives, series: DeltaTSeries, **options: object) -> dict[str, object]:
    metrics = measure(series, cos.plan(probe_spacing_s=series.probe_spacing_s))
    return {a.metric: a for a in assess(cos, metrics, interval_s=900, **options)}


def test_a_frame_loss_ratio_above_its_objective_is_a_breach_told_in_a_sentence() -> None:
    # 23 of 1000 lost in each Δt (flr 0.023 < C, all available): (23 · 90) / (1000 · 90) = 2.3 %
    found = _by_metric(DEFAULT, _quarter_hour(rx=[977] * 90))
    flr = found["oneWayFrameLossRatioPmMetric"]
    assert (flr.status, flr.value, flr.objective) == ("breached", pytest.approx(2.3), 0.1)
    assert flr.sentence == "CoS default: frame loss ratio 2.3 % over 15 min exceeds the objective 0.1 %"
    assert found["oneWayFrameDelayPmMetric"].status == "met"  # every probe 4 ms ≤ 10 ms
    assert found["oneWayFrameDelayPmMetric"].sentence == ("CoS default: frame delay (99.9th percentile) 4 ms over "
                                                          "15 min meets the objective 10 ms")
    assert found["oneWayAvailabilityPmMetric"].status == "met"


def test_availability_below_its_objective_is_a_breach_and_a_value_equal_to_the_objective_is_met() -> None:
    # 10 Δt's losing everything = n: unavailable 10 of 90 → 80/90 = 88.889 %; FD exactly 10 ms: met
    rx = [1000] * 90
    rx[30:40] = [0] * 10
    found = _by_metric(DEFAULT, _quarter_hour(rx=rx, delay_ms=10.0))
    availability = found["oneWayAvailabilityPmMetric"]
    assert availability.breached and availability.value == pytest.approx(800 / 9)
    assert availability.sentence == ("CoS default: availability 88.889 % over 15 min is below the objective "
                                     "99.95 %")
    assert found["oneWayFrameDelayPmMetric"].status == "met" and found["oneWayFrameDelayPmMetric"].value == 10.0
    assert found["oneWayFrameLossRatioPmMetric"].status == "met"  # the lost frames were in unavailable time


def test_an_interval_all_in_maintenance_is_unmeasured_not_breached() -> None:
    found = _by_metric(DEFAULT, _quarter_hour(rx=[0] * 90, maintenance=[True] * 90))
    assert {a.status for a in found.values()} == {"unmeasured"}
    assert not any(a.breached for a in found.values())
    assert found["oneWayAvailabilityPmMetric"].sentence.startswith(
        "CoS default: availability over 15 min was not measured")


def test_only_objectives_for_the_assessed_pair_apply() -> None:
    cos = CosObjectives("gold", 10, 0.5, 10, availability=(RatioObjective(99.9, (("A", "B"),)),),
                        frame_loss_ratio=(RatioObjective(0.1, ()),))
    assert set(_by_metric(cos, _quarter_hour(), pair=("A", "B"))) == {"oneWayAvailabilityPmMetric",
                                                                     "oneWayFrameLossRatioPmMetric"}
    other = _by_metric(cos, _quarter_hour(), pair=("B", "A"))
    assert set(other) == {"oneWayFrameLossRatioPmMetric"}
    assert other["oneWayFrameLossRatioPmMetric"].sentence.startswith("CoS gold, B → A: frame loss ratio 0 %")


def test_an_interval_ending_in_unsettled_availability_says_it_is_provisional() -> None:
    rx = [1000] * 90
    rx[85:] = [0] * 5  # 5 high-loss Δt's at the end: fewer than n = 10, the next Δt's decide
    found = _by_metric(DEFAULT, _quarter_hour(rx=rx))
    availability = found["oneWayAvailabilityPmMetric"]
    assert not availability.final and availability.status == "met"
    assert availability.sentence.endswith("(provisional: availability of the last Δt's is not settled yet)")


def test_an_ifdv_objective_needs_the_probe_spacing_to_find_its_metric() -> None:
    sls = parse_sls({"slsCosNameEntry": [{
        "cosName": "rt", "deltaT": 10, "thresholdC": 0.5, "consecutiveIntervalN": 10,
        "oneWayInterFrameDelayVariationPmMetric": [{
            "timeDuration": {"timeDurationValue": 5, "timeDurationUnits": "SEC"}, "oneWayIfdvPencentile": 50,
            "oneWayIfdvObjective": {"timeDurationValue": 1, "timeDurationUnits": "MS"},
            "orderedPairList": [{"fromCarrierEthernetServiceEndPoint": "A", "toCarrierEthernetServiceEndPoint": "B"}]}],
    }]})
    cos = sls.by_cos["rt"]
    # probes every 5 s; delays alternate 4, 6 ms across the series: |Δd| = 2 ms for every pair 5 s apart
    series = DeltaTSeries(0.0, 10.0, [10] * 90, [10] * 90, np.tile([4.0, 6.0], (90, 1)))
    metrics = measure(series, cos.plan(probe_spacing_s=5.0))
    with pytest.raises(ValueError, match="probe_spacing_s"):
        assess(cos, metrics, interval_s=900)
    [ifdv] = assess(cos, metrics, interval_s=900, probe_spacing_s=5.0)
    assert ifdv.breached and ifdv.value == 2.0
    assert ifdv.sentence == ("CoS rt: inter-frame delay variation (50th percentile, Δτ 5 s) 2 ms over 15 min "
                             "exceeds the objective 1 ms")


def test_the_breach_matrix_compares_upper_and_lower_bounds_and_never_breaches_on_nan() -> None:
    # columns: FLR % (at most), availability % (at least); 2 services × 2 intervals
    values = np.array([[[0.05, 99.99], [0.2, 99.9]],
                       [[np.nan, 99.95], [0.1, np.nan]]])
    objectives = np.array([[0.1, 99.95],
                           [0.1, np.nan]])  # service 1 has no availability objective
    breached = breach_matrix(values, objectives, at_least=np.array([False, True]))
    assert breached.tolist() == [[[False, False], [True, True]],  # 0.2 > 0.1; 99.9 < 99.95
                                 [[False, False], [False, False]]]  # NaN value; 0.1 = 0.1 is met; NaN objective


def test_the_batch_breach_matrix_agrees_with_one_assessment_at_a_time() -> None:
    rng = np.random.default_rng(11)
    s, k = 25, 36
    tx = rng.integers(0, 2000, (s, k))
    rx = tx - np.where(rng.random((s, k)) < 0.2, rng.integers(0, 1200, (s, k)), rng.integers(0, 3, (s, k)))
    delays = rng.gamma(3.0, 2.5, (s, k, 4))
    delays[rng.random((s, k, 4)) < 0.05] = np.nan
    batch = DeltaTBatch(0.0, 10.0, tx, np.maximum(rx, 0), delays, rng.random((s, k)) < 0.03)
    cos = replace(DEFAULT, consecutive_n=3)
    metrics = measure(batch, cos.plan(probe_spacing_s=batch.probe_spacing_s), interval_len=9)
    names, objectives, at_least = objective_columns(cos)
    values = metric_columns(cos, metrics)
    assert values.shape == (s, 4, len(names))
    breached = breach_matrix(values, np.tile(objectives, (s, 1)), at_least=at_least)
    one_at_a_time = np.array([[[a.breached for a in assess(cos, metrics, interval_s=90, at=(i, t))]
                               for t in range(4)] for i in range(s)])
    np.testing.assert_array_equal(breached, one_at_a_time)
    assert breached.any() and not breached.all()  # both outcomes occur, so the comparison means something
