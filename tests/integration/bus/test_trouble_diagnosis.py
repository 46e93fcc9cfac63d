"""What the BUS does with SOF's trouble reports (bus/trouble/diagnosis.py `apply_report`), at a
running domain: findings become seller notes once each however often the report is read; the
report's end moves the ticket (resolved, field work, pending); a report of an earlier take-up
only adds notes; and SOF's LEGATO trouble report operation refuses what it cannot diagnose."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cadenza.bus.trouble import ticket
from cadenza.bus.trouble.confirmation import desk_of
from cadenza.bus.trouble.diagnosis import apply_report
from cadenza.bus.trouble.records import record_of
from cadenza.bus.trouble.store import tickets
from cadenza.core.client_credentials import ClientCredentials
from cadenza.interfaces.cantata.trouble_ticket import TROUBLE_TICKET_BASE
from cadenza.interfaces.legato import trouble_report as contract
from cadenza.interfaces.legato.client import LegatoClient, LegatoRejected
from tests.integration.bus.trouble_domain import TroubleDomain, trouble_domain  # noqa: F401

TICKETS = f"{TROUBLE_TICKET_BASE}/troubleTicket"
LINK = "agg-e1:xe-0/2/0|agg-w1:xe-0/2/0"


@pytest.fixture(scope="module")
def acme(trouble_domain: TroubleDomain) -> Iterator[httpx.Client]:  # noqa: F811
    with trouble_domain.client("acme", "acme-demo-secret") as client:
        yield client


def _diagnosed_ticket(domain: TroubleDomain, acme: httpx.Client) -> str:
    """A ticket taken up for diagnosis (inProgress), as the desk's hook leaves it."""
    reply = acme.post(TICKETS, json={
        "description": "No frames pass", "observedImpact": "down", "priority": "high", "severity": "significant",
        "ticketType": "assistance",
        "relatedEntity": [{"@referredType": "Product", "id": domain.products["acme-corp"], "role": "Issue Source"}],
        "relatedContactInformation": [{"role": "reporterContact", "name": "Road Runner", "number": "+1-555-0102",
                                       "emailAddress": "rr@acme.example"}]})
    assert reply.status_code == 201, reply.text
    ticket_id = reply.json()["id"]
    with domain.database.transaction() as session:
        row = tickets.get(session, ticket_id, None)
        ticket.transition_to(session, row, ticket.IN_PROGRESS, reason="diagnosing")
    return ticket_id


def _report(ticket_id: str, state: str, *, cause: str | None = None, remedy: str | None = None, attempt: int = 1,
            findings: tuple[str, ...] = ()) -> contract.TroubleReport:
    return contract.TroubleReport(
        id="r-" + ticket_id[:8] + f"-{attempt}", service_id="svc-1", ticket_id=ticket_id, attempt=attempt,
        state=state, cause=cause, partner=None, partner_reference=None, remedy=remedy,
        findings=tuple(contract.Finding(at="2026-12-03T10:45:00.000Z", text=text, step="read") for text in findings))


def _apply(domain: TroubleDomain, report: contract.TroubleReport) -> dict[str, Any]:
    with domain.database.transaction() as session:
        apply_report(session, desk_of(domain.domain.config.name), report, domain=domain.domain.config.name)
    with domain.database.read() as session:
        return dict(tickets.get(session, report.ticket_id, None).document)


def test_findings_become_notes_once_and_a_resolved_report_resolves_the_ticket_with_its_remedy(
        trouble_domain: TroubleDomain, acme: httpx.Client) -> None:  # noqa: F811
    ticket_id = _diagnosed_ticket(trouble_domain, acme)
    said = (f"alarm since 10:42 UTC: link {LINK} is down", f"link {LINK} down since 10:42 UTC")
    midway = _apply(trouble_domain, _report(ticket_id, contract.REMEDIATING, findings=said))
    again = _apply(trouble_domain, _report(ticket_id, contract.REMEDIATING, findings=said))
    assert again["status"] == "inProgress"
    assert [n["text"] for n in again["note"]] == [n["text"] for n in midway["note"]] == list(said)
    remedy = f"link {LINK} down since 10:42 UTC; the service is rerouted"
    done = _apply(trouble_domain, _report(ticket_id, contract.RESOLVED, cause=f"link {LINK}", remedy=remedy,
                                          findings=(*said, "rerouted: the metro segment moves to pe-e1 > pe-w1")))
    assert done["status"] == "resolved"
    assert [n["text"] for n in done["note"]][2:] == ["rerouted: the metro segment moves to pe-e1 > pe-w1",
                                                     f"Resolved: {remedy}"]
    with trouble_domain.database.read() as session:
        record = record_of(session, tickets.get(session, ticket_id, None))
    assert record is not None and record["cause"] == "link down or degraded"
    # read once more after the resolution: nothing changes
    assert _apply(trouble_domain, _report(ticket_id, contract.RESOLVED, cause=f"link {LINK}", remedy=remedy,
                                          findings=(*said, "rerouted: the metro segment moves to pe-e1 > pe-w1")))[
        "note"] == done["note"]


def test_nothing_found_asks_the_customer_and_an_earlier_take_ups_report_moves_nothing(
        trouble_domain: TroubleDomain, acme: httpx.Client) -> None:  # noqa: F811
    ticket_id = _diagnosed_ticket(trouble_domain, acme)
    stale = _apply(trouble_domain, _report(ticket_id, contract.RESOLVED, attempt=2, remedy="rerouted",
                                           findings=("from a later take-up",)))
    assert stale["status"] == "inProgress" and stale["note"][-1]["text"] == "from a later take-up"
    asked = _apply(trouble_domain, _report(ticket_id, contract.NO_TROUBLE_FOUND, remedy="no fault found: every "
                                           "segment carries traffic", findings=("the metro segment carries traffic",)))
    assert asked["status"] == "pending"
    assert asked["note"][-1]["text"].startswith("We need from you: we found no fault (no fault found: every segment")


@pytest.mark.parametrize(("cause", "why", "task"), [
    ("element pe-e1", "element pe-e1 at the end of the service's metro segment is down since 10:42 UTC: no other "
     "path reaches that port; needs a site visit to repair it", "network element pe-e1"),
    ("port pe-e1:ge-0/0/1", "access port uni-east-1-1 (pe-e1 ge-0/0/1) down since 10:42 UTC: no other path reaches "
     "the customer's site; needs a site visit to repair it", "Replace the optics of port ge-0/0/1 of pe-e1"),
])
def test_a_site_visit_sends_field_work_for_the_element_or_access_port_sof_named(
        trouble_domain: TroubleDomain, acme: httpx.Client, cause: str, why: str, task: str) -> None:  # noqa: F811
    ticket_id = _diagnosed_ticket(trouble_domain, acme)
    sent = _apply(trouble_domain, _report(ticket_id, contract.NEEDS_SITE_VISIT, cause=cause, remedy=why,
                                          findings=(why,)))
    assert len(sent["workOrder"]) == 1
    said = next(n["text"] for n in sent["note"] if n["text"].startswith(f"{why}. Software cannot repair this: work "))
    assert task in said
    again = _apply(trouble_domain, _report(ticket_id, contract.NEEDS_SITE_VISIT, cause=cause, remedy=why,
                                           findings=(why,)))
    assert len(again["workOrder"]) == 1  # one work order however often the report is read


def test_sof_refuses_a_report_on_a_service_not_the_callers_and_shows_none_of_anothers(
        trouble_domain: TroubleDomain) -> None:  # noqa: F811
    legato = LegatoClient(trouble_domain.base_url, ClientCredentials(trouble_domain.base_url, "sp-bus",
                                                                     "bus-demo-secret"))
    try:
        with pytest.raises(LegatoRejected) as refused:
            legato.create_trouble_report("no-such-service", "t-1")
        body = refused.value.body
        assert refused.value.status == 422, body
        assert (body[0] if isinstance(body, list) else body)["code"] == "referenceNotFound"
        with pytest.raises(LegatoRejected) as missing:
            legato.get_trouble_report("no-such-report")
        assert missing.value.status == 404
        reply = legato._http.post(f"{contract.TROUBLE_REPORT_BASE}/troubleReport", json={"serviceId": "x"},
                                  headers={"Authorization": f"Bearer {legato._token()}"})
        errors = reply.json()
        assert reply.status_code == 422, errors
        assert (errors[0] if isinstance(errors, list) else errors)["propertyPath"] == "/ticketId"
    finally:
        legato.close()
