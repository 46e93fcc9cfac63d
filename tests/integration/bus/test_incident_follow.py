"""The BUS follows an SLS degradation its SOF tells of as the incident of the customer's product
(SQLite and PostgreSQL): every step of the degradation is a note and a move of the incident, told
to that customer's hub and no other, each step applied once however often it is heard, and a
degradation heard of late still passes through every state. Documents are the spec's."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cadenza.bus.incident.follow import Desk, follow
from cadenza.bus.incident.store import incidents
from cadenza.bus.incident.views import incident_find_view
from cadenza.bus.product_inventory import new_product
from cadenza.core.db import Database
from cadenza.core.errors import NotFound
from cadenza.core.notifications.rows import EventSubscriptionRow, OutboxEventRow
from cadenza.core.notifications.store import HubStore
from cadenza.interfaces.cantata.trouble_ticket import TROUBLE_TICKET_API
from cadenza.interfaces.legato.degradation import Degradation, HistoryEntry
from tests.integration.sof.openapi import assert_valid

SPEC = "cantata/productApi/troubleTicket/troubleTicketManagement.api.yaml"
NOTIFICATION = "cantata/productApi/troubleTicket/troubleTicketNotification.api.yaml"
DESK = Desk(organization="Cadenza SP", base_url="https://sp.example",
            contact={"role": "incidentContact", "name": "Cadenza SP incident desk",
                     "emailAddress": "incidents@sp.example", "number": "+1-555-0199"},
            sites={"site-east-1-1": "Springfield", "site-west-1-1": "Shelbyville"})
FOUND = HistoryEntry(at="2026-12-01T10:50:01.000Z", state="detected", metrics=("oneWayFrameLossRatioPmMetric",),
                     why="CoS H: frame loss ratio 4.9 % over 15 min exceeds the objective 0.1 %")
MOVED = HistoryEntry(at="2026-12-01T10:50:02.000Z", state="rerouting", interval=1995691,  # 10:45-11:00
                     why="located in metro on agg-e1|agg-w1: rerouted off it (agg-e1 > core-1 > agg-w1)")
OUTLIVED = HistoryEntry(at="2026-12-01T11:05:01.000Z", state="manualIntervention",
                        why="the breach outlived the reroute")
BACK = HistoryEntry(at="2026-12-01T11:20:01.000Z", state="resolved", why="the interval meets the SLS again")


def _degradation(*history: HistoryEntry, degradation_id: str = "d-1") -> Degradation:
    return Degradation(id=degradation_id, service_id="svc-1", direction="a-to-z", state=history[-1].state,
                       cause="metro", breaches=(FOUND.why,), since="2026-12-01T10:45:00.000Z", last_breach=None,
                       resolved_at="2026-12-01T11:15:00.000Z" if history[-1] is BACK else None, history=history)


@pytest.fixture
def product_id(database: Database) -> str:
    hubs = HubStore(database)
    for party in ("acme-corp", "globex"):
        hubs.subscribe(api=TROUBLE_TICKET_API, party=party, callback=f"https://{party}.example", query=None,
                       event_types=[])
    item = {"id": "1", "product": {"productOffering": {"id": "evpl"}, "productConfiguration": {}, "place": [
        {"@type": "GeographicSiteRef", "id": "site-east-1-1"}, {"@type": "GeographicSiteRef", "id": "site-west-1-1"}]}}
    with database.transaction() as session:
        row = new_product(session, family="cantata", owner="acme-corp", base="/mefApi/cantata/productInventory/v1",
                          order_id="o-1", item=item)
        row.external_key = "svc-1"
        return row.id


def _heard(database: Database, party: str) -> list[tuple[str, str]]:
    """(eventType, incident id) of every event queued for `party`'s listener, in order."""
    with database.read() as session:
        rows = session.execute(select(OutboxEventRow.event_type, OutboxEventRow.body).join(
            EventSubscriptionRow, EventSubscriptionRow.id == OutboxEventRow.subscription_id).where(
            EventSubscriptionRow.party == party).order_by(OutboxEventRow.created_at, OutboxEventRow.id))
        found = []
        for event_type, body in rows:
            assert_valid(NOTIFICATION, "IncidentEvent", body)
            found.append((event_type, body["event"]["id"]))
        return found


def _follow(database: Database, degradation: Degradation) -> dict[str, Any]:
    with database.transaction() as session:
        row = follow(session, DESK, degradation)
        assert row is not None
        return dict(row.document)


def test_a_degradation_is_an_incident_that_follows_it_to_its_close(database: Database, product_id: str) -> None:
    created = _follow(database, _degradation(FOUND))
    assert_valid(SPEC, "Incident", created)
    assert (created["status"], created["impact"], created["incidentType"]) == ("created", "degraded", "repair")
    assert (created["severity"], created["priority"]) == ("significant", "high")
    assert created["relatedEntity"] == [{"@referredType": "Product", "id": product_id, "role": "affectedProduct",
                                         "href": f"https://sp.example/mefApi/cantata/productInventory/v1/product/"
                                                 f"{product_id}"}]
    assert created["href"] == f"https://sp.example/mefApi/cantata/troubleTicket/v4/incident/{created['id']}"
    assert created["situationStartDate"] == "2026-12-01T10:45:00.000Z"
    assert "Springfield and Shelbyville" in created["description"]
    assert "frame loss ratio 4.9 %" in created["note"][0]["text"] and "since 10:45 UTC" in created["note"][0]["text"]

    moved = _follow(database, _degradation(FOUND, MOVED))
    assert moved["status"] == "inProgress"
    assert moved["expectedClosedDate"] == "2026-12-01T11:15:00.000Z"  # the end of the interval after the reroute
    assert "agg-e1|agg-w1" in moved["note"][1]["text"]
    needs_person = _follow(database, _degradation(FOUND, MOVED, OUTLIVED))
    assert (needs_person["status"], needs_person["priority"]) == ("inProgress", "critical")
    assert needs_person["expectedClosedDate"] == "2026-12-01T15:05:01.000Z"  # the repair target: four hours
    closed = _follow(database, _degradation(FOUND, MOVED, OUTLIVED, BACK))
    assert_valid(SPEC, "Incident", closed)
    assert (closed["status"], closed["closedDate"]) == ("closed", BACK.at)
    assert [c["status"] for c in closed["statusChange"]] == ["created", "inProgress", "inProgress", "closed"]
    assert [n["id"] for n in closed["note"]] == ["1", "2", "3", "4"]
    assert_valid(SPEC, "Incident_Find", incident_find_view(closed))

    again = _follow(database, _degradation(FOUND, MOVED, OUTLIVED, BACK))  # heard once more: nothing new
    assert again == closed
    incident = closed["id"]
    assert _heard(database, "acme-corp") == [
        ("incidentCreateEvent", incident), ("incidentStatusChangeEvent", incident),
        ("incidentAttributeValueChangeEvent", incident), ("incidentStatusChangeEvent", incident)]
    assert _heard(database, "globex") == []  # MEF 124 R71: not globex's product
    with database.read() as session:
        with pytest.raises(NotFound):
            incidents.get(session, incident, "globex")
        listed, total = incidents.list(session, "acme-corp", state="closed", equal={"relatedEntityId": product_id})
        assert total == 1 and listed[0].id == incident
        assert incidents.list(session, "acme-corp", equal={"severity": "moderate"})[1] == 0
        assert incidents.list(session, "acme-corp", within={"closedDate": (None, FOUND.at)})[1] == 0


def test_a_degradation_heard_of_only_once_resolved_still_opens_and_closes_its_incident(
        database: Database, product_id: str) -> None:
    closed = _follow(database, _degradation(FOUND, BACK, degradation_id="d-2"))
    assert [c["status"] for c in closed["statusChange"]] == ["created", "closed"]
    assert "expectedClosedDate" not in closed  # never inProgress: no date was promised
    assert [t for t, _ in _heard(database, "acme-corp")] == ["incidentCreateEvent", "incidentStatusChangeEvent"]


def test_a_degradation_of_a_service_no_customer_bought_over_cantata_is_no_incident(database: Database) -> None:
    with database.transaction() as session:
        assert follow(session, DESK, _degradation(FOUND, degradation_id="d-3")) is None
