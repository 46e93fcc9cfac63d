"""MEF 55.0.1 §10.5 step 9, "reassign to a free port where an access port failed": acme's
building 2A (site-east-2-1) is cabled to its UNI port and to a spare one (`uni-east-2-1-spare`
in the demo topology). Its UNI port fails; the service goes DISABLED; acme's ticket is
diagnosed by SOF, which finds the spare free and has the ICM move the service's end there
(PRESTO `cadenza-reassign-end-point`, make before break), with no technician sent. The SP is
killed (SIGKILL) while SOF remediates: after the restart the ticket carries on and the move is
neither lost nor done twice. (A failed port with no spare gets field work:
tests/e2e/test_trouble_reports.py.)"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cadenza.interfaces.allegro.alarm_paths import ALARM_BASE
from cadenza.interfaces.legato.paths import INVENTORY_BASE
from tests.e2e.conftest import Parties, evpl, item, site
from tests.helpers.servers import wait_until

LANDSCAPE_PARTNERS: tuple[str, ...] = ()  # on-net only: no partner domain to start

TICKETS = "/mefApi/cantata/troubleTicket/v4/troubleTicket"
REPORTS = "/cadenza/legato/troubleReport/v1/troubleReport"
UNI, SPARE = "uni-east-2-1", "uni-east-2-1-spare"
ELEMENT, PORT, SPARE_PORT = "pe-e2", "ge-0/0/1", "ge-0/0/4"


@pytest.fixture(scope="module")
def sof(parties: Parties) -> httpx.Client:
    client = parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp")
    parties.clients.append(client)
    return client


def _sip(operator: httpx.Client, sip: str) -> dict[str, Any]:
    reply = operator.post("/presto/metro/restconf/operations/get-service-interface-point-details/",
                          json={"input": {"sip-id-or-name": sip}})
    assert reply.status_code == 200, reply.text
    return dict(reply.json()["output"]["sip"])


def _segment_now(operator: httpx.Client, uuid: str) -> dict[str, Any]:
    reply = operator.post("/presto/metro/restconf/operations/get-connectivity-service-details/",
                          json={"input": {"service-id-or-name": uuid}})
    assert reply.status_code == 200, reply.text
    return dict(reply.json()["output"]["service"])


@pytest.mark.timeout(600)  # the module's landscape starts in this test, and the SP starts again in it
def test_a_failed_uni_port_with_a_spare_at_the_site_is_reassigned_once_across_a_sigkill_and_resolves(
        parties: Parties, sof: httpx.Client) -> None:
    done = parties.deliver(sof, item("1", "evpl", evpl(741, 741), site("site-east-2-1"), site("site-west-1-1")))
    service_id = done.service
    [segment] = sof.get(f"{INVENTORY_BASE}/service/{service_id}").json()["serviceConfiguration"][
        "cadenzaDesign"]["segments"]
    assert segment["a"]["edgePoint"] == UNI and _sip(parties.sp, SPARE)["cadenza-spare-for"] == UNI

    assert parties.sp.post("/cadenza/twin/v1/ports/fail", json={"element": ELEMENT, "port": PORT}).is_success
    wait_until(lambda: sof.get(f"{INVENTORY_BASE}/service/{service_id}").json()["serviceConfiguration"][
        "operationalState"]["state"] == "DISABLED", timeout=30, what="the service DISABLED at the SOF")
    wait_until(lambda: parties.acme.get(f"{ALARM_BASE}/alarm", params={"affectedServiceId": service_id,
                                                                       "state": "unAcknowledged"}).json(),
               timeout=60, what="the outage alarm")
    opened = parties.acme.post(TICKETS, json={
        "description": "Building 2A is cut off", "issueStartDate": "2026-12-03T10:40:00Z", "priority": "high",
        "severity": "significant", "ticketType": "maintenance", "observedImpact": "down",
        "relatedEntity": [{"@referredType": "Product", "id": done.product, "role": "affectedProduct"}],
        "relatedContactInformation": [{"role": "reporterContact", "name": "Ann Smith", "number": "+1-555-0101",
                                       "emailAddress": "ann@acme.example"}]})
    assert opened.status_code == 201, opened.text
    ticket_id = opened.json()["id"]

    def remediating() -> bool:
        reports = sof.get(REPORTS, params={"ticketId": ticket_id}).json()
        assert not any(r["state"] in ("resolved", "needsSiteVisit") for r in reports), reports
        return any(r["state"] == "remediating" for r in reports)

    wait_until(remediating, timeout=90, interval=0.02, what="SOF to start remediating")
    sp = parties.landscape.domains["sp"]
    sp.kill()  # SIGKILL with the move asked for, or about to be
    sp.start(sp.tmp_path.parent / "sp.yaml")
    acme = parties.landscape.client("sp", "acme", "acme-demo-secret")
    operator = parties.landscape.client("sp", "sp-operator", "operator-demo-secret")
    legato = parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp")
    parties.clients += [acme, operator, legato]
    resolved = wait_until(lambda: (t := acme.get(f"{TICKETS}/{ticket_id}").json())["status"] == "resolved" and t,
                          timeout=120, what="the ticket resolved after the restart")

    notes = [n["text"] for n in resolved["note"]]
    assert any(n.startswith(f"access port {UNI} ({ELEMENT} {PORT}) down since ") and f"spare port {SPARE}" in n
               for n in notes), notes
    assert not resolved.get("workOrder")  # no technician: software moved the service
    [report] = legato.get(REPORTS, params={"ticketId": ticket_id}).json()
    assert report["cause"] == f"port {ELEMENT}:{PORT}"
    moved = [f["text"] for f in report["findings"] if f["step"] == "remedy"]
    assert len(moved) == 1 and f"spare port {SPARE} instead of {UNI}" in moved[0], moved
    assert [h["state"] for h in report["history"]] == ["acknowledged", "diagnosing", "remediating", "resolved"]

    # the network, the ICM and the SOF all say the service ends at the spare now, and carries traffic
    now = _segment_now(operator, segment["uuid"])
    assert [ep["service-interface-point"]["service-interface-point-id"] for ep in now["end-point"]][0] == SPARE
    assert now["operational-state"] == "ENABLED" and now["cadenza-activation"]["route-faults"] == []
    status = operator.get("/cadenza/twin/v1/status").json()
    [fc] = [fc for e in status["elements"] if e["name"] == ELEMENT for fc in e["forwardingConstructs"]
            if fc["id"] == segment["uuid"]]
    assert SPARE_PORT in str(fc) and f"'{PORT}'" not in str(fc)
    failed = _sip(operator, UNI)  # the failed port is given back, the spare is taken
    assert failed["available-capacity"] == failed["total-potential-capacity"]
    assert _sip(operator, SPARE)["available-capacity"] != _sip(operator, SPARE)["total-potential-capacity"]
    service = legato.get(f"{INVENTORY_BASE}/service/{service_id}").json()
    assert service["serviceConfiguration"]["operationalState"]["state"] == "ENABLED"
    assert service["serviceConfiguration"]["cadenzaDesign"]["segments"][0]["a"]["edgePoint"] == SPARE
    tested = operator.post("/presto/metro/restconf/operations/cadenza-run-activation-test/",
                           json={"input": {"service-id-or-name": segment["uuid"]}}).json()["output"]["test"]
    assert tested["result"] == "PASS", tested
