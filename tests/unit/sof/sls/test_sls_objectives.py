"""The SLS objectives read from a product's MEF CarrierEthernetSls, and the errors a person sees."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cadenza.sof.sls.objectives import SlsError, TimeDuration, offering_defaults, parse_sls

PAIRS = [{"fromCarrierEthernetServiceEndPoint": "SP2_ENNI-EP1", "toCarrierEthernetServiceEndPoint": "NewYork_UNI-EP2"},
         {"fromCarrierEthernetServiceEndPoint": "NewYork_UNI-EP2", "toCarrierEthernetServiceEndPoint": "SP2_ENNI-EP1"}]
ONE_WAY = (("SP2_ENNI-EP1", "NewYork_UNI-EP2"), ("NewYork_UNI-EP2", "SP2_ENNI-EP1"))


def _ms(value: int, units: str = "MS") -> dict[str, Any]:
    return {"timeDurationValue": value, "timeDurationUnits": units}


# As a product configuration carries it (a list of at most one), after MEF 106 use case 3, with
# an objective for every metric Cadenza assesses and a composite one it does not.
FULL = [{
    "startTime": "2021-09-01T00:00:00Z",
    "timeDuration": {"timeDurationValue": 1, "timeDurationUnits": "MONTH"},
    "slsCosNameEntry": [
        {"cosName": "low", "consecutiveIntervalN": 3, "deltaT": 10, "thresholdC": 0.5,
         "oneWayFrameDelayPmMetric": [{"oneWayFdObjective": _ms(100), "oneWayFdPercentile": 99.5,
                                       "orderedPairList": PAIRS}],
         "oneWayFrameLossRatioPmMetric": [{"oneWayFlrObjective": 0.001, "orderedPairList": PAIRS}],
         "oneWayMeanFrameDelayPmMetric": [], "oneWayCompositePmMetric": []},
        {"cosName": "high", "consecutiveIntervalN": 5, "deltaT": 1, "thresholdC": 0.1,
         "oneWayFrameDelayPmMetric": [
             {"oneWayFdObjective": _ms(20), "oneWayFdPercentile": 99.7, "orderedPairList": PAIRS},
             {"oneWayFdObjective": _ms(15), "oneWayFdPercentile": 95, "orderedPairList": PAIRS}],
         "oneWayMeanFrameDelayPmMetric": [{"oneWayMfdObjective": _ms(8000, "US"), "orderedPairList": PAIRS}],
         "oneWayFrameDelayRangePmMetric": [{"oneWayFdrObjective": _ms(10), "oneWayFdrPercentile": 99.7,
                                            "orderedPairList": PAIRS}],
         "oneWayInterFrameDelayVariationPmMetric": [{"timeDuration": _ms(100), "oneWayIfdvPencentile": 99.9,
                                                     "oneWayIfdvObjective": _ms(3), "orderedPairList": PAIRS}],
         "oneWayFrameLossRatioPmMetric": [{"oneWayFlrObjective": 0.0001, "orderedPairList": PAIRS}],
         "oneWayAvailabilityPmMetric": [{"oneWayAvailabilityObjective": 99.99, "orderedPairList": PAIRS[:1]}],
         "oneWayHighLossIntervalsPmMetric": [{"oneWayHighLossIntervalsObjective": 4, "orderedPairList": PAIRS}],
         "oneWayConsecutiveHighLossIntervalsPmMetric": [{"consecutiveNumberP": 2, "oneWayChliObjective": 1,
                                                         "orderedPairList": PAIRS}],
         "oneWayCompositePmMetric": [{"orderedPairList": PAIRS, "cpmObjective": 99}]},
    ],
}]


def test_a_full_sls_becomes_typed_objectives_per_cos_name() -> None:
    sls = parse_sls(FULL)
    assert sls is not None and list(sls.by_cos) == ["low", "high"]
    assert sls.start_time == "2021-09-01T00:00:00Z" and sls.time_duration == TimeDuration(1, "MONTH")
    low, high = sls.by_cos["low"], sls.by_cos["high"]
    assert (low.delta_t_s, low.threshold_c, low.consecutive_n) == (10, 0.5, 3)
    assert [(o.percentile, o.objective_ms, o.pairs) for o in low.frame_delay] == [(99.5, 100.0, ONE_WAY)]
    assert low.frame_loss_ratio[0].objective_percent == 0.001 and low.mean_frame_delay == ()
    assert [(o.percentile, o.objective_ms) for o in high.frame_delay] == [(99.7, 20.0), (95, 15.0)]
    assert high.mean_frame_delay[0].objective_ms == pytest.approx(8.0)  # 8000 µs
    assert (high.frame_delay_range[0].percentile, high.frame_delay_range[0].objective_ms) == (99.7, 10.0)
    ifdv = high.ifdv[0]
    assert (ifdv.percentile, ifdv.delta_tau_s, ifdv.objective_ms) == (99.9, pytest.approx(0.1), 3.0)
    assert high.availability[0].objective_percent == 99.99 and high.availability[0].pairs == ONE_WAY[:1]
    assert high.high_loss_intervals[0].objective == 4
    assert (high.consecutive_high_loss_intervals[0].p, high.consecutive_high_loss_intervals[0].objective) == (2, 1)
    assert high.unassessed == ("/carrierEthernetSls/0/slsCosNameEntry/1/oneWayCompositePmMetric",)


def test_the_plan_of_a_cos_names_the_metrics_to_compute_with_delta_tau_in_probe_spacings() -> None:
    high = parse_sls(FULL).by_cos["high"]
    plan = high.plan(probe_spacing_s=0.01)  # 100 ms Δτ = 10 spacings of 10 ms
    assert (plan.threshold_c, plan.consecutive_n) == (0.1, 5)
    assert plan.fd_percentiles == (95, 99.7) and plan.fdr_percentiles == (99.7,)
    assert plan.ifdv == ((99.9, 10),) and plan.chli_p == (2,)


def test_an_empty_sls_list_is_no_sls_and_the_sls_object_itself_is_read_too() -> None:
    assert parse_sls([]) is None
    assert list(parse_sls(FULL[0], path="/sls").by_cos) == ["low", "high"]


def _broken(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(FULL)
    change(document[0])
    with pytest.raises(SlsError) as caught:
        parse_sls(document)
    return {"reason": caught.value.reason, "path": caught.value.property_path, "code": caught.value.code}


def test_an_unknown_time_unit_is_refused_with_the_path_of_the_unit() -> None:
    def fortnight(sls: dict[str, Any]) -> None:
        sls["slsCosNameEntry"][1]["oneWayFrameDelayPmMetric"][1]["oneWayFdObjective"]["timeDurationUnits"] = "FORTNIGHT"

    error = _broken(fortnight)
    where = "/carrierEthernetSls/0/slsCosNameEntry/1/oneWayFrameDelayPmMetric/1/oneWayFdObjective/timeDurationUnits"
    assert error["path"] == where
    assert error["reason"].startswith(f"{where}: unknown unit 'FORTNIGHT': one of NS, US, MS, SEC")


@pytest.mark.parametrize(("change", "path", "words"), [
    (lambda s: s["slsCosNameEntry"][1].update(cosName="low"),
     "/carrierEthernetSls/0/slsCosNameEntry/1/cosName", "has another entry"),
    (lambda s: s["slsCosNameEntry"][1]["oneWayConsecutiveHighLossIntervalsPmMetric"][0].update(consecutiveNumberP=5),
     "/carrierEthernetSls/0/slsCosNameEntry/1/oneWayConsecutiveHighLossIntervalsPmMetric/0/consecutiveNumberP",
     "must be below consecutiveIntervalN = 5"),
    (lambda s: s["slsCosNameEntry"][1]["oneWayInterFrameDelayVariationPmMetric"][0].update(oneWayIfdvPercentile=99),
     "/carrierEthernetSls/0/slsCosNameEntry/1/oneWayInterFrameDelayVariationPmMetric/0/oneWayIfdvPercentile",
     "contradicts oneWayIfdvPencentile = 99.9"),
    (lambda s: s["slsCosNameEntry"][1]["oneWayFrameDelayPmMetric"][1].update(oneWayFdPercentile=99.7),
     "/carrierEthernetSls/0/slsCosNameEntry/1/oneWayFrameDelayPmMetric/1", "the same parameters as"),
    (lambda s: s["slsCosNameEntry"][0]["oneWayFrameDelayPmMetric"][0].update(oneWayFdPercentile=0),
     "/carrierEthernetSls/0/slsCosNameEntry/0/oneWayFrameDelayPmMetric/0/oneWayFdPercentile", "outside (0, 100]"),
    (lambda s: s["slsCosNameEntry"][0].update(thresholdC=1.5),
     "/carrierEthernetSls/0/slsCosNameEntry/0/thresholdC", "outside [0, 1]"),
    (lambda s: s["slsCosNameEntry"][0].update(deltaT=2.5),
     "/carrierEthernetSls/0/slsCosNameEntry/0/deltaT", "an integer is expected"),
    (lambda s: s["slsCosNameEntry"][0]["oneWayFrameDelayPmMetric"][0].update(oneWayFdObjective=_ms(1, "MONTH")),
     "/carrierEthernetSls/0/slsCosNameEntry/0/oneWayFrameDelayPmMetric/0/oneWayFdObjective/timeDurationUnits",
     "is not a delay"),
    (lambda s: s.update(timeDuration=_ms(5, "SEC")), "/carrierEthernetSls/0/timeDuration",
     "shorter than deltaT"),
    (lambda s: s["slsCosNameEntry"][0]["oneWayFrameLossRatioPmMetric"][0].update(orderedPairList=[]),
     "/carrierEthernetSls/0/slsCosNameEntry/0/oneWayFrameLossRatioPmMetric/0/orderedPairList",
     "at least one ordered end-point pair"),
])
def test_contradictory_or_impossible_values_are_refused_with_their_json_path(
        change: Any, path: str, words: str) -> None:
    error = _broken(change)
    assert error["path"] == path
    assert error["reason"].startswith(f"{path}: ") and words in error["reason"]
    assert error["code"] == "invalidValue"


def test_a_missing_parameter_is_a_missing_property_at_its_path() -> None:
    error = _broken(lambda s: s["slsCosNameEntry"][0].pop("consecutiveIntervalN"))
    assert error == {"reason": "/carrierEthernetSls/0/slsCosNameEntry/0/consecutiveIntervalN: required",
                     "path": "/carrierEthernetSls/0/slsCosNameEntry/0/consecutiveIntervalN",
                     "code": "missingProperty"}


def test_more_than_one_sls_is_refused() -> None:
    with pytest.raises(SlsError, match="^/carrierEthernetSls: at most one SLS, not 2"):
        parse_sls([FULL[0], FULL[0]])


def test_time_durations_convert_fixed_units_and_refuse_seconds_for_calendar_ones() -> None:
    assert TimeDuration(15, "MIN").seconds == 900.0 and TimeDuration(250, "US").seconds == pytest.approx(250e-6)
    assert str(TimeDuration(1, "MONTH")) == "1 month" and str(TimeDuration(2, "DAY")) == "2 days"
    with pytest.raises(ValueError, match="calendar"):
        _ = TimeDuration(1, "MONTH").seconds


def test_the_offering_defaults_for_a_product_without_sls_are_stated() -> None:
    cos = offering_defaults(cos_names=("gold",)).by_cos["gold"]
    assert (cos.delta_t_s, cos.threshold_c, cos.consecutive_n) == (10, 0.5, 10)
    assert [(o.percentile, o.objective_ms) for o in cos.frame_delay] == [(99.9, 10.0)]
    assert cos.mean_frame_delay[0].objective_ms == 5.0
    assert cos.frame_loss_ratio[0].objective_percent == 0.1 and cos.availability[0].objective_percent == 99.95
    assert cos.ifdv == () and cos.high_loss_intervals == () and cos.consecutive_high_loss_intervals == ()
