"""The BUS follows an SLS degradation its SOF tells of as the incident of the customer's product
(SQLite and PostgreSQL): every step of the degradation is a note and a move of the incident, told
to that customer's hub and no other, each step applied once however often it is heard, and a
degradation heard of late still passes through every state. Documents are the spec's."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cadenza.bus.incident.follow import Desk, follow
from cadenza.bus.incident.rows import IncidentDegradationRow
from cadenza.bus.incident.store import incidents
from cadenza.bus.incident.views import incident_find_view
from cadenza.bus.product_inventory import new_product
from cadenza.bus.rows import BusResourceRow
from cadenza.core.db import Base, Database
from cadenza.core.errors import NotFound
from cadenza.interfaces.legato.degradation import Degradation, HistoryEntry
from cadenza.landscape import models  # noqa: F401 - every table mapped
from cadenza.landscape.database import alembic_config, migrate
from tests.integration.bus.incident_product import acme_evpl, queued
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
    return acme_evpl(database)


def _heard(database: Database, party: str) -> list[tuple[str, str]]:
    """(eventType, incident id) of every event queued for `party`'s listener, in order."""
    return [(event_type, body["event"]["id"]) for event_type, body in queued(database, party, "IncidentEvent")]


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


# the other direction of the same service, on the same lossy link: found a second later, rerouted with it,
# back one interval later than a-to-z
BACK_FOUND = HistoryEntry(at="2026-12-01T10:50:01.500Z", state="detected", metrics=("oneWayFrameLossRatioPmMetric",),
                          why="CoS H: frame loss ratio 5.1 % over 15 min exceeds the objective 0.1 %")
BACK_MOVED = HistoryEntry(at="2026-12-01T10:50:02.500Z", state="rerouting", interval=1995691,
                          why="located in metro on agg-w1|agg-e1: rerouted off it (agg-w1 > core-1 > agg-e1)")
BACK_BACK = HistoryEntry(at="2026-12-01T11:35:01.000Z", state="resolved", why="the interval meets the SLS again")


def _reverse(*history: HistoryEntry, degradation_id: str = "d-back") -> Degradation:
    return Degradation(id=degradation_id, service_id="svc-1", direction="z-to-a", state=history[-1].state,
                       cause="metro", breaches=(BACK_FOUND.why,), since="2026-12-01T10:45:00.000Z",
                       last_breach=None, resolved_at="2026-12-01T11:30:00.000Z" if history[-1] is BACK_BACK else None,
                       history=history)


# what the SOF shows at successive moments: the two directions of svc-1 as hear() reads them
SNAPSHOTS = [
    (_degradation(FOUND),),
    (_degradation(FOUND), _reverse(BACK_FOUND)),
    (_degradation(FOUND, MOVED), _reverse(BACK_FOUND, BACK_MOVED)),
    (_degradation(FOUND, MOVED, BACK), _reverse(BACK_FOUND, BACK_MOVED)),
    (_degradation(FOUND, MOVED, BACK), _reverse(BACK_FOUND, BACK_MOVED, BACK_BACK)),
]


def _follow_all(database: Database, first: Degradation, *also: Degradation) -> dict[str, Any]:
    with database.transaction() as session:
        row = follow(session, DESK, first, *also)
        assert row is not None
        return dict(row.document)


def _incidents_of(database: Database, product_id: str) -> list[dict[str, Any]]:
    with database.read() as session:
        rows, _ = incidents.list(session, "acme-corp", equal={"relatedEntityId": product_id})
        return [dict(r.document) for r in rows]


def test_both_directions_of_a_service_are_one_incident_closed_only_when_both_are_resolved(
        database: Database, product_id: str) -> None:
    opened = _follow_all(database, *SNAPSHOTS[0])
    joined = _follow_all(database, *reversed(SNAPSHOTS[1]))  # heard from the other direction's event
    assert joined["id"] == opened["id"] and joined["status"] == "created"
    assert joined["description"] == ("EVPL " + product_id + " between Springfield and Shelbyville: traffic in both "
                                     "directions does not meet the SLS")
    assert joined["note"][1]["text"] == (
        "Traffic from Shelbyville to Springfield does not meet the SLS either: CoS H: frame loss ratio 5.1 % over "
        "15 min exceeds the objective 0.1 % (traffic from Shelbyville to Springfield) since 10:45 UTC on "
        "2026-12-01; located in our metro network")
    assert joined["note"][1]["author"] == "Cadenza SP service assurance"
    moved = _follow_all(database, *SNAPSHOTS[2])
    assert moved["status"] == "inProgress"
    assert moved["note"][2]["text"].startswith("For traffic from Springfield to Shelbyville: rerouted by us")
    assert moved["note"][3]["text"].startswith("For traffic from Shelbyville to Springfield: rerouted by us")
    one_back = _follow_all(database, *SNAPSHOTS[3])
    assert one_back["status"] == "inProgress" and "closedDate" not in one_back  # the other direction is not back
    assert one_back["note"][4]["text"] == (
        "For traffic from Springfield to Shelbyville: resolved: the interval meets the SLS again from 11:15 UTC on "
        "2026-12-01; traffic from Shelbyville to Springfield is still being handled")
    closed = _follow_all(database, *SNAPSHOTS[4])
    assert_valid(SPEC, "Incident", closed)
    assert (closed["status"], closed["closedDate"]) == ("closed", BACK_BACK.at)
    assert [c["status"] for c in closed["statusChange"]] == ["created", "inProgress", "inProgress", "closed"]
    assert [n["id"] for n in closed["note"]] == ["1", "2", "3", "4", "5", "6"]
    assert [i["id"] for i in _incidents_of(database, product_id)] == [closed["id"]]
    incident = closed["id"]
    assert _heard(database, "acme-corp") == [
        ("incidentCreateEvent", incident),  # once: the other direction joins it
        ("incidentAttributeValueChangeEvent", incident),  # z-to-a joins
        ("incidentStatusChangeEvent", incident),  # a-to-z rerouted: inProgress
        ("incidentAttributeValueChangeEvent", incident),  # z-to-a rerouted: the loop
        ("incidentAttributeValueChangeEvent", incident),  # a-to-z back, z-to-a not yet: a note
        ("incidentStatusChangeEvent", incident)]  # both back: closed


def _shown(document: dict[str, Any]) -> tuple[Any, ...]:
    """What a customer reads of an incident, without what differs between two products (ids, when it was
    stored, the product named in the description)."""
    return (document["status"], document["priority"], document["severity"], document.get("expectedClosedDate"),
            document.get("closedDate"),
            [(c["status"], c["changeDate"], c["changeReason"]) for c in document["statusChange"]],
            [(n["id"], n["date"], n["text"]) for n in document["note"]])


HEARINGS = {  # which of SNAPSHOTS the BUS reads, in order
    "every step": [0, 1, 2, 3, 4],
    "late, all at once": [4],
    "twice, and skipping some": [1, 1, 3, 3, 4, 4],
    "late for the other direction": [0, 2, 4, 4],
}


def _of_service(degradation: Degradation, service_id: str) -> Degradation:
    return Degradation(**{**{f: getattr(degradation, f) for f in Degradation.__slots__},
                          "id": f"{degradation.id}-{service_id}", "service_id": service_id})


def _another_product(database: Database, service_id: str) -> str:
    place = [{"@type": "GeographicSiteRef", "id": "site-east-1-1"},
             {"@type": "GeographicSiteRef", "id": "site-west-1-1"}]
    item = {"id": "1", "product": {"productOffering": {"id": "evpl"}, "productConfiguration": {}, "place": place}}
    with database.transaction() as session:
        # as bus/fulfilment.py stores them: the href absolute
        row = new_product(session, family="cantata", owner="acme-corp", order_id=f"o-{service_id}", item=item,
                          base="https://sp.example/mefApi/cantata/productInventory/v1")
        row.external_key = service_id
        return row.id


def test_one_incident_however_late_twice_or_from_which_direction_its_events_are_heard(
        database: Database, product_id: str) -> None:
    for shown in SNAPSHOTS:  # the reference: every step heard, from a-to-z's events
        _follow_all(database, *shown)
    [reference] = _incidents_of(database, product_id)
    assert reference["status"] == "closed" and "both directions" in reference["description"]
    for n, (hearing, moments) in enumerate(HEARINGS.items()):
        for event_of in ("a-to-z", "z-to-a"):
            service_id = f"svc-{n}-{event_of}"
            product = _another_product(database, service_id)
            for moment in moments:
                shown = [_of_service(d, service_id) for d in SNAPSHOTS[moment]]
                _follow_all(database, *(shown if event_of == "a-to-z" else reversed(shown)))
            [incident] = _incidents_of(database, product)
            assert _shown(incident) == _shown(reference), (hearing, event_of)
            assert [e["href"] for e in incident["relatedEntity"]] == [
                f"https://sp.example/mefApi/cantata/productInventory/v1/product/{product}"]
    created = [i for t, i in _heard(database, "acme-corp") if t == "incidentCreateEvent"]
    assert len(created) == len(set(created)) == 1 + 2 * len(HEARINGS)  # one per product


def test_a_degradation_after_the_incident_closed_opens_a_new_one(database: Database, product_id: str) -> None:
    first = _follow(database, _degradation(FOUND, BACK))
    later = HistoryEntry(at="2026-12-01T12:05:01.000Z", state="detected", metrics=("oneWayMeanFrameDelayPmMetric",),
                         why="CoS H: mean frame delay 30 ms over 15 min exceeds the objective 10 ms")
    second = _follow_all(database, _reverse(later, degradation_id="d-later"), _degradation(FOUND, BACK))
    assert second["id"] != first["id"] and second["status"] == "created"
    assert (second["severity"], second["priority"]) == ("moderate", "medium")  # only late frames this time
    assert len(second["note"]) == 1 and "mean frame delay 30 ms" in second["note"][0]["text"]
    assert sorted(i["status"] for i in _incidents_of(database, product_id)) == ["closed", "created"]
    assert [t for t, _ in _heard(database, "acme-corp")].count("incidentCreateEvent") == 2


def test_both_directions_heard_at_once_open_one_incident(database: Database, product_id: str) -> None:
    """Each direction's event in its own transaction, at the same moment: the first to open the
    incident keeps its transaction open a while (its trouble desk at work), the second must wait
    for it and join, not open a second (PostgreSQL: the product row is locked)."""
    opening = threading.Event()

    def slow_desk(_session: Session, _row: Any) -> None:
        if not opening.is_set():
            opening.set()
            time.sleep(0.5)

    desk = dataclasses.replace(DESK, on_change=slow_desk)
    a_to_z, z_to_a = SNAPSHOTS[1]
    failed: list[BaseException] = []

    def hear(first: Degradation, other: Degradation, wait: bool) -> None:
        if wait:
            opening.wait(5)
        try:
            with database.transaction() as session:
                follow(session, desk, first, other)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failed.append(exc)

    threads = [threading.Thread(target=hear, args=(a_to_z, z_to_a, False)),
               threading.Thread(target=hear, args=(z_to_a, a_to_z, True))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failed == []
    [incident] = _incidents_of(database, product_id)
    assert len(incident["note"]) == 2 and incident["status"] == "created"
    assert [t for t, _ in _heard(database, "acme-corp")] == ["incidentCreateEvent", "incidentAttributeValueChangeEvent"]


def test_the_database_refuses_a_second_open_incident_on_a_product(database: Database, product_id: str) -> None:
    opened = _follow(database, _degradation(FOUND))
    with pytest.raises(IntegrityError), database.transaction() as session:
        incidents.add(session, family="cantata", owner="acme-corp", state="created", document=dict(opened),
                      external_key=product_id)


def test_the_incident_degradation_table_is_the_migrations(database: Database) -> None:
    with database.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [diff for diff in diffs if "bus_incident_degradation" in str(diff) or "bus_resource" in str(diff)] == []


def test_incidents_from_before_follow_their_degradation_on(database: Database, product_id: str) -> None:
    """Incidents the BUS opened before the migration (keyed by their one degradation, their notes
    the steps applied; the two directions of a service two incidents) are followed on after it,
    each its own degradation, and the older one open on the product is the one it keys."""
    older = _follow(database, _degradation(FOUND, MOVED))
    config = alembic_config(database.url)
    [before] = [r.down_revision for r in ScriptDirectory.from_config(config).walk_revisions()
                if r.doc.startswith("bus_incident_degradation:")]
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, before)
    with database.transaction() as session:
        assert incidents.get(session, older["id"], None).external_key == "d-1"
        there = "traffic from Springfield to Shelbyville"
        assert there in older["description"]
        incidents.add(session, family="cantata", owner="acme-corp", state="created", external_key="d-back",
                      resource_id="legacy-2", document={
                          **{k: v for k, v in older.items() if k != "expectedClosedDate"}, "id": "legacy-2",
                          "status": "created", "statusChange": older["statusChange"][:1], "note": older["note"][:1],
                          "description": older["description"].replace(there, "traffic from Shelbyville to "
                                                                             "Springfield")})
    migrate(database)
    with database.read() as session:
        links = {r.degradation_id: (r.incident_id, r.direction, r.applied, r.state)
                 for r in session.scalars(select(IncidentDegradationRow))}
        keys = {r.id: r.external_key for r in session.scalars(select(BusResourceRow).where(
            BusResourceRow.kind == incidents.kind))}
    assert links == {"d-1": (older["id"], "a-to-z", 2, "rerouting"), "d-back": ("legacy-2", "z-to-a", 1, "detected")}
    assert keys == {older["id"]: product_id, "legacy-2": None}
    back = _follow_all(database, _reverse(BACK_FOUND, BACK_MOVED), _degradation(FOUND, MOVED))
    assert (back["id"], back["status"], len(back["note"])) == ("legacy-2", "inProgress", 2)
    closed = _follow_all(database, _degradation(FOUND, MOVED, BACK), _reverse(BACK_FOUND, BACK_MOVED))
    assert (closed["id"], closed["status"], len(closed["note"])) == (older["id"], "closed", 3)
