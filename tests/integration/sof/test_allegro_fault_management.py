"""ALLEGRO Fault Management v3 over HTTP against a running SP domain: a customer's jobs on its
own service (passive: the faults the SOF recorded, with times and clearance; on-demand: a
connectivity test measured on the twin), their states as the spec's diagram draws them
(scheduled, modified, suspended, resumed, cancelled), the events on the customer's hub, and
what is refused: another customer's service, IP OAM tests the network does not run, an
attachment, a recurring schedule."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from cadenza.core.client_credentials import ClientCredentials
from cadenza.core.clock import now
from cadenza.core.notifications.listener import listener_router
from cadenza.interfaces.allegro.fm_client import AllegroError, FaultManagementClient
from cadenza.interfaces.allegro.fm_paths import (
    CONNECTIVITY_TEST_TYPE,
    FAULT_RESULT_TYPE,
    FAULT_SUMMARY_TYPE,
    FM_CONFIGURATION_TYPE,
    FM_EVENT_TYPES,
    FM_LISTENER_BASE,
)
from tests.helpers.servers import serve, wait_until
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.openapi import assert_valid
from tests.integration.sof.test_allegro_alarms import _active_service, _links

MANAGEMENT = "allegro/serviceApi/fm/faultManagement.api.yaml"
NOTIFICATION = "allegro/serviceApi/fm/faultNotification.api.yaml"
EVENT_SCHEMAS = {"faultManagementJobCreateEvent": "FaultManagementJobCreateEvent",
                 "faultManagementJobStateChangeEvent": "FaultManagementJobStateChangeEvent",
                 "faultManagementJobAttributeValueChangeEvent": "FaultManagementJobAttributeValueChangeEvent",
                 "faultManagementJobReportReadyEvent": "FaultManagementJobReportReadyEvent",
                 "cancelFaultManagementJobStateChangeEvent": "CancelFaultManagementJobStateChangeEvent",
                 "modifyFaultManagementJobStateChangeEvent": "ModifyFaultManagementJobStateChangeEvent",
                 "faultManagementReportCreateEvent": "FaultManagementReportCreateEvent",
                 "faultManagementReportStateChangeEvent": "FaultManagementReportStateChangeEvent"}


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """What is tested is the API and its states; the alarm store under it runs on both databases
    in test_allegro_alarms.py."""
    return sqlite_url


def at(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def job_body(service_id: str, job_type: str = "passive", *, schedule: dict[str, Any] | None = None,
             period: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"monitoredObject": {"@type": "ServiceRef", "serviceId": service_id}, "jobType": job_type,
            "granularity": {"timeDurationValue": 1, "timeDurationUnits": "MIN"},
            "reportingPeriod": period or {"timeDurationValue": 1, "timeDurationUnits": "HOUR"},
            "outputFormat": "json", "resultFormat": "payload", "scheduleDefinition": schedule or {},
            "serviceSpecificConfiguration": {"@type": FM_CONFIGURATION_TYPE}, **extra}


@contextmanager
def fm_listener(client: FaultManagementClient) -> Iterator[list[dict[str, Any]]]:
    heard: list[dict[str, Any]] = []
    lock = threading.Lock()

    def on_event(_event_type: str, event: dict[str, Any]) -> None:
        with lock:
            heard.append(event)

    app = FastAPI()
    app.include_router(listener_router(FM_LISTENER_BASE, on_event, event_types=FM_EVENT_TYPES))
    with serve(app) as callback:
        client.register_listener(callback)
        yield heard


def _of(heard: list[dict[str, Any]], event_type: str, resource_id: str) -> list[dict[str, Any]]:
    return [e for e in list(heard) if e["eventType"] == event_type and e["event"]["id"] == resource_id]


def _customer(landscape: SofLandscape, client_id: str, secret: str) -> FaultManagementClient:
    return FaultManagementClient(landscape.base_url, ClientCredentials(landscape.base_url, client_id, secret))


@pytest.fixture
def customers(sof_landscape: SofLandscape) -> Iterator[tuple[FaultManagementClient, FaultManagementClient]]:
    acme = _customer(sof_landscape, "acme", "acme-demo-secret")
    globex = _customer(sof_landscape, "globex", "globex-demo-secret")
    try:
        yield acme, globex
    finally:
        acme.close()
        globex.close()


def _wait_job(client: FaultManagementClient, job_id: str, *states: str) -> dict[str, Any]:
    return wait_until(lambda: (j := client.get_job(job_id))["state"] in states and j, timeout=60, interval=0.2,
                      what=f"job {job_id} to be {states}")


def _only_report(client: FaultManagementClient, job_id: str) -> dict[str, Any]:
    listed = wait_until(lambda: client.list_reports(faultManagementJobId=job_id), timeout=60, interval=0.2,
                        what=f"a report of job {job_id}")
    assert len(listed) == 1, listed
    assert_valid(MANAGEMENT, "FaultManagementReport_Find", listed, many=True)
    report = client.get_report(listed[0]["id"])
    assert_valid(MANAGEMENT, "FaultManagementReport", report)
    return report


def _data(report: dict[str, Any], kind: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(item["measurementTime"], data) for item in report["reportContent"] for data in item["measurementData"]
            if data["@type"] == kind]


def test_a_link_failure_under_the_service_is_in_its_customers_fault_report_with_its_times_and_clearance(
        sof_landscape: SofLandscape, customers: tuple[FaultManagementClient, FaultManagementClient]) -> None:
    acme, globex = customers
    service = _active_service(sof_landscape, "uni-east-1-1", "uni-west-3-1", 430, "acme-corp")
    quiet = _active_service(sof_landscape, "uni-east-2-1", "uni-east-3-1", 431, "acme-corp")
    link = sorted(_links(sof_landscape, service) - _links(sof_landscape, quiet))[0]
    began = now().timestamp() - 60
    twin = sof_landscape.domain.twin.twin
    twin.fail_link(*link.split("|"))
    try:
        wait_until(lambda: _alarm_state(sof_landscape, service["id"]) == "open", timeout=60, interval=0.2,
                   what="the outage alarm")
    finally:
        twin.restore_link(*link.split("|"))
    wait_until(lambda: _alarm_state(sof_landscape, service["id"]) == "cleared", timeout=60, interval=0.2,
               what="the alarm to clear")
    with fm_listener(acme) as heard, fm_listener(globex) as globex_heard:
        end = now().timestamp() + 1
        created = acme.create_job(job_body(service["id"], schedule={"scheduleDefinitionStartTime": at(began),
                                                                     "scheduleDefinitionEndTime": at(end)}))
        assert_valid(MANAGEMENT, "FaultManagementJob", created)
        assert created["state"] == "inProgress" and created["href"].startswith("http")
        _wait_job(acme, created["id"], "completed")
        report = _only_report(acme, created["id"])
        assert report["state"] == "completed"
        assert report["faultManagementJob"]["faultManagementJobId"] == created["id"]
        [(period, summary)] = _data(report, FAULT_SUMMARY_TYPE)
        assert (summary["faults"], summary["outages"], summary["openAtEnd"]) == (1, 1, 0)
        assert 0 < summary["outageSeconds"] < 60
        [(span, fault)] = _data(report, FAULT_RESULT_TYPE)
        assert fault["specificProblem"] == f"link {link} is down"
        assert (fault["kind"], fault["serviceAffecting"], fault["clearedInPeriod"]) == ("outage", True, True)
        assert (span["measurementStartDate"], span["measurementEndDate"]) == (fault["raisedTime"], fault["clearedTime"])
        assert period["measurementStartDate"] <= fault["raisedTime"] < fault["clearedTime"]
        assert acme.list_reports(serviceId=quiet["id"]) == []
        ready = wait_until(lambda: _of(heard, "faultManagementJobReportReadyEvent", created["id"]),
                           what="the report-ready event")
        assert ready[0]["event"]["reportId"] == report["id"]
        wait_until(lambda: _of(heard, "faultManagementJobStateChangeEvent", created["id"])
                   and _of(heard, "faultManagementJobStateChangeEvent", created["id"])[-1]["event"]["state"]
                   == "completed", what="the job's completion event")
        for event in list(heard):
            assert_valid(NOTIFICATION, EVENT_SCHEMAS[event["eventType"]], event)
        assert {e["eventType"] for e in heard} >= {"faultManagementJobCreateEvent", "faultManagementReportCreateEvent",
                                                   "faultManagementReportStateChangeEvent"}
        # another customer sees none of it and cannot manage the service
        assert globex.list_jobs() == [] and globex.list_reports() == [] and globex.tracking_records() == []
        for call in (lambda: globex.get_job(created["id"]), lambda: globex.get_report(report["id"])):
            with pytest.raises(AllegroError) as hidden:
                call()
            assert hidden.value.status == 404 and hidden.value.body["code"] == "notFound"
        with pytest.raises(AllegroError) as refused:
            globex.create_job(job_body(service["id"]))
        assert refused.value.status == 422 and refused.value.body[0]["code"] == "referenceNotFound"
        assert globex_heard == []


def _alarm_state(landscape: SofLandscape, service_id: str) -> str | None:
    from sqlalchemy import select

    from cadenza.sof.alarms.rows import AlarmRow

    with landscape.sof.database.read() as session:
        states = list(session.scalars(select(AlarmRow.state).where(AlarmRow.service_id == service_id)))
    if not states:
        return None
    return "open" if any(s != "cleared" for s in states) else "cleared"


def test_an_on_demand_job_tests_the_service_on_the_network_and_names_the_link_down(
        sof_landscape: SofLandscape, customers: tuple[FaultManagementClient, FaultManagementClient]) -> None:
    acme, _ = customers
    service = _active_service(sof_landscape, "uni-east-1-1", "uni-west-3-1", 432, "acme-corp")
    link = sorted(_links(sof_landscape, service))[0]
    healthy = acme.create_job(job_body(service["id"], "on-demand"))
    _wait_job(acme, healthy["id"], "completed")
    [(_, passed)] = _data(_only_report(acme, healthy["id"]), CONNECTIVITY_TEST_TYPE)
    assert passed["result"] == "PASS", passed
    assert 0 < passed["frameDelayMs"] < 20 and passed["frameLossRatio"] < 0.001
    twin = sof_landscape.domain.twin.twin
    twin.fail_link(*link.split("|"))
    try:
        broken = acme.create_job(job_body(service["id"], "on-demand"))
        _wait_job(acme, broken["id"], "completed")
        report = _only_report(acme, broken["id"])
    finally:
        twin.restore_link(*link.split("|"))
    [(moment, failed)] = _data(report, CONNECTIVITY_TEST_TYPE)
    assert failed["result"] == "FAIL"
    named = link.replace("|", "-")  # the twin's walk names a link by its two ends
    assert any(f"far end not reachable: link {named} is down" in f for f in failed["failures"]), failed["failures"]
    assert moment["measurementStartDate"] == failed["testedAt"]


def test_a_job_goes_through_the_states_of_the_specs_diagram(
        sof_landscape: SofLandscape, customers: tuple[FaultManagementClient, FaultManagementClient]) -> None:
    acme, _ = customers
    service = _active_service(sof_landscape, "uni-east-2-1", "uni-east-3-1", 433, "acme-corp")
    later = now().timestamp() + 3600
    with fm_listener(acme) as heard:
        job = acme.create_job(job_body(service["id"], schedule={"scheduleDefinitionStartTime": at(later)}))
        assert job["state"] == "scheduled"
        with pytest.raises(AllegroError) as early:
            acme.suspend_job(job["id"])  # only a job in progress is suspended
        assert early.value.status == 422
        modified = acme.modify_job(job["id"], {"description": "every minute from a minute ago",
                                               "reportingPeriod": {"timeDurationValue": 1, "timeDurationUnits": "MIN"},
                                               "scheduleDefinition": {"scheduleDefinitionStartTime":
                                                                      at(now().timestamp() - 61)}})
        assert_valid(MANAGEMENT, "ModifyFaultManagementJob", modified)
        assert modified["state"] == "completed"
        changed = acme.get_job(job["id"])
        assert (changed["state"], changed["description"]) == ("inProgress", "every minute from a minute ago")
        wait_until(lambda: acme.list_reports(faultManagementJobId=job["id"]), timeout=30, interval=0.2,
                   what="the minute already over reported")
        with pytest.raises(AllegroError) as running:
            acme.modify_job(job["id"], {"description": "not while it runs"})
        assert running.value.status == 422 and "suspend it first" in running.value.body[0]["reason"]
        acme.suspend_job(job["id"])
        assert acme.get_job(job["id"])["state"] == "suspended"
        acme.resume_job(job["id"])
        assert acme.get_job(job["id"])["state"] == "inProgress"
        cancel = acme.cancel_job(job["id"])
        assert_valid(MANAGEMENT, "CancelFaultManagementJob", cancel)
        assert cancel["state"] == "completed" and acme.get_job(job["id"])["state"] == "cancelled"
        with pytest.raises(AllegroError) as twice:
            acme.cancel_job(job["id"])
        assert twice.value.status == 422
        def cancelled() -> list[dict[str, Any]]:
            found = _of(heard, "faultManagementJobStateChangeEvent", job["id"])
            return found if found and found[-1]["event"]["state"] == "cancelled" else []

        states = [e["event"]["state"] for e in wait_until(cancelled, what="the cancellation event")]
        assert states == ["scheduled", "pending", "inProgress", "suspended", "inProgress", "pendingCancel",
                          "cancelled"]
        assert [e["event"]["state"] for e in _of(heard, "modifyFaultManagementJobStateChangeEvent", modified["id"])] \
            == ["inProgress", "completed"]
        assert _of(heard, "faultManagementJobAttributeValueChangeEvent", job["id"])
    records = acme.tracking_records(relatedFaultManagementJobId=job["id"])
    assert_valid(MANAGEMENT, "FmTrackingRecord", records, many=True)
    assert [r["description"].split(":")[0] for r in records][:3] == ["created", "state scheduled",
                                                                       f"modification {modified['id']} of "
                                                                       "description, reportingPeriod, "
                                                                       "scheduleDefinition"]
    assert [j["id"] for j in acme.query_jobs({"state": "cancelled", "monitoredObject": job["monitoredObject"]})] \
        == [job["id"]]
    assert acme.query_jobs({"state": "scheduled", "monitoredObject": job["monitoredObject"]}) == []
    assert [c["id"] for c in acme.list_jobs(serviceId=service["id"], state="cancelled")] == [job["id"]]


def test_what_the_network_cannot_do_is_refused_with_the_reason(
        sof_landscape: SofLandscape, customers: tuple[FaultManagementClient, FaultManagementClient]) -> None:
    acme, _ = customers
    service = _active_service(sof_landscape, "uni-west-1-1", "uni-west-2-1", 434, "acme-corp")
    ping = job_body(service["id"], "on-demand",
                    serviceSpecificConfiguration={"@type": "urn:mef:xid:spec:legato:ping-configuration:v0.0.1:all"})
    attachment = {**job_body(service["id"]), "resultFormat": "attachment"}
    pair = {**job_body(service["id"]), "monitoredObject": {"@type": "ServiceFromToRef",
                                                           "serviceFrom": {"serviceFromId": "a"},
                                                           "serviceTo": {"serviceToId": "b"}}}
    for body, pointer, words in [(ping, "/serviceSpecificConfiguration/@type", "ping is an IP OAM test"),
                                 (attachment, "/resultFormat", "payload"),
                                 (pair, "/monitoredObject/@type", "ServiceRef")]:
        with pytest.raises(AllegroError) as refused:
            acme.create_job(body)
        assert refused.value.status == 422, body
        assert_valid(MANAGEMENT, "Error422", refused.value.body, many=True)
        problem = refused.value.body[0]
        assert problem["propertyPath"] == pointer and words in problem["reason"], problem
    recurring = acme.create_job(job_body(service["id"], schedule={"recurringSchedule": {"minute": "*/5"}}))
    assert recurring["state"] == "rejected"
    assert recurring["terminationError"][0]["propertyPath"] == "/scheduleDefinition/recurringSchedule"
    with pytest.raises(AllegroError) as malformed:
        acme.create_job({"jobType": "passive"})
    assert malformed.value.status == 422  # the official file's own check, before the route
    assert {(p["code"], p["propertyPath"]) for p in malformed.value.body} >= {("missingProperty", "/monitoredObject")}
    assert acme.list_jobs(serviceId=service["id"], state="rejected")[0]["id"] == recurring["id"]
