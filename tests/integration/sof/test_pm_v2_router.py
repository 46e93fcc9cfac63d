"""Performance Monitoring v2 at a partner's SOF over HTTP: the buyer SOF (scope `interlude`)
monitors the access segment it bought and nothing else; the BUS (scope `legato`) monitors the
EVC over LEGATO v2 and does not see the buyer's jobs nor the buyer its; requests and answers
are those of the official v2 files (this domain plays the partner, as in the stitching test)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from cadenza.core.client_credentials import ClientCredentials
from cadenza.core.notifications.rows import OutboxEventRow
from cadenza.interfaces.interlude import pm_paths as interlude
from cadenza.interfaces.interlude.pm_client import PerformanceMonitoringClient, PmError, ce_configuration
from cadenza.interfaces.legato import pm_paths as legato
from cadenza.interfaces.legato.builders import add_evc_item, evc_configuration, off_net, on_net, service_order
from tests.helpers.servers import wait_until
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.openapi import assert_valid

SPEC = "interlude/serviceApi/pm/performanceMonitoring.api.yaml"
EVENTS = "interlude/serviceApi/pm/performanceNotification.api.yaml"
SLS_RESULTS = "urn:cadenza:pm:carrier-ethernet-sls-results:v1"


def _at(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _client(landscape: SofLandscape, client_id: str, secret: str, base: str) -> PerformanceMonitoringClient:
    return PerformanceMonitoringClient(landscape.base_url, ClientCredentials(landscape.base_url, client_id, secret),
                                       base_path=base)


def _off_net_evc(landscape: SofLandscape) -> tuple[str, str]:
    """(the EVC, ordered over LEGATO by the BUS; its access segment, bought over INTERLUDE by the peer)."""
    created = landscape.legato.create_service_order(service_order(add_evc_item("evc", evc_configuration(
        on_net("uni-east-3-1", 320), off_net("partner-a", site_id="site-pa-7", ce_vlan=420), bandwidth_mbps=100))))
    done = landscape.wait_for_order(created["id"], "completed", "failed")
    assert done["state"] == "completed", done
    evc = landscape.legato.get_service(created["serviceOrderItem"][0]["service"]["id"])
    return evc["id"], evc["serviceConfiguration"]["cadenzaDesign"]["partner"]["reference"]


def _clock(landscape: SofLandscape, **body: float) -> float:
    with landscape.client("sp-operator", "operator-demo-secret") as operator:
        reply = operator.post("/cadenza/twin/v1/clock", json=body) if body else operator.get("/cadenza/twin/v1/clock")
        assert reply.status_code == 200, reply.text
        return float(reply.json()["epochSeconds"])


def _announced(landscape: SofLandscape, event_type: str, job_id: str) -> list[dict[str, Any]]:
    """The events about one job queued for the buyer's listener (the peer's listener is this
    domain: what the buyer side does with them is another test's). Other tests of the landscape
    run jobs of their own, whose events share the hub."""
    with landscape.sof.database.read() as session:
        return [row.body for row in session.scalars(select(OutboxEventRow).where(
            OutboxEventRow.api == interlude.PM_HUB, OutboxEventRow.event_type == event_type))
            if row.body["event"]["id"] == job_id]


def _on_demand(service_id: str) -> dict[str, Any]:
    return {"performanceProfile": {"@type": "PerformanceProfileRef", "id": "cadenza-sls-on-demand"},
            "servicePayloadSpecificAttributes": ce_configuration(service_id), "buyerJobId": f"job-of-{service_id}"}


def test_a_buyer_monitors_only_what_it_bought_and_the_bus_only_over_legato(sof_landscape: SofLandscape) -> None:
    evc, access = _off_net_evc(sof_landscape)
    _clock(sof_landscape, scale=0)
    buyer = _client(sof_landscape, "peer-sof", "peer-demo-secret", interlude.PM_BASE)
    bus = _client(sof_landscape, "sp-bus", "bus-demo-secret", legato.PM_BASE)
    stranger = _client(sof_landscape, "sp-bus-2", "bus-demo-secret-2", legato.PM_BASE)
    try:
        with contextlib.nullcontext():  # the peer's listeners are at this domain
            buyer.register_listener(f"{sof_landscape.base_url}/cadenza/test/pm-v2")
            # step 1: the report types offered, in v2's terms
            profiles = buyer.list_profiles()
            assert_valid(SPEC, "PerformanceProfile", profiles, many=True)
            offered = next(p for p in profiles if p["id"] == "cadenza-sls-15min-hourly")
            assert (offered["granularity"], offered["reportingPeriod"], offered["state"]) == (
                "15 minutes", "1 hour", "active")
            assert buyer.list_profiles(jobType="on-demand")[0]["id"] == "cadenza-sls-on-demand"

            job = buyer.create_job(_on_demand(access))
            assert_valid(SPEC, "PerformanceJob", job)
            assert job["state"] == "inProgress" and job["href"].startswith(sof_landscape.base_url)
            # the EVC was not bought over INTERLUDE: the buyer cannot monitor it
            with pytest.raises(PmError) as refused:
                buyer.create_job(_on_demand(evc))
            assert refused.value.status == 422 and refused.value.body[0]["code"] == "referenceNotFound"
            assert refused.value.body[0]["propertyPath"] == "/servicePayloadSpecificAttributes/interface"
            # nor the BUS the access segment, which came over INTERLUDE; it monitors the EVC over LEGATO
            with pytest.raises(PmError) as not_ours:
                bus.create_job(_on_demand(access))
            assert not_ours.value.status == 422
            bus_job = bus.create_job(_on_demand(evc))
            assert [j["id"] for j in buyer.list_jobs()] == [job["id"]]
            assert [j["id"] for j in bus.list_jobs()] == [bus_job["id"]]
            assert stranger.list_jobs() == [] and stranger.list_reports() == []
            with pytest.raises(PmError) as hidden:
                stranger.get_job(bus_job["id"])
            assert hidden.value.status == 404

            # steps 2-6: the period ends in the network; the report is assembled and announced
            _clock(sof_landscape, advanceSeconds=900)
            wait_until(lambda: buyer.get_job(job["id"])["state"] == "completed", timeout=60, interval=0.3,
                       what="the on-demand job to complete")
            [listed] = buyer.list_reports(performanceJobId=job["id"])
            report = wait_until(lambda: (r := buyer.get_report(listed["id"]))["state"] == "completed" and r,
                                timeout=30, interval=0.3, what="the report")
            assert_valid(SPEC, "PerformanceReport", report)
            [item] = report["reportContent"]
            sls = [d for d in item["measurementDataPoints"] if d["@type"] == SLS_RESULTS]
            assert {d["direction"] for d in sls} == {"a-to-z", "z-to-a"}
            assert all(d["availabilityPercent"] == 100 and d["frameLossRatioPercent"] < 0.1 for d in sls)
            ready = _announced(sof_landscape, "performanceJobReportReadyEvent", job["id"])
            assert ready[0]["event"] == {"id": job["id"], "href": ready[0]["event"]["href"],
                                         "reportId": report["id"], "reportHref": ready[0]["event"]["reportHref"]}
            assert_valid(EVENTS, "PerformanceJobReportReadyEvent", ready[0])
            changes = _announced(sof_landscape, "performanceJobStateChangeEvent", job["id"])
            assert {e["event"]["state"] for e in changes} >= {"in-progress", "completed"}
            for event in changes:
                assert_valid(EVENTS, "PerformanceJobEvent", event)
            assert bus.list_reports(performanceJobId=job["id"]) == []
    finally:
        for client in (buyer, bus, stranger):
            client.close()


def test_v2_job_requests_suspend_resume_modify_and_cancel_a_scheduled_job(sof_landscape: SofLandscape) -> None:
    _evc, access = _off_net_evc(sof_landscape)
    now = _clock(sof_landscape, scale=0)
    buyer = _client(sof_landscape, "peer-sof", "peer-demo-secret", interlude.PM_BASE)
    try:
        start = (int(now) // 3600 + 2) * 3600
        job = buyer.create_job({**_on_demand(access), "scheduleDefinition": {
            "scheduleDefinitionStartTime": _at(start), "scheduleDefinitionEndTime": _at(start + 7200)},
            "performanceProfile": {"@type": "PerformanceProfileValue", "jobType": "proactive",
                                   "granularity": "15 minutes", "reportingPeriod": "1 hour",
                                   "outputFormat": "json", "resultFormat": "payload"}})
        assert job["state"] == "scheduled"
        declined = buyer.job_request("suspend", job["id"], "maintenance")
        assert_valid(SPEC, "SuspendPerformanceJob", declined)
        assert declined["state"] == "declined" and "scheduled" in declined["suspensionDeniedReason"]
        with sof_landscape.client("peer-sof", "peer-demo-secret") as http:
            modified = http.post(f"{interlude.PM_BASE}/modifyPerformanceJob", json={
                "performanceJob": {"@type": "PerformanceJobRef", "id": job["id"]},
                "performanceProfile": {"reportingPeriod": "30 minutes"}, "modificationReason": "finer reports"})
            assert modified.status_code == 201, modified.text
            assert_valid(SPEC, "ModifyPerformanceJob", modified.json())
            assert modified.json()["state"] == "completed"
            after = buyer.get_job(job["id"])
            assert after["state"] == "scheduled" and after["performanceProfile"]["reportingPeriod"] == "30 minutes"
            # a body the official file refuses never reaches the route
            bad = http.post(f"{interlude.PM_BASE}/suspendPerformanceJob", json={"suspensionReason": "x"})
            assert bad.status_code in (400, 422) and bad.json(), bad.text
            wrong = http.post(f"{interlude.PM_BASE}/performanceJob", json={
                **_on_demand(access), "servicePayloadSpecificAttributes": {"@type": "urn:example:other"}})
            assert wrong.status_code == 422 and wrong.json()[0]["propertyPath"] == \
                "/servicePayloadSpecificAttributes/@type", wrong.text
        _clock(sof_landscape, advanceSeconds=start - now + 1)
        wait_until(lambda: buyer.get_job(job["id"])["state"] == "inProgress", timeout=60, interval=0.3,
                   what="the job to start")
        assert buyer.job_request("suspend", job["id"])["state"] == "completed"
        assert buyer.get_job(job["id"])["state"] == "suspended"
        assert buyer.job_request("resume", job["id"])["state"] == "completed"
        cancelled = buyer.job_request("cancel", job["id"], "no longer needed")
        assert_valid(SPEC, "CancelPerformanceJob", cancelled)
        assert cancelled["state"] == "completed" and buyer.get_job(job["id"])["state"] == "cancelled"
        records = buyer.tracking_records(relatedObjectId=job["id"])
        assert_valid(SPEC, "TrackingRecord", records, many=True)
        assert any(r["request"].startswith("cancel completed") for r in records)
    finally:
        buyer.close()
