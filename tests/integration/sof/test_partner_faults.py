"""Faults and threshold crossings in a partner's segment reach the customer of an off-net EVC
(issue 11, §10.4 and §10.6 across INTERLUDE). This domain plays the partner too (conftest): the
partner's OVC is a service of its own SOF, bought over real INTERLUDE HTTP by party
cadenza-sp-peer, and its notifications come back to the SOF's partner-a listener.

- a link down in the partner's segment only: the partner's service inventory says DISABLED and
  tells us (serviceAttributeValueChangeEvent); the customer's service is DISABLED and carries an
  outage alarm whose source is partner-a, cleared when the partner's segment is repaired; the
  customer's Fault Management v3 report lists it;
- a loss in the partner's segment only: the partner tells us of its crossing (Cadenza's INTERLUDE
  crossing event), which raises a TCA alarm from partner-a on the customer's service, triggers the
  report of the customer's `cadenza-sls-on-crossing` job and has the service assessed at once.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from dbos import DBOS
from sqlalchemy import select

from cadenza.core.client_credentials import ClientCredentials
from cadenza.core.clock import now
from cadenza.core.notifications.rows import EventSubscriptionRow
from cadenza.icm.pm_collection import FRAME_LOSS, collect
from cadenza.icm.settings import PmSettings
from cadenza.interfaces.allegro.alarm_client import AlarmClient
from cadenza.interfaces.allegro.fm_client import FaultManagementClient
from cadenza.interfaces.allegro.fm_paths import FAULT_RESULT_TYPE
from cadenza.interfaces.allegro.pm_paths import PM_BASE
from cadenza.interfaces.interlude.pm_paths import PM_HUB
from cadenza.interfaces.legato.builders import add_evc_item, evc_configuration, off_net, on_net, service_order
from cadenza.sof.alarms.threshold import SET_ALARM_TYPE
from cadenza.sof.partner_state import reconcile_partners
from cadenza.sof.rows import SegmentStateRow
from tests.helpers.servers import wait_until
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.openapi import assert_valid
from tests.integration.sof.test_allegro_alarms import MANAGEMENT
from tests.integration.sof.test_allegro_fault_management import _data, _only_report, _wait_job, at, job_body

SETTINGS = PmSettings(catch_up_bins=4)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """What is tested is what travels between the SOFs; the alarm store runs on both databases in
    test_allegro_alarms.py."""
    return sqlite_url


def _off_net(landscape: SofLandscape, vlan: int) -> dict[str, Any]:
    item = add_evc_item("evc", evc_configuration(on_net("uni-east-1-1", vlan),
                                                 off_net("partner-a", site_id="site-pa-7", ce_vlan=vlan),
                                                 bandwidth_mbps=50))
    item["service"]["relatedContactInformation"] = [{"role": "customer", "organization": "acme-corp",
                                                     "name": "acme-corp", "emailAddress": "", "number": ""}]
    created = landscape.legato.create_service_order(service_order(item, external_id=f"partner-faults-{vlan}"))
    done = landscape.wait_for_order(created["id"], "completed", "failed")
    assert done["state"] == "completed", done
    return landscape.legato.get_service(created["serviceOrderItem"][0]["service"]["id"])


def _links(landscape: SofLandscape, segments: list[dict[str, Any]]) -> set[str]:
    return {link for s in segments
            for link in landscape.presto(s["networkDomain"], s["uuid"])["cadenza-activation"]["s-vlans"]}


def _partner_only_link(landscape: SofLandscape, service: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """A link under the partner's segment and none of ours, and the partner's segments."""
    reference = service["serviceConfiguration"]["cadenzaDesign"]["partner"]["reference"]
    with landscape.client("peer-sof", "peer-demo-secret") as peer:
        access = peer.get(f"/mefApi/interlude/serviceInventory/v1/service/{reference}").json()
    theirs = access["serviceConfiguration"]["cadenzaDesign"]["segments"]
    ours = service["serviceConfiguration"]["cadenzaDesign"]["segments"]
    only = sorted(_links(landscape, theirs) - _links(landscape, ours))
    assert only, "the partner's segment crosses no link of its own"
    return only[0], theirs


def _client(landscape: SofLandscape, kind: type[Any]) -> Any:  # noqa: ANN401 - an ALLEGRO client
    return kind(landscape.base_url, ClientCredentials(landscape.base_url, "acme", "acme-demo-secret"))


def _operational(landscape: SofLandscape, service_id: str) -> str:
    return landscape.legato.get_service(service_id)["serviceConfiguration"]["operationalState"]["state"]


def test_a_link_down_in_the_partners_segment_is_an_alarm_from_the_partner_cleared_with_it_and_in_the_fault_report(
        sof_landscape: SofLandscape) -> None:
    service = _off_net(sof_landscape, 450)
    reference = service["serviceConfiguration"]["cadenzaDesign"]["partner"]["reference"]
    link, _ = _partner_only_link(sof_landscape, service)
    acme, fm = _client(sof_landscape, AlarmClient), _client(sof_landscape, FaultManagementClient)
    began = now().timestamp() - 60
    twin = sof_landscape.domain.twin.twin
    try:
        assert acme.list_alarms(affectedServiceId=service["id"]) == []
        twin.fail_link(*link.split("|"))
        try:
            raised = wait_until(lambda: acme.list_alarms(affectedServiceId=service["id"], state="unAcknowledged"),
                                timeout=60, what="an alarm on acme's service from the partner's fault")
            assert len(raised) == 1
            alarm = acme.get_alarm(raised[0]["id"])
            assert_valid(MANAGEMENT, "Alarm", alarm)
            assert (alarm["alarmType"], alarm["perceivedSeverity"], alarm["serviceAffecting"]) == (
                "communicationsAlarm", "critical", True)
            assert alarm["sourceSystemId"] == "partner-a"
            # what the partner's inventory says, not a guess: its service and its operationalState
            assert alarm["specificProblem"] == (f"the segment of partner partner-a (its service {reference}) carries "
                                                "no traffic: partner-a says its operationalState is DISABLED")
            assert _operational(sof_landscape, service["id"]) == "DISABLED"
            assert reconcile_partners(sof_landscape.sof) == 0, "the reading finds what the event told"
            with sof_landscape.sof.database.transaction() as session:  # as if that event had been lost
                session.get(SegmentStateRow, reference).operational_state = "ENABLED"  # type: ignore[union-attr]
            assert reconcile_partners(sof_landscape.sof) == 1, "the periodic reading repairs a lost event"
            assert acme.list_alarms(affectedServiceId=service["id"], state="unAcknowledged") == raised
        finally:
            twin.restore_link(*link.split("|"))
        cleared = wait_until(lambda: acme.list_alarms(affectedServiceId=service["id"], state="cleared"),
                             timeout=60, what="the alarm to clear with the partner's repair")
        assert [a["id"] for a in cleared] == [raised[0]["id"]]
        assert acme.list_alarms(affectedServiceId=service["id"], state="unAcknowledged") == []
        assert wait_until(lambda: _operational(sof_landscape, service["id"]) == "ENABLED", timeout=30,
                          what="the service to carry traffic again")

        job = fm.create_job(job_body(service["id"], schedule={"scheduleDefinitionStartTime": at(began),
                                                               "scheduleDefinitionEndTime": at(now().timestamp() + 1)}))
        _wait_job(fm, job["id"], "completed")
        [(_, fault)] = _data(_only_report(fm, job["id"]), FAULT_RESULT_TYPE)
        assert (fault["alarmId"], fault["kind"], fault["sourceSystemId"]) == (raised[0]["id"], "outage", "partner-a")
        assert fault["clearedInPeriod"] and "partner partner-a" in fault["specificProblem"]
    finally:
        acme.close()
        fm.close()


def _subscribed_to_the_partners_pm(landscape: SofLandscape) -> bool:
    with landscape.sof.database.read() as session:
        query = select(EventSubscriptionRow).where(EventSubscriptionRow.api == PM_HUB)
        return session.scalars(query).first() is not None


def _twin(operator: httpx.Client, path: str, body: dict[str, Any]) -> None:
    reply = operator.post(f"/cadenza/twin/v1/{path}", json=body)
    assert reply.status_code == 200, reply.text


def _collect(landscape: SofLandscape) -> int:
    return sum(collect(icm, SETTINGS).crossings for icm in landscape.domain.icms.values())


def test_a_crossing_in_the_partners_segment_raises_its_alarm_triggers_the_report_and_the_assessment(
        sof_landscape: SofLandscape) -> None:
    service = _off_net(sof_landscape, 452)
    link, theirs = _partner_only_link(sof_landscape, service)
    wait_until(lambda: _subscribed_to_the_partners_pm(sof_landscape), timeout=60,
               what="this SOF registered at the partner's PM hub")
    acme = _client(sof_landscape, AlarmClient)
    operator = sof_landscape.client("sp-operator", "operator-demo-secret")
    customer = sof_landscape.client("acme", "acme-demo-secret")
    a, b = link.split("|")
    try:
        created = customer.post(f"{PM_BASE}/performanceJob", json={
            "monitoredObject": {"@type": "ServiceRef", "serviceId": service["id"]}, "scheduleDefinition": {},
            "performanceProfile": {"@type": "PerformanceProfileRef",
                                   "performanceProfileId": "cadenza-sls-on-crossing"}})
        assert created.status_code == 201, created.text
        job = created.json()
        _twin(operator, "clock", {"scale": 0, "advanceSeconds": 1900})
        _collect(sof_landscape)
        _twin(operator, "links/degrade", {"a": a, "b": b, "loss_ratio": 0.05})
        _twin(operator, "clock", {"scale": 0, "advanceSeconds": 1800})
        assert _collect(sof_landscape) >= 1
        raised = wait_until(lambda: acme.list_alarms(affectedServiceId=service["id"],
                                                     alarmType="qualityOfServiceAlarm", state="unAcknowledged"),
                            timeout=60, what="a TCA alarm on acme's service from the partner's crossing")
        alarm = acme.get_alarm(raised[0]["id"])
        assert_valid(MANAGEMENT, "Alarm", alarm)
        assert alarm["sourceSystemId"] == "partner-a"
        assert alarm["specificProblem"].endswith("in the segment of partner partner-a"), alarm["specificProblem"]
        attributes = alarm["alarmSpecificAttributes"]
        assert attributes["@type"] == SET_ALARM_TYPE and attributes["performanceMetricName"] == FRAME_LOSS
        assert attributes["performanceMetricValue"] > attributes["tcaPerformanceThresholdValue"]
        # none of our own segments crossed: every TCA alarm on the service is the partner's
        assert {x["id"] for x in acme.list_alarms(affectedServiceId=service["id"])} == {x["id"] for x in raised}
        assert all(acme.get_alarm(x["id"])["sourceSystemId"] == "partner-a" for x in raised)

        reports = wait_until(lambda: customer.get(f"{PM_BASE}/performanceReport",
                                                  params={"performanceJobId": job["id"]}).json(),
                             timeout=60, what="the report the partner's crossing triggered")
        assert [r["id"].startswith(f"{job['id']}-tca-") for r in reports] == [True]
        records = customer.get(f"{PM_BASE}/trackingRecord").json()
        assert [r["description"] for r in records if r["relatedObjectId"].get("performanceReportId") == reports[0]["id"]
                and "in the segment of partner partner-a" in r["description"]], records
        assessed = wait_until(lambda: DBOS.list_workflows(workflow_id_prefix="sls-partner-crossing-partner-a-",
                                                          load_input=False, load_output=False),
                              timeout=60, what="the assessment the partner's crossing started")
        assert assessed

        _twin(operator, "links/degrade", {"a": a, "b": b, "loss_ratio": 0.0})
        _twin(operator, "clock", {"scale": 0, "advanceSeconds": 1800})
        _collect(sof_landscape)
        wait_until(lambda: {x["id"] for x in acme.list_alarms(affectedServiceId=service["id"], state="cleared")}
                   >= {x["id"] for x in raised}, timeout=120, interval=0.5,
                   what="the partner's CLEARED to clear the TCA alarms")  # two hubs' deliveries: slow under load
        # the network's time is past the intervals around the crossing: the report is made, both segments in it
        report = wait_until(lambda: (r := customer.get(f"{PM_BASE}/performanceReport/{reports[0]['id']}").json())[
            "state"] in ("completed", "failed") and r, timeout=90, interval=0.5, what="the triggered report")
        assert report["state"] == "completed", report
    finally:
        _twin(operator, "links/degrade", {"a": a, "b": b, "loss_ratio": 0.0})
        acme.close()
        operator.close()
        customer.close()
