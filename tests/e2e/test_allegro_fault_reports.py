"""MEF 55.0.1 §10.4 over ALLEGRO as a customer drives it across the whole landscape, the fault
part and the triggered variation:

- a link failing under the customer's service is in the fault report of its Fault Management
  job: when the outage began and cleared, what was down;
- a performance job that asked to report on a threshold crossing (profile
  `cadenza-sls-on-crossing`) makes a report when congestion caused through the twin's API makes
  the ICM publish a TCA, and the customer is told on its hub the report is ready;
- a schemathesis run of the official Fault Management v3 file against the running SP domain
  finds no server error and no response outside the spec.

The SP network's clock is stopped (scale 0) and advanced where the PM intervals must end; the
ICMs collect every 5 s so a crossing is heard soon after the intervals it is in have ended.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cadenza.core.notifications.listener import listener_router
from cadenza.interfaces.allegro.alarm_paths import ALARM_BASE
from cadenza.interfaces.allegro.fm_paths import (
    FAULT_RESULT_TYPE,
    FAULT_SUMMARY_TYPE,
    FM_BASE,
    FM_CONFIGURATION_TYPE,
    FM_LISTENER_BASE,
)
from cadenza.interfaces.allegro.pm_paths import PM_BASE, PM_LISTENER_BASE, SLS_RESULTS_TYPE
from cadenza.interfaces.legato.paths import INVENTORY_BASE, ORDERING_BASE
from tests.e2e.conftest import Parties, evpl, item, site
from tests.helpers.mef import MEF_LSO
from tests.helpers.product_api_conformance import (
    CHECKS,
    EXAMPLES,
    run_schemathesis_once_more_if_the_tool_fails,
    start_schemathesis,
)
from tests.helpers.servers import serve, wait_until

LANDSCAPE_PARTNERS: tuple[str, ...] = ()  # on-net only: no partner domain to start

LANDSCAPE_OVERRIDES = {"sp": {"pm": {"collect_every_s": 5}}}


@pytest.fixture(scope="module")
def sof(parties: Parties) -> Iterator[httpx.Client]:
    client = parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp")
    yield client
    client.close()


@pytest.fixture(scope="module")
def service(parties: Parties, sof: httpx.Client) -> dict[str, Any]:
    """An on-net EVPL of acme's (CIR 100 Mbit/s), active, as LEGATO shows it, with the SP network's clock stopped."""
    done = parties.wait(parties.order(item("1", "evpl", evpl(321, 321), site("site-east-1-1"),
                                           site("site-west-1-1")))["id"])
    assert done["state"] == "completed", done["stateChange"]
    ordered = sof.get(f"{ORDERING_BASE}/serviceOrder", params={"externalId": f"{done['id']}/1"}).json()
    stopped = parties.sp.post("/cadenza/twin/v1/clock", json={"scale": 0})
    assert stopped.status_code == 200, stopped.text
    return sof.get(f"{INVENTORY_BASE}/service/{ordered[0]['serviceOrderItem'][0]['service']['id']}").json()


@pytest.fixture(scope="module")
def heard(parties: Parties) -> Iterator[list[dict[str, Any]]]:
    """What acme's listener hears of Fault Management and Performance Monitoring."""
    events: list[dict[str, Any]] = []
    lock = threading.Lock()

    def on_event(_event_type: str, event: dict[str, Any]) -> None:
        with lock:
            events.append(event)

    app = FastAPI()
    app.include_router(listener_router(FM_LISTENER_BASE, on_event))
    app.include_router(listener_router(PM_LISTENER_BASE, on_event))
    with serve(app) as url:
        for base in (FM_BASE, PM_BASE):
            hub = parties.acme.post(f"{base}/hub", json={"callback": url})
            assert hub.status_code == 201, hub.text
        yield events


def _route(parties: Parties, service: dict[str, Any]) -> tuple[str, tuple[str, str]]:
    """The service's SP segment and a link it runs over, as the twin names its ends."""
    segment = service["serviceConfiguration"]["cadenzaDesign"]["segments"][0]
    reply = parties.sp.post(f"/presto/{segment['networkDomain']}/restconf/operations/"
                            "get-connectivity-service-details/",
                            json={"input": {"service-id-or-name": segment["uuid"]}})
    assert reply.status_code == 200, reply.text
    a, b = sorted(reply.json()["output"]["service"]["cadenza-activation"]["s-vlans"])[0].split("|")
    return segment["uuid"], (a, b)


def _twin(parties: Parties, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = parties.sp.request(method, f"/cadenza/twin/v1/{path}", json=body)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _get(customer: httpx.Client, path: str, **params: Any) -> Any:  # noqa: ANN401 - a JSON body
    reply = customer.get(path, params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


def at(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def test_a_link_failure_under_the_service_shows_in_the_customers_fault_report(
        parties: Parties, service: dict[str, Any], heard: list[dict[str, Any]]) -> None:
    began = time.time() - 5  # fault management runs on the SOF's clock, the alarms' (docs/allegro-profile.md)
    _, (a, b) = _route(parties, service)
    _twin(parties, "POST", "links/fail", {"a": a, "b": b})
    try:
        wait_until(lambda: _get(parties.acme, f"{ALARM_BASE}/alarm", affectedServiceId=service["id"],
                                state="unAcknowledged"), timeout=60, what="the outage alarm")
    finally:
        _twin(parties, "POST", "links/restore", {"a": a, "b": b})
    wait_until(lambda: _get(parties.acme, f"{ALARM_BASE}/alarm", affectedServiceId=service["id"], state="cleared"),
               timeout=60, what="the alarm to clear")
    created = parties.acme.post(f"{FM_BASE}/faultManagementJob", json={
        "monitoredObject": {"@type": "ServiceRef", "serviceId": service["id"]}, "jobType": "passive",
        "granularity": {"timeDurationValue": 1, "timeDurationUnits": "MIN"},
        "reportingPeriod": {"timeDurationValue": 1, "timeDurationUnits": "HOUR"},
        "outputFormat": "json", "resultFormat": "payload",
        "scheduleDefinition": {"scheduleDefinitionStartTime": at(began),
                               "scheduleDefinitionEndTime": at(time.time() + 1)},
        "serviceSpecificConfiguration": {"@type": FM_CONFIGURATION_TYPE}})
    assert created.status_code == 201, created.text
    job = created.json()
    wait_until(lambda: _get(parties.acme, f"{FM_BASE}/faultManagementJob/{job['id']}")["state"] == "completed",
               timeout=60, what="the job to complete")
    [listed] = _get(parties.acme, f"{FM_BASE}/faultManagementReport", faultManagementJobId=job["id"])
    report = _get(parties.acme, f"{FM_BASE}/faultManagementReport/{listed['id']}")
    data = [d for entry in report["reportContent"] for d in entry["measurementData"]]
    [summary] = [d for d in data if d["@type"] == FAULT_SUMMARY_TYPE]
    [fault] = [d for d in data if d["@type"] == FAULT_RESULT_TYPE]
    assert (summary["outages"], summary["openAtEnd"]) == (1, 0)
    assert fault["specificProblem"] == f"link {a}|{b} is down" and fault["clearedInPeriod"]
    assert at(began) <= fault["raisedTime"] < fault["clearedTime"]
    wait_until(lambda: [e for e in heard if e["eventType"] == "faultManagementJobReportReadyEvent"
                        and e["event"]["reportId"] == report["id"]], timeout=30, what="the report-ready event")
    assert _get(parties.globex, f"{FM_BASE}/faultManagementReport") == []
    assert parties.globex.get(f"{FM_BASE}/faultManagementReport/{report['id']}").status_code == 404


def test_congestion_caused_through_the_twin_triggers_the_report_a_performance_job_asked_for(
        parties: Parties, service: dict[str, Any], heard: list[dict[str, Any]]) -> None:
    created = parties.acme.post(f"{PM_BASE}/performanceJob", json={
        "monitoredObject": {"@type": "ServiceRef", "serviceId": service["id"]}, "scheduleDefinition": {},
        "performanceProfile": {"@type": "PerformanceProfileRef", "performanceProfileId": "cadenza-sls-on-crossing"}})
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["state"] == "inProgress"
    uuid, (a, b) = _route(parties, service)
    # 100 Mbit/s of green traffic offered into a link left with 60: the queue fills and frames are lost
    _twin(parties, "POST", "links/degrade", {"a": a, "b": b, "capacity_mbps": 60})
    _twin(parties, "PUT", f"demand/{uuid}", {"offeredMbps": 100})
    try:
        _twin(parties, "POST", "clock", {"advanceSeconds": 1800})
        [triggered] = wait_until(lambda: _get(parties.acme, f"{PM_BASE}/performanceReport",
                                              performanceJobId=job["id"]),
                                 timeout=90, interval=0.5, what="a report triggered by the ICM's TCA")
        assert triggered["id"].startswith(f"{job['id']}-tca-")
        _twin(parties, "POST", "clock", {"advanceSeconds": 1800})  # past the interval after the crossing one
        report = wait_until(lambda: (r := _get(parties.acme, f"{PM_BASE}/performanceReport/{triggered['id']}"))
                            ["state"] == "completed" and r, timeout=60, interval=0.5, what="the triggered report")
    finally:
        _twin(parties, "DELETE", f"demand/{uuid}")
        _twin(parties, "POST", "links/degrade", {"a": a, "b": b, "capacity_mbps": 10000})
    frame = report["reportingTimeframe"]
    span = (datetime.fromisoformat(frame["reportingEndDate"].replace("Z", "+00:00"))
            - datetime.fromisoformat(frame["reportingStartDate"].replace("Z", "+00:00"))).total_seconds()
    assert span == 3 * 900  # the interval before the crossing one, it, and the one after
    sls = [d for content in report["reportContent"] for entry in content["reportContentItem"]
           for d in entry["measurementData"] if d["@type"] == SLS_RESULTS_TYPE]
    lossy = [r for r in sls if (r["frameLossRatioPercent"] or 0) > 10]
    assert lossy, [r["frameLossRatioPercent"] for r in sls]
    assert any(o["status"] == "breached" for r in lossy for o in r["objectives"])
    wait_until(lambda: [e for e in heard if e["eventType"] == "performanceJobReportReadyEvent"
                        and e["event"]["id"] == job["id"] and e["event"]["reportId"] == report["id"]],
               timeout=30, what="the report-ready event")
    assert _get(parties.acme, f"{PM_BASE}/performanceJob/{job['id']}")["state"] == "inProgress"


@pytest.mark.timeout(1500)
def test_the_fault_management_api_conforms_to_the_official_spec(parties: Parties, service: dict[str, Any]) -> None:
    """Last in the module: schemathesis creates what it likes. No 5xx, every status documented,
    every response as the spec says, every request that breaks the spec refused."""
    args = [str(MEF_LSO / "allegro/serviceApi/fm/faultManagement.api.yaml"),
            "--url", f"{parties.acme.base_url}{FM_BASE}",
            "-H", f"Authorization: {parties.acme.headers['Authorization']}",
            "-c", CHECKS, "-n", EXAMPLES, "--phases", "examples,coverage,fuzzing", "-w", "2"]
    code, output = run_schemathesis_once_more_if_the_tool_fails(args, start_schemathesis(args))
    assert code == 0, output[-8000:]
