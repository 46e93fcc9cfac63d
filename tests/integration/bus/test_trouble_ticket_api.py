"""Trouble tickets over HTTP at a running domain (MEF 124 use cases 1-6): over CANTATA a
customer opens, lists with the spec's filters, retrieves, patches, cancels, and confirms or
rejects a resolution, sees only its own tickets and hears of every move and note at its hub
listener; a resolved ticket it does not answer closes after the confirmation period (a DBOS
wait). Over SONATA a provider buying from the domain does the same with Cadenza's SONATA client.
Requests are checked against the official file; answers conform to it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cadenza.bus.incident.follow import Desk, follow
from cadenza.bus.product_inventory import products
from cadenza.bus.trouble import desk as trouble
from cadenza.bus.trouble import ticket
from cadenza.bus.trouble.confirmation import desk_of
from cadenza.bus.trouble.store import tickets
from cadenza.core.notifications.listener import listener_router
from cadenza.interfaces.cantata.trouble_ticket import TROUBLE_TICKET_BASE, TROUBLE_TICKET_LISTENER_BASE
from cadenza.interfaces.sonata import SonataClient, SonataHttpError
from tests.helpers.openapi import assert_conforms
from tests.helpers.servers import serve, wait_until
from tests.integration.bus.test_trouble_desk import BACK, FOUND, _degradation
from tests.integration.bus.trouble_domain import CONFIRMATION_S, TroubleDomain, trouble_domain  # noqa: F401

SPEC = "cantata/productApi/troubleTicket/troubleTicketManagement.api.yaml"
SONATA_SPEC = "sonata/productApi/troubleTicket/troubleTicketManagement.api.yaml"
TICKETS = f"{TROUBLE_TICKET_BASE}/troubleTicket"


def _create(product_id: str, **more: Any) -> dict[str, Any]:
    return {"description": "No frames pass since 09:12", "observedImpact": "down", "priority": "critical",
            "severity": "extensive", "ticketType": "assistance", "externalId": "T-1",
            "relatedEntity": [{"@referredType": "Product", "id": product_id, "role": "Issue Source"}],
            "relatedContactInformation": [{"role": "reporterContact", "name": "Road Runner", "number": "+1-555-0102",
                                           "emailAddress": "rr@acme.example"}], **more}


@pytest.fixture(scope="module")
def acme(trouble_domain: TroubleDomain) -> Iterator[httpx.Client]:  # noqa: F811
    with trouble_domain.client("acme", "acme-demo-secret") as client:
        yield client


@pytest.fixture(scope="module")
def globex(trouble_domain: TroubleDomain) -> Iterator[httpx.Client]:  # noqa: F811
    with trouble_domain.client("globex", "globex-demo-secret") as client:
        yield client


@pytest.fixture(scope="module")
def heard(acme: httpx.Client) -> Iterator[list[tuple[str, str]]]:
    """acme's listener at the CANTATA trouble ticket hub: (eventType, ticket id) as they arrive."""
    events: list[tuple[str, str]] = []
    lock = threading.Lock()

    def on_event(event_type: str, event: dict[str, Any]) -> None:
        with lock:
            events.append((event_type, event["event"]["id"]))

    app = FastAPI()
    app.include_router(listener_router(TROUBLE_TICKET_LISTENER_BASE, on_event))
    with serve(app) as url:
        hub = acme.post(f"{TROUBLE_TICKET_BASE}/hub", json={"callback": url,
                                                           "query": "eventType=troubleTicketStatusChangeEvent,"
                                                                    "troubleTicketResolvedEvent,"
                                                                    "troubleTicketAttributeValueChangeEvent,"
                                                                    "troubleTicketInformationRequiredEvent"})
        assert hub.status_code == 201, hub.text
        yield events
        acme.delete(f"{TROUBLE_TICKET_BASE}/hub/{hub.json()['id']}")


def _seller(trouble_domain: TroubleDomain, ticket_id: str, act: Any) -> None:  # noqa: F811
    """What the SP's side does (diagnosis, not built, will): act on the ticket in the domain."""
    assert trouble_domain.domain.business is not None
    desk = desk_of(trouble_domain.domain.business.bus.name)
    with trouble_domain.database.transaction() as session:
        act(session, desk, tickets.get(session, ticket_id, None))


def test_a_customer_opens_lists_patches_and_cancels_its_ticket_and_another_sees_none_of_it(
        trouble_domain: TroubleDomain, acme: httpx.Client, globex: httpx.Client,  # noqa: F811
        heard: list[tuple[str, str]]) -> None:
    product = trouble_domain.products["acme-corp"]
    created = acme.post(TICKETS, json=_create(product))
    assert created.status_code == 201, created.text
    assert_conforms(SPEC, "/troubleTicket", "post", 201, created.json())
    ticket_id = created.json()["id"]
    assert created.json()["status"] == "acknowledged"

    listed = acme.get(TICKETS, params={"relatedEntityId": product, "priority": "critical", "status": "acknowledged"})
    assert listed.status_code == 200 and [t["id"] for t in listed.json()] == [ticket_id]
    assert listed.headers["X-Total-Count"] == "1"
    assert acme.get(TICKETS, params={"severity": "minor"}).json() == []
    assert acme.get(TICKETS, params={"creationDate.lt": "2020-01-01T00:00:00Z"}).json() == []
    got = acme.get(f"{TICKETS}/{ticket_id}")
    assert got.status_code == 200 and got.json() == created.json()
    assert_conforms(SPEC, "/troubleTicket/{id}", "get", 200, got.json())

    # globex sees nothing of acme's and touches nothing of it
    assert globex.get(TICKETS).json() == []
    for reply in (globex.get(f"{TICKETS}/{ticket_id}"), globex.post(f"{TICKETS}/{ticket_id}/cancel"),
                  globex.patch(f"{TICKETS}/{ticket_id}", json={"externalId": "mine"})):
        assert reply.status_code == 404 and reply.json()["code"] == "notFound", reply.text
    refused = globex.post(TICKETS, json=_create(product))  # on acme's product
    assert refused.status_code == 422 and refused.json()[0]["code"] == "referenceNotFound", refused.text

    bad = acme.post(TICKETS, json={**_create(product), "priority": "urgent"})  # not in the spec's enum
    assert bad.status_code == 422 and bad.json()[0]["propertyPath"] == "/priority", bad.text

    patched = acme.patch(f"{TICKETS}/{ticket_id}", json={"externalId": "T-1b", "observedImpact": "intermittent"})
    assert patched.status_code == 200, patched.text
    assert_conforms(SPEC, "/troubleTicket/{id}", "patch", 200, patched.json())
    assert (patched.json()["externalId"], patched.json()["observedImpact"]) == ("T-1b", "intermittent")
    no_note = acme.patch(f"{TICKETS}/{ticket_id}", json={"severity": "minor"})
    assert no_note.status_code == 422 and no_note.json()[0]["propertyPath"] == "/note", no_note.text

    assert acme.post(f"{TICKETS}/{ticket_id}/close").status_code == 422  # nothing resolved to confirm
    cancelled = acme.post(f"{TICKETS}/{ticket_id}/cancel")
    assert cancelled.status_code == 204, cancelled.text
    assert acme.get(f"{TICKETS}/{ticket_id}").json()["status"] == "cancelled"
    again = acme.post(f"{TICKETS}/{ticket_id}/cancel")
    assert again.status_code == 422, again.text
    wait_until(lambda: [e for e in heard if e[1] == ticket_id] == [("troubleTicketStatusChangeEvent", ticket_id)] * 2,
               timeout=30, what="acme to hear assessingCancellation, then cancelled")


def test_every_move_and_note_reaches_the_customer_and_an_unanswered_resolution_closes_the_ticket(
        trouble_domain: TroubleDomain, acme: httpx.Client, heard: list[tuple[str, str]]) -> None:  # noqa: F811
    ticket_id = acme.post(TICKETS, json=_create(trouble_domain.products["acme-corp"], externalId="T-2")).json()["id"]
    _seller(trouble_domain, ticket_id, lambda s, d, r: ticket.transition_to(s, r, ticket.IN_PROGRESS, reason="look"))
    _seller(trouble_domain, ticket_id, lambda s, d, r: trouble.require_information(s, d, r, "your VLAN"))
    notes = acme.get(f"{TICKETS}/{ticket_id}").json()["note"]
    answer = {"id": "b-1", "author": "Road Runner", "date": "2026-12-01T10:00:00Z", "source": "buyer",
              "text": "VLAN 401"}
    assert acme.patch(f"{TICKETS}/{ticket_id}", json={"note": [*notes, answer]}).json()["status"] == "inProgress"
    _seller(trouble_domain, ticket_id, lambda s, d, r: trouble.resolve(s, d, r, "the port was reset"))
    resolved = acme.get(f"{TICKETS}/{ticket_id}").json()
    assert resolved["status"] == "resolved" and resolved["note"][-1]["text"] == "Resolved: the port was reset"
    found = acme.get(TICKETS, params={"status": "resolved", "externalId": "T-2"}).json()
    assert_conforms(SPEC, "/troubleTicket", "get", 200, found)

    # no answer from acme: the confirmation period passes and the wait (DBOS) closes it
    closed = wait_until(lambda: (t := acme.get(f"{TICKETS}/{ticket_id}").json())["status"] == "closed" and t,
                        timeout=CONFIRMATION_S + 30, interval=0.3, what="the unconfirmed ticket to close")
    assert "no answer from the buyer within the confirmation period" in closed["statusChange"][-1]["changeReason"]
    expected = [("troubleTicketStatusChangeEvent", ticket_id),  # inProgress
                ("troubleTicketStatusChangeEvent", ticket_id), ("troubleTicketInformationRequiredEvent", ticket_id),
                ("troubleTicketStatusChangeEvent", ticket_id),  # inProgress on acme's answer
                ("troubleTicketStatusChangeEvent", ticket_id), ("troubleTicketResolvedEvent", ticket_id),
                ("troubleTicketStatusChangeEvent", ticket_id)]  # closed
    wait_until(lambda: sorted(e for e in heard if e[1] == ticket_id) == sorted(expected), timeout=30,
               what="acme to hear every move")


def test_the_customer_rejects_a_resolution_then_confirms_the_next(
        trouble_domain: TroubleDomain, acme: httpx.Client) -> None:  # noqa: F811
    ticket_id = acme.post(TICKETS, json=_create(trouble_domain.products["acme-corp"])).json()["id"]
    _seller(trouble_domain, ticket_id, lambda s, d, r: ticket.transition_to(s, r, ticket.IN_PROGRESS, reason="look"))
    _seller(trouble_domain, ticket_id, lambda s, d, r: trouble.resolve(s, d, r, "the port was reset"))
    missing = acme.post(f"{TICKETS}/{ticket_id}/reopen", json={})
    assert missing.status_code == 422 and missing.json()[0]["propertyPath"] == "/reason", missing.text
    assert acme.post(f"{TICKETS}/{ticket_id}/reopen", json={"reason": "still down"}).status_code == 204
    reopened = acme.get(f"{TICKETS}/{ticket_id}").json()
    assert reopened["status"] == "reopened" and reopened["note"][-1]["author"] == "closureRejection"
    _seller(trouble_domain, ticket_id, lambda s, d, r: ticket.transition_to(s, r, ticket.IN_PROGRESS, reason="again"))
    _seller(trouble_domain, ticket_id, lambda s, d, r: trouble.resolve(s, d, r, "the optic was replaced"))
    assert acme.post(f"{TICKETS}/{ticket_id}/close").status_code == 204
    statuses = [c["status"] for c in acme.get(f"{TICKETS}/{ticket_id}").json()["statusChange"]]
    assert statuses == ["acknowledged", "inProgress", "resolved", "reopened", "inProgress", "resolved", "closed"]


def test_a_provider_buying_from_the_domain_opens_and_follows_a_ticket_over_sonata(
        trouble_domain: TroubleDomain) -> None:  # noqa: F811
    product = trouble_domain.products["provider-x"]
    with SonataClient(trouble_domain.base_url, client_id="provider-x", client_secret="provider-x-secret") as sonata:
        created = sonata.create_trouble_ticket(_create(product, externalId="PX-1"))
        assert_conforms(SONATA_SPEC, "/troubleTicket", "post", 201, created)
        assert created["href"].endswith(f"/mefApi/sonata/troubleTicket/v4/troubleTicket/{created['id']}")
        assert [t["id"] for t in sonata.list_trouble_tickets(externalId="PX-1").items] == [created["id"]]
        assert sonata.get_trouble_ticket(created["id"])["status"] == "acknowledged"
        hub = sonata.register_listener("troubleTicket", "https://provider-x.example/listen")
        assert hub["callback"] == "https://provider-x.example/listen"
        with pytest.raises(SonataHttpError) as refused:  # a CANTATA product is not one it bought over SONATA
            sonata.create_trouble_ticket(_create(trouble_domain.products["acme-corp"]))
        assert refused.value.status == 422
        _seller(trouble_domain, created["id"], lambda s, d, r: ticket.transition_to(s, r, ticket.IN_PROGRESS,
                                                                                   reason="look"))
        _seller(trouble_domain, created["id"], lambda s, d, r: trouble.resolve(s, d, r, "the NNI was reset"))
        sonata.reopen_trouble_ticket(created["id"], "still lossy")
        assert sonata.get_trouble_ticket(created["id"])["status"] == "reopened"
        other = sonata.create_trouble_ticket(_create(product, externalId="PX-2"))
        sonata.cancel_trouble_ticket(other["id"])
        assert sonata.get_trouble_ticket(other["id"])["status"] == "cancelled"
    with trouble_domain.client("acme", "acme-demo-secret") as acme:  # the CANTATA API does not serve it
        assert acme.get(f"{TICKETS}/{created['id']}").status_code == 404


def test_a_ticket_on_a_product_with_an_open_incident_attaches_to_it_and_closes_on_confirmation(
        trouble_domain: TroubleDomain, acme: httpx.Client, heard: list[tuple[str, str]]) -> None:  # noqa: F811
    """Proactive detection: the SP found the degradation first; the customer's ticket joins it."""
    assert trouble_domain.domain.business is not None
    product = trouble_domain.products["acme-corp"]
    with trouble_domain.database.transaction() as session:
        tickets_desk = desk_of(trouble_domain.domain.business.bus.name)
        products.get(session, product, None).external_key = "svc-acme"
        incident_desk = Desk(organization="Cadenza SP", base_url=trouble_domain.base_url,
                             contact={"role": "incidentContact", "name": "d", "emailAddress": "d@x.example",
                                      "number": "1"},
                             on_change=lambda s, row: trouble.incident_changed(s, tickets_desk, row))
        incident = follow(session, incident_desk, _degradation(FOUND, service_id="svc-acme"))
        assert incident is not None
        incident_id = incident.id
    created = acme.post(TICKETS, json=_create(product, externalId="T-5"))
    assert created.status_code == 201, created.text
    assert_conforms(SPEC, "/troubleTicket", "post", 201, created.json())
    ticket_id = created.json()["id"]
    assert created.json()["status"] == "inProgress"
    assert [(i["@referredType"], i["id"]) for i in created.json()["relatedIssue"]] == [("Incident", incident_id)]
    assert acme.get(f"{TROUBLE_TICKET_BASE}/incident/{incident_id}").status_code == 200  # the customer can read it

    with trouble_domain.database.transaction() as session:
        follow(session, incident_desk, _degradation(FOUND, BACK, service_id="svc-acme"))
    resolved = acme.get(f"{TICKETS}/{ticket_id}").json()
    assert resolved["status"] == "resolved" and f"incident {incident_id} is closed" in resolved["note"][-1]["text"]
    assert acme.post(f"{TICKETS}/{ticket_id}/close").status_code == 204
    assert acme.get(f"{TICKETS}/{ticket_id}").json()["status"] == "closed"
    # the note attaching it (attribute value change), inProgress, resolved (and its own event), closed
    wait_until(lambda: sorted(e for e in heard if e[1] == ticket_id) == sorted(
        [("troubleTicketAttributeValueChangeEvent", ticket_id), ("troubleTicketResolvedEvent", ticket_id),
         *[("troubleTicketStatusChangeEvent", ticket_id)] * 3]), timeout=30, what="acme to hear every change")
