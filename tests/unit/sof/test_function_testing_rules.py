"""Service Function Testing v3 rules that need no domain: the job, request and profile states
against the spec's enums and state table, how a test's segments are judged against a profile's
objectives, and what a job may ask for."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from cadenza.core.clock import epoch_seconds
from cadenza.core.errors import Unprocessable
from cadenza.interfaces.allegro.sft_paths import JOB_CONFIGURATION_TYPE, PROFILE_CONFIGURATION_TYPE, SFT_MANAGEMENT_SPEC
from cadenza.sof.function_testing import configuration, measurement, process
from cadenza.sof.function_testing import job as jobs
from cadenza.sof.function_testing import profile as profiles

SCHEMAS = yaml.safe_load(SFT_MANAGEMENT_SPEC.read_text())["components"]["schemas"]


def test_the_states_are_the_specs_own_and_follow_its_table() -> None:
    assert set(jobs.TRANSITIONS) == set(SCHEMAS["TestJobStateType"]["enum"])
    assert set(process.TRANSITIONS) == set(SCHEMAS["TestJobProcessStateType"]["enum"])
    assert set(profiles.TRANSITIONS) == set(SCHEMAS["TestProfileLifecycleStateType"]["enum"])
    # a cancellation is assessed from in progress, suspended or scheduled, a modification from
    # suspended or scheduled only; suspension from in progress or scheduled
    assert {s for s, t in jobs.TRANSITIONS.items() if jobs.ASSESSING_CANCELLATION in t} == jobs.RUNNING
    assert {s for s, t in jobs.TRANSITIONS.items() if jobs.ASSESSING_MODIFICATION in t} \
        == {jobs.SCHEDULED, jobs.SUSPENDED}
    assert {s for s, t in jobs.TRANSITIONS.items() if jobs.SUSPENDED in t} \
        >= {jobs.SCHEDULED, jobs.IN_PROGRESS}
    assert {s for s, t in jobs.TRANSITIONS.items() if jobs.CANCELLED in t} == {jobs.ASSESSING_CANCELLATION}
    assert all(jobs.TRANSITIONS[s] == frozenset() for s in jobs.OVER)


def _segment(name: str, delay: float, loss: float, rate: float, *, reachable: bool = True,
             failures: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"name": name, "reachable": reachable, "frameDelayMs": delay, "frameLossRatio": loss,
            "informationRateMbps": rate, "failures": list(failures)}


def test_segments_compose_in_series_and_are_judged_by_the_profiles_objectives() -> None:
    default = configuration.objectives_of(None, service_max_delay_ms=None)
    segments = [_segment("metro/a", 1.5, 0.0001, 100.0), _segment("core/b", 2.5, 0.0002, 98.0)]
    verdict = measurement.judge(segments, [], cir_mbps=100, objectives=default)
    assert verdict["result"] == "PASS", verdict
    assert verdict["frameDelayMs"] == 4.0 and verdict["informationRateMbps"] == 98.0
    assert verdict["frameLossRatio"] == pytest.approx(1 - 0.9999 * 0.9998)
    strict = configuration.objectives_of({"@type": PROFILE_CONFIGURATION_TYPE, "maxFrameDelayMs": 3,
                                          "minInformationRatePercent": 99}, service_max_delay_ms=10)
    failed = measurement.judge(segments, [], cir_mbps=100, objectives=strict)
    assert failed["result"] == "FAIL"
    assert [f.split(" ")[1] for f in failed["failures"]] == ["frame", "rate"]
    # a segment the frames did not cross fails the test whatever the objectives
    cut = [_segment("metro/a", 0.0, 1.0, 0.0, reachable=False,
                    failures=("far end not reachable: link a:p-b:q is down",))]
    lenient = configuration.objectives_of({"maxFrameLossRatio": 1, "minInformationRatePercent": 0.001},
                                          service_max_delay_ms=None)
    down = measurement.judge(cut, [], cir_mbps=100, objectives=lenient)
    assert down["result"] == "FAIL" and down["failures"] == ["metro/a: far end not reachable: link a:p-b:q is down"]
    assert measurement.judge([], [], cir_mbps=100, objectives=default)["result"] == "FAIL"


def _job(**changes: Any) -> dict[str, Any]:
    return {"name": "t", "relatedServiceFrom": {"id": "s"}, "relatedServiceTo": {"id": "s"},
            "requestedEndDateTime": "2027-01-15T09:00:00Z", "testProfile": {"@type": "TestProfileRef", "id": "p"},
            "serviceSpecificTestJobConfiguration": {"@type": JOB_CONFIGURATION_TYPE}, **changes}


@pytest.mark.parametrize(("changes", "pointer"), [
    ({"relatedServiceTo": {"id": "other"}}, "/relatedServiceTo/id"),
    ({"serviceSpecificTestJobConfiguration": {"@type": JOB_CONFIGURATION_TYPE, "probes": 3}},
     "/serviceSpecificTestJobConfiguration/probes"),
    ({"recurrencePeriod": {"amount": 1, "units": "months"}}, "/recurrencePeriod/units"),
    ({"recurrencePeriod": {"amount": 2, "units": "seconds"}}, "/recurrencePeriod/amount"),
    ({"testProfile": {"@type": "TestProfileValue", "serviceSpecificTestProfileConfiguration": {
        "@type": PROFILE_CONFIGURATION_TYPE, "maxFrameDelayMs": -1}}},
     "/testProfile/serviceSpecificTestProfileConfiguration/maxFrameDelayMs"),
])
def test_what_a_job_may_not_ask_is_refused_naming_the_field(changes: dict[str, Any], pointer: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        configuration.check_job(_job(**changes))
    assert refused.value.property_path == pointer


def test_a_schedule_that_has_ended_or_asks_too_many_tests_rejects_the_job() -> None:
    now_s = epoch_seconds("2027-01-15T08:00:00Z", "/x")
    assert now_s is not None
    fine = configuration.schedule_of(_job(), now_s)
    assert isinstance(fine, configuration.Schedule) and fine.start_s == now_s and fine.period_s is None
    past = configuration.schedule_of(_job(requestedEndDateTime="2027-01-15T07:00:00Z"), now_s)
    assert isinstance(past, dict) and past["propertyPath"] == "/requestedEndDateTime"
    many = configuration.schedule_of(_job(recurrencePeriod={"amount": 5, "units": "seconds"},
                                          requestedEndDateTime="2027-01-16T08:00:00Z"), now_s)
    assert isinstance(many, dict) and many["code"] == "tooManyRecords"
    inverted = configuration.schedule_of(_job(requestedStartDateTime="2027-01-15T10:00:00Z"), now_s)
    assert isinstance(inverted, dict) and "not after" in inverted["value"]
