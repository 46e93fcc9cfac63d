"""An outage the SOF raises is an incident at once (MEF 55.0.1 §10.5, proactive trouble
detection; SQLite and PostgreSQL): the customer's product's incident opens when the alarm is
raised, joins the one open for an SLS degradation, closes when the alarm clears and every
degradation it follows is resolved, each step once however often it is heard. A ticket on the
product while the outage lasts is diagnosed (the first one: nothing else remedies an outage) and
related to the incident; one more, while that one is worked on, follows the incident and is
resolved when it closes. Documents and events are the spec's."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy.orm import Session

from cadenza.bus.incident.follow import Desk, follow
from cadenza.bus.incident.outage import follow_outage
from cadenza.bus.incident.store import incidents
from cadenza.bus.rows import BusResourceRow
from cadenza.bus.trouble import desk as trouble
from cadenza.bus.trouble import ticket
from cadenza.bus.trouble.store import tickets
from cadenza.bus.trouble.ticket import CANTATA_TICKETS
from cadenza.core.db import Database
from cadenza.interfaces.legato.alarm import Alarm
from cadenza.interfaces.legato.degradation import Degradation, HistoryEntry
from tests.integration.bus.incident_product import acme_evpl, queued
from tests.integration.sof.openapi import assert_valid

SPEC = "cantata/productApi/troubleTicket/troubleTicketManagement.api.yaml"
NOTIFICATION = "cantata/productApi/troubleTicket/troubleTicketNotification.api.yaml"
PROBLEM = "link agg-e1|agg-w1 down"
RAISED = Alarm(id="a-1", service_id="svc-1", state="unAcknowledged", probable_cause="underlyingResourceUnavailable",
               service_affecting=True, specific_problem=PROBLEM,
               details=f"Service svc-1 cannot carry traffic: {PROBLEM}",
               raised_at="2026-12-01T10:42:07.000Z", cleared_at=None)
CLEARED = dataclasses.replace(RAISED, state="cleared", cleared_at="2026-12-01T10:42:31.000Z",
                              details="Cleared: every segment of the service carries traffic again")
FOUND = HistoryEntry(at="2026-12-01T10:45:01.000Z", state="detected", metrics=("oneWayFrameLossRatioPmMetric",),
                     why="CoS H: frame loss ratio 4.9 % over 15 min exceeds the objective 0.1 %")
BACK = HistoryEntry(at="2026-12-01T11:00:01.000Z", state="resolved", why="the interval meets the SLS again")
DESK_CONTACT = {"role": "incidentContact", "name": "Cadenza SP incident desk", "emailAddress": "incidents@sp.example",
                "number": "+1-555-0199"}


def _degradation(*history: HistoryEntry) -> Degradation:
    return Degradation(id="d-1", service_id="svc-1", direction="a-to-z", state=history[-1].state, cause="metro",
                       breaches=(FOUND.why,), since="2026-12-01T10:30:00.000Z", last_breach=None,
                       resolved_at="2026-12-01T10:45:00.000Z" if history[-1] is BACK else None, history=history)


class Diagnoses:
    """The desk's diagnosis hook as bus/trouble/diagnosis.py `ask_sof` behaves towards the ticket
    (inProgress, saying so); asking SOF over LEGATO is tested there."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, session: Session, row: BusResourceRow) -> None:
        self.asked.append(row.id)
        ticket.transition_to(session, row, ticket.IN_PROGRESS, reason="diagnosing", wake=None)


@pytest.fixture
def desks() -> tuple[trouble.TroubleDesk, Desk, Diagnoses]:
    diagnoses = Diagnoses()
    tickets_desk = trouble.TroubleDesk(organization="Cadenza SP", base_url="https://sp.example",
                                       contact={**DESK_CONTACT, "role": "sellerTicketContact"}, confirmation_s=3600,
                                       diagnose=diagnoses)
    incident_desk = Desk(organization="Cadenza SP", base_url="https://sp.example", contact=DESK_CONTACT,
                         sites={"site-east-1-1": "Springfield", "site-west-1-1": "Shelbyville"},
                         on_change=lambda session, row: trouble.incident_changed(session, tickets_desk, row))
    return tickets_desk, incident_desk, diagnoses


@pytest.fixture
def product_id(database: Database) -> str:
    return acme_evpl(database)


def _outage(database: Database, desk: Desk, alarm: Alarm) -> dict[str, Any]:
    with database.transaction() as session:
        row = follow_outage(session, desk, alarm)
        assert row is not None
        return dict(row.document)


def _incident_events(database: Database, party: str) -> list[str]:
    return [event_type for event_type, _ in queued(database, party, "IncidentEvent", "incident")]


def test_an_outage_is_an_incident_from_the_moment_it_is_raised_until_it_clears(
        database: Database, desks: tuple[trouble.TroubleDesk, Desk, Diagnoses], product_id: str) -> None:
    _, desk, _ = desks
    opened = _outage(database, desk, RAISED)
    assert_valid(SPEC, "Incident", opened)
    assert (opened["status"], opened["impact"], opened["severity"], opened["priority"]) == (
        "created", "down", "significant", "high")
    assert opened["situationStartDate"] == RAISED.raised_at
    assert opened["description"] == f"EVPL {product_id} between Springfield and Shelbyville: no traffic passes"
    assert opened["note"][0]["text"] == (f"EVPL {product_id} between Springfield and Shelbyville carries no traffic "
                                         f"since 10:42 UTC on 2026-12-01: {PROBLEM}")
    assert _outage(database, desk, RAISED) == opened  # heard twice: applied once
    closed = _outage(database, desk, CLEARED)
    assert_valid(SPEC, "Incident", closed)
    assert (closed["status"], closed["closedDate"]) == ("closed", CLEARED.cleared_at)
    assert [c["status"] for c in closed["statusChange"]] == ["created", "closed"]
    assert closed["note"][-1]["text"].startswith("Traffic passes again on ")
    assert _outage(database, desk, CLEARED) == closed
    assert _incident_events(database, "acme-corp") == ["incidentCreateEvent", "incidentStatusChangeEvent"]
    assert _incident_events(database, "globex") == []
    # the product's next outage is a new incident
    assert _outage(database, desk, dataclasses.replace(RAISED, id="a-2"))["id"] != closed["id"]


def test_an_alarm_heard_only_once_cleared_still_opens_and_closes_its_incident(
        database: Database, desks: tuple[trouble.TroubleDesk, Desk, Diagnoses], product_id: str) -> None:
    closed = _outage(database, desks[1], CLEARED)
    assert [c["status"] for c in closed["statusChange"]] == ["created", "closed"]
    assert len(closed["note"]) == 2


def test_an_outage_and_a_degradation_of_one_product_are_one_incident_closed_when_both_are_over(
        database: Database, desks: tuple[trouble.TroubleDesk, Desk, Diagnoses], product_id: str) -> None:
    _, desk, _ = desks
    with database.transaction() as session:
        first = follow(session, desk, _degradation(FOUND))
        assert first is not None
        incident_id = first.id
    joined = _outage(database, desk, RAISED)
    assert joined["id"] == incident_id and joined["impact"] == "down"
    assert joined["note"][-1]["text"].startswith("Now no traffic passes at all: ")
    assert "both directions" in joined["description"]
    still = _outage(database, desk, CLEARED)
    assert still["status"] == "created" and still["impact"] == "degraded"
    assert still["note"][-1]["text"].endswith("is still being handled")
    with database.transaction() as session:
        done = follow(session, desk, _degradation(FOUND, BACK))
        assert done is not None and done.id == incident_id
        assert done.state == "closed"


def _create(product_id: str) -> dict[str, Any]:
    return {"description": "No traffic between our sites", "observedImpact": "down", "priority": "high",
            "severity": "significant", "ticketType": "maintenance",
            "relatedEntity": [{"@referredType": "Product", "id": product_id, "role": "affectedProduct"}],
            "relatedContactInformation": [{"role": "reporterContact", "name": "Wile E.", "number": "+1-555-0101",
                                           "emailAddress": "wile@acme.example"}]}


def test_the_first_ticket_in_an_outage_is_diagnosed_a_second_follows_the_incident(
        database: Database, desks: tuple[trouble.TroubleDesk, Desk, Diagnoses], product_id: str) -> None:
    tickets_desk, desk, diagnoses = desks
    incident_id = _outage(database, desk, RAISED)["id"]
    with database.transaction() as session:
        first = trouble.open_ticket(session, tickets_desk, CANTATA_TICKETS, "acme-corp", _create(product_id)).id
        second = trouble.open_ticket(session, tickets_desk, CANTATA_TICKETS, "acme-corp", _create(product_id)).id
    assert diagnoses.asked == [first]
    with database.read() as session:
        diagnosed = tickets.get(session, first, None).document
        following = tickets.get(session, second, None).document
    assert_valid(SPEC, "TroubleTicket", diagnosed)
    assert [(i["id"], i["relationshipType"]) for i in diagnosed["relatedIssue"]] == [(incident_id, "related to")]
    assert diagnosed["note"][0]["text"].startswith(f"We know of this outage: incident {incident_id}")
    assert [(i["id"], i["relationshipType"]) for i in following["relatedIssue"]] == [(incident_id, "caused by")]
    assert following["status"] == "inProgress"
    _outage(database, desk, CLEARED)
    with database.read() as session:
        # the incident closing resolves the ticket that follows it; the diagnosed one its diagnosis resolves
        assert tickets.get(session, second, None).state == "resolved"
        assert tickets.get(session, first, None).state == "inProgress"
        assert incidents.get(session, incident_id, None).state == "closed"


def test_a_ticket_left_waiting_for_the_buyers_answer_does_not_keep_the_next_from_diagnosis(
        database: Database, desks: tuple[trouble.TroubleDesk, Desk, Diagnoses], product_id: str) -> None:
    tickets_desk, desk, diagnoses = desks
    with database.transaction() as session:
        earlier = trouble.open_ticket(session, tickets_desk, CANTATA_TICKETS, "acme-corp", _create(product_id))
        trouble.require_information(session, tickets_desk, earlier, "we found no fault; tell us what you see")
    _outage(database, desk, RAISED)
    with database.transaction() as session:
        later = trouble.open_ticket(session, tickets_desk, CANTATA_TICKETS, "acme-corp", _create(product_id)).id
    assert diagnoses.asked == [earlier.id, later]


def test_once_the_outage_is_over_a_ticket_on_the_product_is_diagnosed_as_ever(
        database: Database, desks: tuple[trouble.TroubleDesk, Desk, Diagnoses], product_id: str) -> None:
    tickets_desk, desk, diagnoses = desks
    _outage(database, desk, CLEARED)
    with database.transaction() as session:
        only = trouble.open_ticket(session, tickets_desk, CANTATA_TICKETS, "acme-corp", _create(product_id)).id
    assert diagnoses.asked == [only]
    with database.read() as session:
        assert "relatedIssue" not in tickets.get(session, only, None).document


def test_a_customer_asking_for_proactive_tickets_has_its_outage_diagnosed_before_it_reports_anything(
        database: Database, desks: tuple[trouble.TroubleDesk, Desk, Diagnoses], product_id: str) -> None:
    tickets_desk, desk, diagnoses = desks
    tickets_desk.proactive = {"acme-corp": {"name": "Wile E.", "number": "+1-555-0101",
                                            "emailAddress": "wile@acme.example"}}
    incident_id = _outage(database, desk, RAISED)["id"]
    [opened] = diagnoses.asked  # the outage is remedied through the ticket opened in acme's name
    with database.read() as session:
        proactive = tickets.get(session, opened, None).document
    assert_valid(SPEC, "TroubleTicket", proactive)
    assert proactive["description"].startswith(f"Opened for you by Cadenza SP on finding incident {incident_id}: ")
    assert (proactive["observedImpact"], proactive["status"]) == ("down", "inProgress")
    assert [(i["id"], i["relationshipType"]) for i in proactive["relatedIssue"]] == [(incident_id, "related to")]
    _outage(database, desk, RAISED)  # heard again: no second ticket
    with database.transaction() as session:
        later = trouble.open_ticket(session, tickets_desk, CANTATA_TICKETS, "acme-corp", _create(product_id)).id
    assert diagnoses.asked == [opened]  # acme's own ticket follows the incident while its first is worked on
    with database.read() as session:
        assert [(i["id"], i["relationshipType"]) for i in tickets.get(session, later, None).document[
            "relatedIssue"]] == [(incident_id, "caused by")]
