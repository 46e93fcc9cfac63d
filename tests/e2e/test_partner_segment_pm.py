"""MEF 55.0.1 §10.4 and §10.6 for a service that spans a partner, over the public APIs, both
domains' twin clocks stopped and advanced together:

- §10.4 steps 3-5: the customer's ALLEGRO report on an EVPL through Beta Fibre (partner-b,
  ordered over INTERLUDE) assembles the SP's segments (PRESTO) and the partner's (INTERLUDE
  Performance Monitoring v2 at the partner's SOF), the partner's loss showing end to end;
- §10.6 steps 1-4: the report of the SOF's proactive job at the partner triggers the SLS
  assessment, which finds the breach in the partner's segment while the SP's meet the SLS and
  marks it for manual intervention, naming partner-b;
- the partner's crossing told over INTERLUDE is a TCA alarm from partner-b on the customer's service;
- a link down under the SP's part of the same service: its outage alarm, the reroute of the SP's
  segment off it (the service stays active) and the alarm cleared; one down in the partner's
  network: an outage alarm from partner-b, cleared with the repair;
- a partner reached over SONATA has no such relation: its segment is said to be missing, and why;
- the partner's Interlude PM v2 conforms to the official file (schemathesis).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from cadenza.interfaces.allegro.alarm_paths import ALARM_BASE
from cadenza.interfaces.allegro.pm_paths import PM_BASE, SLS_RESULTS_TYPE
from cadenza.interfaces.interlude import pm_paths as interlude
from cadenza.interfaces.legato.paths import INVENTORY_BASE, ORDERING_BASE
from tests.e2e.conftest import Parties, address, evpl, item, site
from tests.helpers.mef import MEF_LSO
from tests.helpers.product_api_conformance import (
    CHECKS,
    EXAMPLES,
    run_schemathesis_once_more_if_the_tool_fails,
    start_schemathesis,
)
from tests.helpers.servers import wait_until

# the periodic assessment a day away: what assesses here is the partner's report
# the partner's ICMs collect every 5 s, so its crossings are told soon after its clock is advanced
LANDSCAPE_OVERRIDES = {"sp": {"sls_assess_every_s": 86400}, "partner-b": {"pm": {"collect_every_s": 5}}}
SLS = "/cadenza/sls/v1"
CE_CONFIGURATION = "urn:mef:lso:spec:legato:carrier-ethernet-performance-monitoring-configuration:v0.0.1:all"


@pytest.fixture(scope="module")
def sof(parties: Parties) -> Iterator[httpx.Client]:
    client = parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp")
    yield client
    client.close()


@pytest.fixture(scope="module")
def buyer(parties: Parties) -> Iterator[httpx.Client]:
    """The SP's SOF as a buyer at Beta Fibre (scope interlude)."""
    client = parties.landscape.client("partner-b", "cadenza-sp", "sp-at-partner-b-secret")
    yield client
    client.close()


def _clock(client: httpx.Client, **body: float) -> float:
    reply = client.post("/cadenza/twin/v1/clock", json=body) if body else client.get("/cadenza/twin/v1/clock")
    assert reply.status_code == 200, reply.text
    return float(reply.json()["epochSeconds"])


def _advance(parties: Parties, seconds: float) -> None:
    """The partner's network first: the SP's report waits for its own clock, then asks the partner."""
    _clock(parties.partner_b, advanceSeconds=seconds)
    _clock(parties.sp, advanceSeconds=seconds)


def _ordered(parties: Parties, sof: httpx.Client, *places: dict[str, Any], vlan: int) -> dict[str, Any]:
    done = parties.wait(parties.order(item("1", "evpl", evpl(vlan, vlan), *places))["id"])
    assert done["state"] == "completed", done
    ordered = sof.get(f"{ORDERING_BASE}/serviceOrder", params={"externalId": f"{done['id']}/1"}).json()
    return sof.get(f"{INVENTORY_BASE}/service/{ordered[0]['serviceOrderItem'][0]['service']['id']}").json()


@pytest.fixture(scope="module")
def through_partner_b(parties: Parties, sof: httpx.Client) -> dict[str, Any]:
    """An EVPL of acme's from Metropolis to Ogdenville (only Beta Fibre's), both clocks stopped
    at the same moment."""
    service = _ordered(parties, sof, site("site-east-2-2"), address("21", "Elm", "Ogdenville", "60001"), vlan=611)
    assert service["serviceConfiguration"]["cadenzaDesign"]["partner"]["ordering"] == "interlude"
    sp, partner = _clock(parties.sp, scale=0), _clock(parties.partner_b, scale=0)
    if sp > partner:
        _clock(parties.partner_b, advanceSeconds=sp - partner)
    elif partner > sp:
        _clock(parties.sp, advanceSeconds=partner - sp)
    return service


def _partner_link(parties: Parties, buyer: httpx.Client, reference: str) -> tuple[str, str]:
    """The link of the partner's own network that its segment cannot avoid (its border router's
    only link towards the ring: the partner's own SLS loop cannot reroute off it), as its twin
    names the ends."""
    access = buyer.get(f"/mefApi/interlude/serviceInventory/v1/service/{reference}").json()
    for segment in access["serviceConfiguration"]["cadenzaDesign"]["segments"]:
        reply = parties.partner_b.post(f"/presto/{segment['networkDomain']}/restconf/operations/"
                                       "get-connectivity-service-details/",
                                       json={"input": {"service-id-or-name": segment["uuid"]}})
        assert reply.status_code == 200, reply.text
        links = [link for link in sorted(reply.json()["output"]["service"]["cadenza-activation"]["s-vlans"])
                 if "border" in link]
        if links:
            a, b = links[0].split("|")
            return a, b
    raise AssertionError(f"the partner's service {reference} does not cross its border link")


def _at(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _report(parties: Parties, service_id: str, start: float) -> dict[str, Any]:
    created = parties.acme.post(f"{PM_BASE}/performanceReport", json={
        "monitoredObject": [{"@type": "ServiceRef", "serviceId": service_id}], "outputFormat": "json",
        "resultFormat": "payload", "granularity": {"timeDurationValue": 15, "timeDurationUnits": "MIN"},
        "reportingTimeframe": {"reportingStartDate": _at(start), "reportingEndDate": _at(start + 900)},
        "serviceSpecificConfiguration": {"@type": CE_CONFIGURATION}})
    assert created.status_code == 201, created.text
    return created.json()


def _completed(parties: Parties, report_id: str) -> dict[str, Any]:
    return wait_until(lambda: (r := parties.acme.get(f"{PM_BASE}/performanceReport/{report_id}").json())["state"]
                      in ("completed", "failed") and r, timeout=90, interval=0.5, what="the report")


def _sls(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [data for content in report["reportContent"] for entry in content["reportContentItem"]
            for data in entry["measurementData"] if data["@type"] == SLS_RESULTS_TYPE]


def test_a_loss_in_the_partners_segment_shows_in_the_report_and_the_assessment_names_the_partner(
        parties: Parties, sof: httpx.Client, buyer: httpx.Client, through_partner_b: dict[str, Any]) -> None:
    service_id = through_partner_b["id"]
    reference = through_partner_b["serviceConfiguration"]["cadenzaDesign"]["partner"]["reference"]
    a, b = _partner_link(parties, buyer, reference)
    now = _clock(parties.sp)
    start = (int(now) // 900 + 1) * 900
    degraded = parties.partner_b.post("/cadenza/twin/v1/links/degrade", json={"a": a, "b": b, "loss_ratio": 0.03})
    assert degraded.status_code == 200, degraded.text
    try:
        # §10.4: the customer's report over the next interval, both segments assembled
        asked = _report(parties, service_id, start)
        _advance(parties, start + 900 - now + 1)
        report = _completed(parties, asked["id"])
        assert report["state"] == "completed", report.get("terminationError")
        sls = _sls(report)
        assert {r["direction"] for r in sls} == {"a-to-z", "z-to-a"}
        for result in sls:
            names = [s["name"] for s in result["segments"]]
            assert names[:-1] and names[-1] == "partner-b", names  # the SP's segments, then the partner's
            assert result["missingSegments"] == []
        lossy = [r for r in sls if r["frameLossRatioPercent"] > 2.0]
        assert lossy, [r["frameLossRatioPercent"] for r in sls]  # the partner's 3 % end to end
        partner = lossy[0]["segments"][-1]
        assert partner["frameLossRatioPercent"] > 2.0
        assert all((s["frameLossRatioPercent"] or 0) < 0.1 for s in lossy[0]["segments"][:-1])
        assert any("frame loss ratio" in o["text"] for o in lossy[0]["objectives"] if o["status"] == "breached")

        # §10.6: the SOF's job at the partner reports the next interval; its report triggers the assessment
        jobs = buyer.get(f"{interlude.PM_BASE}/performanceJob", params={"buyerJobId": f"{service_id}-sls"}).json()
        assert [j["state"] for j in jobs] == ["inProgress"], jobs
        _advance(parties, 901)
        found = wait_until(lambda: [d for d in parties.sp.get(f"{SLS}/degradation",
                                                              params={"serviceId": service_id}).json()
                                    if d["state"] != "detected"],
                           timeout=90, interval=0.5, what="the partner's report to trigger the assessment")
        degradation = found[0]
        assert degradation["cause"] == "partner-b"
        assert degradation["state"] == "manualIntervention", degradation["history"]
        why = degradation["history"][-1]["why"]
        assert "partner-b's segment loses" in why and "% of frames" in why and "meet the SLS" in why, why
        assert any("frame loss ratio" in sentence for sentence in degradation["breaches"])

        # the partner's ICM crossed its threshold: the partner tells us (Cadenza's INTERLUDE event)
        # and the customer reads a TCA alarm on its service whose source is the partner
        tca = wait_until(lambda: _alarms(parties, affectedServiceId=service_id, alarmType="qualityOfServiceAlarm"),
                         timeout=60, interval=0.5, what="the partner's crossing as a TCA alarm")
        assert {parties.acme.get(f"{ALARM_BASE}/alarm/{x['id']}").json()["sourceSystemId"] for x in tca} == {
            "partner-b"}
    finally:
        parties.partner_b.post("/cadenza/twin/v1/links/degrade", json={"a": a, "b": b, "loss_ratio": 0.0})


def _sp_link(parties: Parties, service: dict[str, Any]) -> tuple[str, str, str]:
    """A link under the SP's segments of the service that the ICM can route around (the core's
    mesh, or a metro ring's: not a border router's nor the UNI's PE's), and its network domain."""
    found = []
    for segment in service["serviceConfiguration"]["cadenzaDesign"]["segments"]:
        reply = parties.sp.post(f"/presto/{segment['networkDomain']}/restconf/operations/"
                                "get-connectivity-service-details/",
                                json={"input": {"service-id-or-name": segment["uuid"]}})
        assert reply.status_code == 200, reply.text
        found += [(not link.startswith("p"), link, segment["networkDomain"])
                  for link in reply.json()["output"]["service"]["cadenza-activation"]["s-vlans"]
                  if "border" not in link]
    assert found, f"service {service['id']} crosses no link of the SP's own"
    _, link, domain = min(found)
    a, b = link.split("|")
    return a, b, domain


def _alarms(parties: Parties, **params: str) -> list[dict[str, Any]]:
    reply = parties.acme.get(f"{ALARM_BASE}/alarm", params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_an_sp_link_down_under_the_off_net_service_is_rerouted_the_service_stays_active_and_its_alarm_clears(
        parties: Parties, sof: httpx.Client, through_partner_b: dict[str, Any]) -> None:
    """The SP's part of an off-net EVPL: its outage alarm is raised, the assessment the partner's next
    report triggers finds the SP's segment losing the frames and has the ICM move it off the link
    down (make before break), and the alarm clears as the segment carries traffic again."""
    service_id = through_partner_b["id"]
    a, b, domain = _sp_link(parties, through_partner_b)
    link = f"{a}|{b}"

    def degradations() -> list[dict[str, Any]]:
        return parties.sp.get(f"{SLS}/degradation", params={"serviceId": service_id}).json()

    # a clean interval first: the partner's degradation the test before left open is resolved, so
    # the next breach opens a degradation of its own
    _advance(parties, 1800)
    wait_until(lambda: all(d["state"] == "resolved" for d in degradations()), timeout=90, interval=0.5,
               what="the degradations left open to resolve")
    seen = {d["id"] for d in degradations()}
    failed = parties.sp.post("/cadenza/twin/v1/links/fail", json={"a": a, "b": b})
    assert failed.status_code == 200, failed.text
    try:
        raised = wait_until(lambda: _alarms(parties, affectedServiceId=service_id, alarmType="communicationsAlarm",
                                            state="unAcknowledged"), timeout=60, what="the outage alarm")
        assert len(raised) == 1
        alarm = parties.acme.get(f"{ALARM_BASE}/alarm/{raised[0]['id']}").json()
        assert alarm["specificProblem"] == f"link {link} is down" and alarm["sourceSystemId"].startswith("ICM-")
        _advance(parties, 1800)  # a whole interval with the link down, then the partner's report of it
        found = wait_until(lambda: [d for d in degradations() if d["id"] not in seen and d["state"] != "detected"],
                           timeout=90, interval=0.5, what="the assessment to find the SP's segment and reroute it")
        assert found[0]["cause"] == domain, found[0]
        assert found[0]["state"] == "rerouting", found[0]["history"]
        assert link in found[0]["history"][-1]["why"]
        cleared = wait_until(lambda: _alarms(parties, affectedServiceId=service_id, alarmType="communicationsAlarm",
                                             state="cleared"), timeout=90, interval=0.5,
                             what="the alarm to clear once the segment is moved off the link down")
        assert [x["id"] for x in cleared] == [raised[0]["id"]]
        after = sof.get(f"{INVENTORY_BASE}/service/{service_id}").json()
        assert after["state"] == "active"
        assert after["serviceConfiguration"]["operationalState"]["state"] == "ENABLED"
        assert link not in _sp_link_set(parties, after)
    finally:
        parties.sp.post("/cadenza/twin/v1/links/restore", json={"a": a, "b": b})


def test_a_link_down_in_the_partners_network_is_an_alarm_from_the_partner_on_the_customers_service(
        parties: Parties, buyer: httpx.Client, through_partner_b: dict[str, Any]) -> None:
    """The partner's service inventory says its segment is DISABLED, and tells us: the customer's
    outage alarm names the partner and clears when the partner's link is back."""
    service_id = through_partner_b["id"]
    reference = through_partner_b["serviceConfiguration"]["cadenzaDesign"]["partner"]["reference"]
    a, b = _partner_link(parties, buyer, reference)
    failed = parties.partner_b.post("/cadenza/twin/v1/links/fail", json={"a": a, "b": b})
    assert failed.status_code == 200, failed.text
    try:
        raised = wait_until(lambda: _alarms(parties, affectedServiceId=service_id, alarmType="communicationsAlarm",
                                            state="unAcknowledged"), timeout=60, what="the partner's outage alarm")
        alarm = parties.acme.get(f"{ALARM_BASE}/alarm/{raised[0]['id']}").json()
        assert alarm["sourceSystemId"] == "partner-b"
        assert alarm["specificProblem"] == (f"the segment of partner partner-b (its service {reference}) carries "
                                            "no traffic: partner-b says its operationalState is DISABLED")
    finally:
        parties.partner_b.post("/cadenza/twin/v1/links/restore", json={"a": a, "b": b})
    wait_until(lambda: [x for x in _alarms(parties, affectedServiceId=service_id, alarmType="communicationsAlarm",
                                           state="cleared") if x["id"] == raised[0]["id"]],
               timeout=60, what="the alarm to clear with the partner's repair")


def _sp_link_set(parties: Parties, service: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for segment in service["serviceConfiguration"]["cadenzaDesign"]["segments"]:
        reply = parties.sp.post(f"/presto/{segment['networkDomain']}/restconf/operations/"
                                "get-connectivity-service-details/",
                                json={"input": {"service-id-or-name": segment["uuid"]}})
        found |= set(reply.json()["output"]["service"]["cadenza-activation"]["s-vlans"])
    return found


def test_a_partner_reached_over_sonata_is_said_to_be_missing_and_why(parties: Parties, sof: httpx.Client,
                                                                       through_partner_b: dict[str, Any]) -> None:
    service = _ordered(parties, sof, site("site-east-3-1"), address("12", "Evergreen", "Springfield", "50002"),
                       vlan=612)
    assert service["serviceConfiguration"]["cadenzaDesign"]["partner"]["ordering"] == "sonata"
    now = _clock(parties.sp)
    start = (int(now) // 900 + 1) * 900
    asked = _report(parties, service["id"], start)
    _advance(parties, start + 900 - now + 1)
    report = _completed(parties, asked["id"])
    sls = _sls(report)
    assert sls, report
    for result in sls:
        assert "partner-a" not in [s["name"] for s in result["segments"]]
        [missing] = result["missingSegments"]
        assert missing.startswith("partner-a: its segment is not included") and "SONATA" in missing, missing


def test_the_partners_interlude_performance_monitoring_conforms_to_the_official_file(
        parties: Parties, buyer: httpx.Client, through_partner_b: dict[str, Any]) -> None:
    """Last in the module: schemathesis creates what it likes. No 5xx, every status documented,
    every response as the spec says, every request that breaks the spec refused."""
    args = [str(MEF_LSO / "interlude/serviceApi/pm/performanceMonitoring.api.yaml"),
            "--url", f"{buyer.base_url}{interlude.PM_BASE}",
            "-H", f"Authorization: {buyer.headers['Authorization']}",
            "-c", CHECKS, "-n", EXAMPLES, "--phases", "examples,coverage,fuzzing", "-w", "2",
            "--exclude-path-regex", "ComplexQuery", "--exclude-method", "PATCH"]
    code, output = run_schemathesis_once_more_if_the_tool_fails(args, start_schemathesis(args))
    assert code == 0, output[-8000:]
