"""MEF 55.0.1 §10.4, Customer viewing service performance reports, over ALLEGRO Performance
Monitoring v5 as a customer drives it, on the twin's traffic with its clock stopped and advanced:

1. the customer reads the report types its service offers (performance profiles);
2. it asks for reports: an on-demand job, a scheduled job, a report over a timeframe;
3-4. SOF determines the segments and asks each ICM over PRESTO (which fetches from the elements
     what it has not collected yet);
5. SOF assembles the report and tells the customer on the hub it is ready;
6. the customer retrieves it: frame delay, delay variation, loss and availability per
   15-minute interval and direction against the SLS, and utilisation in the MEF CE results schema.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI
from jsonschema import Draft7Validator

from cadenza.core.notifications.listener import listener_router
from cadenza.interfaces.allegro.pm_paths import CE_PM_RESULTS_TYPE, PM_BASE, PM_LISTENER_BASE, SLS_RESULTS_TYPE
from cadenza.interfaces.legato.paths import INVENTORY_BASE, ORDERING_BASE
from tests.e2e.conftest import Parties, evpl, item, site
from tests.e2e.test_service_operational_state import _link_on_route
from tests.helpers.mef import MEF_LSO
from tests.helpers.product_api_conformance import (
    CHECKS,
    EXAMPLES,
    run_schemathesis_once_more_if_the_tool_fails,
    start_schemathesis,
)
from tests.helpers.servers import serve, wait_until

LANDSCAPE_PARTNERS: tuple[str, ...] = ()  # on-net only: no partner domain to start

CE_RESULTS_SCHEMA = (Path(__file__).parents[3] / "shared/mef-lso/legato/serviceSchema/carrierEthernet/"
                     "faultPerformanceManagement/carrierEthernetPerformanceMonitoringResults.yaml")


@pytest.fixture(scope="module")
def sof(parties: Parties) -> Iterator[httpx.Client]:
    client = parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp")
    yield client
    client.close()


@pytest.fixture(scope="module")
def service_id(parties: Parties, sof: httpx.Client) -> str:
    """An on-net EVPL of acme's, active, with the SP network's clock stopped."""
    done = parties.wait(parties.order(item("1", "evpl", evpl(301, 301), site("site-east-1-1"),
                                           site("site-west-1-1")))["id"])
    assert done["state"] == "completed", done["stateChange"]
    ordered = sof.get(f"{ORDERING_BASE}/serviceOrder", params={"externalId": f"{done['id']}/1"}).json()
    stopped = parties.sp.post("/cadenza/twin/v1/clock", json={"scale": 0})
    assert stopped.status_code == 200, stopped.text
    return ordered[0]["serviceOrderItem"][0]["service"]["id"]


@pytest.fixture(scope="module")
def heard(parties: Parties) -> Iterator[list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []
    lock = threading.Lock()

    def on_event(_event_type: str, event: dict[str, Any]) -> None:
        with lock:
            events.append(event)

    app = FastAPI()
    app.include_router(listener_router(PM_LISTENER_BASE, on_event))
    with serve(app) as url:
        hub = parties.acme.post(f"{PM_BASE}/hub", json={"callback": url})
        assert hub.status_code == 201, hub.text
        yield events


def _advance(parties: Parties, seconds: float) -> None:
    reply = parties.sp.post("/cadenza/twin/v1/clock", json={"advanceSeconds": seconds})
    assert reply.status_code == 200, reply.text


def _service_ref(service_id: str) -> dict[str, Any]:
    return {"@type": "ServiceRef", "serviceId": service_id}


def _wait_job(parties: Parties, job_id: str, *states: str) -> dict[str, Any]:
    return wait_until(lambda: (j := parties.acme.get(f"{PM_BASE}/performanceJob/{job_id}").json())["state"]
                      in states and j, timeout=60, interval=0.5, what=f"job {job_id} to be {states}")


def _reports_of(parties: Parties, job_id: str) -> list[dict[str, Any]]:
    return parties.acme.get(f"{PM_BASE}/performanceReport", params={"performanceJobId": job_id}).json()


def _report(parties: Parties, report_id: str) -> dict[str, Any]:
    reply = parties.acme.get(f"{PM_BASE}/performanceReport/{report_id}")
    assert reply.status_code == 200, reply.text
    return reply.json()


def _results(report: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [data for content in report["reportContent"] for entry in content["reportContentItem"]
            for data in entry["measurementData"] if data["@type"] == kind]


def test_step_1_the_customer_reads_the_report_types_offered(parties: Parties, service_id: str) -> None:
    profiles = parties.acme.get(f"{PM_BASE}/performanceProfile")
    assert profiles.status_code == 200, profiles.text
    ids = {p["id"] for p in profiles.json()}
    assert {"cadenza-sls-15min-hourly", "cadenza-sls-on-demand"} <= ids
    offered = parties.acme.get(f"{PM_BASE}/performanceProfile/cadenza-sls-on-demand").json()
    assert (offered["jobType"], offered["granularity"]) == ("on-demand", {"timeDurationValue": 15,
                                                                          "timeDurationUnits": "MIN"})


def test_steps_2_to_6_an_on_demand_job_reports_the_twins_figures_and_says_when_ready(
        parties: Parties, service_id: str, heard: list[dict[str, Any]]) -> None:
    created = parties.acme.post(f"{PM_BASE}/performanceJob", json={
        "monitoredObject": _service_ref(service_id), "scheduleDefinition": {},
        "performanceProfile": {"@type": "PerformanceProfileRef", "performanceProfileId": "cadenza-sls-on-demand"}})
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["state"] == "inProgress"
    _advance(parties, 900)
    _wait_job(parties, job["id"], "completed")
    [listed] = _reports_of(parties, job["id"])
    report = _report(parties, listed["id"])
    assert report["state"] == "completed"
    sls = _results(report, SLS_RESULTS_TYPE)
    assert {r["direction"] for r in sls} == {"a-to-z", "z-to-a"}
    for result in sls:
        assert result["availabilityPercent"] == 100
        assert 0 <= result["frameLossRatioPercent"] < 0.1
        assert 0 < result["meanFrameDelayMs"] < 10
        assert all(o["status"] == "met" for o in result["objectives"]), result["objectives"]
        assert [s["name"] for s in result["segments"]] == ["metro"]
    ce = _results(report, CE_PM_RESULTS_TYPE)
    validator = Draft7Validator(yaml.safe_load(CE_RESULTS_SCHEMA.read_text()))
    for result in ce:
        assert not list(validator.iter_errors({k: v for k, v in result.items() if k != "@type"}))
        assert 10 < result["utilizationIn"] < 80  # the demand's default: 40 % of the CIR, ±50 % in the day
    wait_until(lambda: [e for e in heard if e["eventType"] == "performanceJobReportReadyEvent"
                        and e["event"]["id"] == job["id"] and e["event"]["reportId"] == report["id"]],
               timeout=30, what="the report-ready event")


def test_a_lossy_link_shows_in_a_report_over_a_timeframe_with_the_objective_breached(
        parties: Parties, sof: httpx.Client, service_id: str) -> None:
    now = parties.sp.get("/cadenza/twin/v1/clock").json()["epochSeconds"]
    start = (int(now) // 900 + 1) * 900
    a, b = _link_on_route(parties, sof.get(f"{INVENTORY_BASE}/service/{service_id}").json())
    degraded = parties.sp.post("/cadenza/twin/v1/links/degrade", json={"a": a, "b": b, "loss_ratio": 0.02})
    assert degraded.status_code == 200, degraded.text
    try:
        from datetime import UTC, datetime

        def at(seconds: float) -> str:
            return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")

        created = parties.acme.post(f"{PM_BASE}/performanceReport", json={
            "monitoredObject": [_service_ref(service_id)], "outputFormat": "json", "resultFormat": "payload",
            "granularity": {"timeDurationValue": 15, "timeDurationUnits": "MIN"},
            "reportingTimeframe": {"reportingStartDate": at(start), "reportingEndDate": at(start + 900)},
            "serviceSpecificConfiguration": {"@type": "urn:mef:lso:spec:legato:carrier-ethernet-performance-"
                                                      "monitoring-configuration:v0.0.1:all"}})
        assert created.status_code == 201, created.text
        assert created.json()["state"] == "inProgress"
        _advance(parties, start + 900 - now + 1)
        report = wait_until(lambda: (r := _report(parties, created.json()["id"]))["state"] == "completed" and r,
                            timeout=60, interval=0.5, what="the report")
        flr = [r for r in _results(report, SLS_RESULTS_TYPE) if r["frameLossRatioPercent"] > 1.5]
        assert flr, "the 2 % loss of the degraded link shows in at least the direction crossing it"
        breached = [o for o in flr[0]["objectives"] if o["status"] == "breached"]
        assert any("frame loss ratio" in o["text"] for o in breached), breached
    finally:
        parties.sp.post("/cadenza/twin/v1/links/degrade", json={"a": a, "b": b, "loss_ratio": 0.0})


def test_another_customer_sees_no_job_and_cannot_monitor_the_service(parties: Parties, service_id: str) -> None:
    refused = parties.globex.post(f"{PM_BASE}/performanceJob", json={
        "monitoredObject": _service_ref(service_id), "scheduleDefinition": {},
        "performanceProfile": {"@type": "PerformanceProfileRef", "performanceProfileId": "cadenza-sls-on-demand"}})
    assert refused.status_code == 422 and refused.json()[0]["code"] == "referenceNotFound", refused.text
    assert parties.globex.get(f"{PM_BASE}/performanceJob").json() == []
    assert parties.globex.get(f"{PM_BASE}/performanceReport").json() == []


def test_a_scheduled_job_waits_for_its_start_reports_each_period_and_can_be_cancelled(
        parties: Parties, service_id: str) -> None:
    from datetime import UTC, datetime

    now = parties.sp.get("/cadenza/twin/v1/clock").json()["epochSeconds"]
    start = (int(now) // 3600 + 2) * 3600
    created = parties.acme.post(f"{PM_BASE}/performanceJob", json={
        "monitoredObject": _service_ref(service_id),
        "scheduleDefinition": {"scheduleDefinitionStartTime":
                               datetime.fromtimestamp(start, UTC).isoformat().replace("+00:00", "Z")},
        "performanceProfile": {"@type": "PerformanceProfileRef", "performanceProfileId": "cadenza-sls-15min-hourly"}})
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["state"] == "scheduled"
    _advance(parties, start - now + 1)
    _wait_job(parties, job["id"], "inProgress")
    _advance(parties, 3600)
    wait_until(lambda: len(_reports_of(parties, job["id"])) == 1, timeout=60, interval=0.5, what="the first report")
    [listed] = _reports_of(parties, job["id"])
    report = wait_until(lambda: (r := _report(parties, listed["id"]))["state"] == "completed" and r, timeout=30)
    assert len(report["reportContent"][0]["reportContentItem"]) == 4  # an hour of 15-minute intervals
    cancel = parties.acme.post(f"{PM_BASE}/cancelPerformanceJob",
                               json={"performanceJob": {"@type": "PerformanceJobRef", "performanceJobId": job["id"]}})
    assert cancel.status_code == 201, cancel.text
    assert parties.acme.get(f"{PM_BASE}/performanceJob/{job['id']}").json()["state"] == "cancelled"
    again = parties.acme.post(f"{PM_BASE}/performanceJob/{job['id']}/suspend")
    assert again.status_code == 422, again.text
    records = parties.acme.get(f"{PM_BASE}/trackingRecord", params={"relatedPerformanceJobId": job["id"]}).json()
    assert [r["description"].split(":")[0] for r in records][:3] == ["created", "state scheduled", "state inProgress"]


def test_the_objectives_in_a_report_are_those_of_the_sls_the_customer_ordered(parties: Parties,
                                                                               sof: httpx.Client) -> None:
    configuration = evpl(302, 302)
    configuration["carrierEthernetSls"] = [{
        "startTime": "2026-01-01T00:00:00Z", "timeDuration": {"timeDurationValue": 15, "timeDurationUnits": "MIN"},
        "slsCosNameEntry": [{"cosName": "standard", "deltaT": 10, "thresholdC": 0.5, "consecutiveIntervalN": 10,
                             "oneWayFrameLossRatioPmMetric": [{"orderedPairList": [
                                 {"fromCarrierEthernetServiceEndPoint": "evc-ep-a",
                                  "toCarrierEthernetServiceEndPoint": "evc-ep-z"}], "oneWayFlrObjective": 42}]}]}]
    done = parties.wait(parties.order(item("1", "evpl", configuration, site("site-east-1-1"),
                                           site("site-west-1-1")))["id"])
    assert done["state"] == "completed", done["stateChange"]
    ordered = sof.get(f"{ORDERING_BASE}/serviceOrder", params={"externalId": f"{done['id']}/1"}).json()
    service_id = ordered[0]["serviceOrderItem"][0]["service"]["id"]
    created = parties.acme.post(f"{PM_BASE}/performanceJob", json={
        "monitoredObject": _service_ref(service_id), "scheduleDefinition": {},
        "performanceProfile": {"@type": "PerformanceProfileRef", "performanceProfileId": "cadenza-sls-on-demand"}})
    assert created.status_code == 201, created.text
    _advance(parties, 900)
    _wait_job(parties, created.json()["id"], "completed")
    [listed] = _reports_of(parties, created.json()["id"])
    results = _results(_report(parties, listed["id"]), SLS_RESULTS_TYPE)
    assert results and all(r["cosName"] == "standard" for r in results)
    objectives = [o for r in results for o in r["objectives"]]
    assert [(o["metric"], o["objective"]) for o in objectives][:1] == [("oneWayFrameLossRatioPmMetric", 42)]
    assert all(o["metric"] == "oneWayFrameLossRatioPmMetric" for o in objectives)  # only what was bought


@pytest.mark.timeout(1500)
def test_the_performance_monitoring_api_conforms_to_the_official_spec(parties: Parties, service_id: str) -> None:
    """Last in the module: schemathesis creates what it likes. No 5xx, every status documented,
    every response as the spec says, every request that breaks the spec refused."""
    args = [str(MEF_LSO / "allegro/serviceApi/pm/performanceMonitoring.api.yaml"),
            "--url", f"{parties.acme.base_url}{PM_BASE}",
            "-H", f"Authorization: {parties.acme.headers['Authorization']}",
            "-c", CHECKS, "-n", EXAMPLES, "--phases", "examples,coverage,fuzzing", "-w", "2",
            "--exclude-path-regex", "modifyPerformanceJob|ComplexQuery",
            "--exclude-method", "PATCH"]
    code, output = run_schemathesis_once_more_if_the_tool_fails(args, start_schemathesis(args))
    assert code == 0, output[-8000:]
