"""Fault Management v3 rules that need no domain: the job states and transitions against the
spec's enum and diagram, how long a service was out in a period, the complex query's matching,
what a job may ask for, and the trigger of a performance job."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from cadenza.core.errors import Unprocessable
from cadenza.interfaces.allegro.fm_paths import FAULT_SUMMARY_TYPE, FM_CONFIGURATION_TYPE, FM_MANAGEMENT_SPEC
from cadenza.sof.alarms.rows import AlarmRow
from cadenza.sof.faults import configuration, content, queries
from cadenza.sof.faults import job as jobs
from cadenza.sof.faults import report as reports
from cadenza.sof.performance.triggered import check_trigger

SCHEMAS = yaml.safe_load(FM_MANAGEMENT_SPEC.read_text())["components"]["schemas"]
T0 = 1_800_000_000.0


def _alarm(raised: float, cleared: float | None, *, affecting: bool = True, kind: str = "outage") -> AlarmRow:
    def moment(s: float) -> datetime:
        return datetime.fromtimestamp(s, UTC)

    return AlarmRow(id=f"a{raised}", service_id="s", kind=kind, tca_key=None, specific_attributes=None, customer="c",
                    service_type="EVC", state="cleared" if cleared else "unAcknowledged",
                    alarm_type="communicationsAlarm", perceived_severity="critical",
                    probable_cause="underlyingResourceUnavailable", specific_problem="link x is down", details="",
                    service_affecting=affecting, reporting_system="sp", source_system="ICM-metro",
                    raised_at=moment(raised), reported_at=moment(raised), changed_at=moment(raised),
                    cleared_at=moment(cleared) if cleared else None)


def test_the_job_and_report_states_are_the_specs_own() -> None:
    assert set(jobs.TRANSITIONS) == set(SCHEMAS["FaultManagementJobStateType"]["enum"])
    assert set(reports.TRANSITIONS) == set(SCHEMAS["FaultManagementReportStateType"]["enum"])
    # the diagram: only a scheduled or suspended job is modified, and a cancelled one stays so
    assert {s for s, targets in jobs.TRANSITIONS.items() if jobs.PENDING in targets} == jobs.MODIFIABLE
    assert jobs.TRANSITIONS[jobs.CANCELLED] == frozenset()
    assert jobs.CANCELLED in jobs.TRANSITIONS[jobs.PENDING_CANCEL] and jobs.CANCELLED not in \
        jobs.TRANSITIONS[jobs.IN_PROGRESS]


def test_overlapping_outages_count_once_and_degradations_not_at_all() -> None:
    rows = [_alarm(T0 - 100, T0 + 60), _alarm(T0 + 30, T0 + 90), _alarm(T0 + 200, None),
            _alarm(T0 + 10, T0 + 500, affecting=False, kind="tca")]
    items = content.report_content(rows, T0, T0 + 300, "http://sp")
    [summary] = items[0]["measurementData"]
    assert summary["@type"] == FAULT_SUMMARY_TYPE
    assert summary["outageSeconds"] == 90 + 100  # [T0, T0+90) merged, then [T0+200, T0+300)
    assert (summary["faults"], summary["outages"], summary["thresholdCrossings"], summary["openAtEnd"]) == (4, 3, 1, 2)
    first = items[1]
    assert first["measurementTime"]["measurementStartDate"] == "2027-01-15T08:00:00.000Z"  # clipped to the period
    assert first["measurementData"][0]["raisedTime"] < first["measurementTime"]["measurementStartDate"]


def test_a_complex_query_matches_every_attribute_it_gives() -> None:
    job = {"state": "inProgress", "jobType": "passive", "creationDateTime": "2026-12-03T10:00:00.000Z",
           "monitoredObject": {"@type": "ServiceRef", "serviceId": "s1"}}
    assert queries.matches(job, {"state": "inProgress", "jobPriority": 5,
                                 "creationDateTime.gt": "2026-12-03T09:00:00Z"})
    assert not queries.matches(job, {"monitoredObject": {"@type": "ServiceRef", "serviceId": "s2"}})
    assert not queries.matches(job, {"creationDateTime.lt": "2026-12-03T09:00:00Z"})
    assert not queries.matches(job, {"jobPriority": 1})


def _job(**changes: Any) -> dict[str, Any]:
    return {"jobType": "passive", "outputFormat": "json", "resultFormat": "payload",
            "granularity": {"timeDurationValue": 1, "timeDurationUnits": "MIN"},
            "reportingPeriod": {"timeDurationValue": 1, "timeDurationUnits": "HOUR"},
            "serviceSpecificConfiguration": {"@type": FM_CONFIGURATION_TYPE}, "scheduleDefinition": {}, **changes}


@pytest.mark.parametrize(("changes", "pointer"), [
    ({"outputFormat": "csv"}, "/outputFormat"),
    ({"serviceSpecificConfiguration": {"@type": "urn:mef:xid:spec:service:twamp-configuration:v0.0.1:all"}},
     "/serviceSpecificConfiguration/@type"),
    ({"reportingPeriod": {"timeDurationValue": 1, "timeDurationUnits": "MONTH"}}, "/reportingPeriod"),
    ({"reportingPeriod": {"timeDurationValue": 10, "timeDurationUnits": "SEC"}}, "/reportingPeriod"),
    ({"granularity": {"timeDurationValue": 2, "timeDurationUnits": "HOUR"}}, "/granularity"),
    ({"granularity": {"timeDurationValue": 10**12, "timeDurationUnits": "SEC"}}, "/granularity/timeDurationValue"),
])
def test_what_a_job_may_not_ask_is_refused_naming_the_field(changes: dict[str, Any], pointer: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        configuration.check_values(_job(**changes))
    assert refused.value.property_path == pointer


def test_a_schedule_reaching_too_far_back_or_ending_before_it_starts_rejects_the_job() -> None:
    def iso(s: float) -> str:
        return datetime.fromtimestamp(s, UTC).isoformat()

    far = configuration.schedule_of(_job(scheduleDefinition={"scheduleDefinitionStartTime": iso(T0 - 101 * 3600)}), T0)
    assert isinstance(far, dict) and far["code"] == "tooLargeDataset"
    backwards = configuration.schedule_of(_job(scheduleDefinition={"scheduleDefinitionStartTime": iso(T0),
                                                                   "scheduleDefinitionEndTime": iso(T0 - 1)}), T0)
    assert isinstance(backwards, dict) and backwards["propertyPath"].endswith("scheduleDefinitionEndTime")
    fine = configuration.schedule_of(_job(scheduleDefinition={"executionDuration": {"timeDurationValue": 2,
                                                                                    "timeDurationUnits": "HOUR"}}), T0)
    assert fine == configuration.Schedule(T0, T0 + 7200, 3600)


def test_a_performance_jobs_trigger_is_a_threshold_crossing_with_intervals_around_it() -> None:
    def values(trigger: Any) -> dict[str, Any]:  # noqa: ANN401
        return {"serviceSpecificConfiguration": {"@type": "x", "cadenzaTrigger": trigger}}

    check_trigger(values({"event": "thresholdCrossing", "intervalsBefore": 0, "intervalsAfter": 8}), "")
    for wrong, field in [({"event": "sunrise"}, "event"), ({"event": "thresholdCrossing", "intervalsAfter": 9},
                                                           "intervalsAfter")]:
        with pytest.raises(Unprocessable) as refused:
            check_trigger(values(wrong), "/performanceProfile")
        assert refused.value.property_path == f"/performanceProfile/serviceSpecificConfiguration/cadenzaTrigger/{field}"
