"""The `/hub` of a MEF API over HTTP: MEF bodies, party isolation and the 4xx answers."""

from __future__ import annotations

import threading

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cadenza.core.auth import ClientRegistry, token_router
from cadenza.core.db import Database
from cadenza.core.errors import install_error_handlers
from cadenza.core.notifications import HubStore, hub_router
from tests.helpers.auth import authenticator

API = "sonata.productOrder"
BASE = "/mefApi/sonata/productOrderingManagement/v10"
OTHER_BASE = "/mefApi/sonata/quoteManagement/v8"
EVENT_TYPES = {"productOrderStateChangeEvent", "productOrderItemStateChangeEvent",
               "cancelProductOrderStateChangeEvent"}
CALLBACK = "https://buyer.example/listenerEndpoint"


@pytest.fixture
def store(database: Database) -> HubStore:
    return HubStore(database)


@pytest.fixture
def client(database: Database, store: HubStore) -> TestClient:
    registry = ClientRegistry(database)
    registry.register("acme", "acme-secret", party="acme", role="buyer", scopes=["sonata"])
    registry.register("globex", "globex-secret", party="globex", role="buyer", scopes=["sonata"])
    registry.register("carol", "carol-secret", party="carol", role="customer", scopes=["cantata"])
    app = FastAPI()
    app.state.auth = authenticator(registry)
    install_error_handlers(app)
    app.include_router(token_router())
    app.include_router(hub_router(api=API, base_path=BASE, scope="sonata", event_types=EVENT_TYPES,
                                  hub_store=store))
    app.include_router(hub_router(api="sonata.quote", base_path=OTHER_BASE, scope="sonata",
                                  event_types={"quoteStateChangeEvent"}, hub_store=store))
    return TestClient(app)


def bearer(client: TestClient, name: str) -> dict[str, str]:
    answer = client.post("/oauth2/token", data={"grant_type": "client_credentials", "client_id": name,
                                                "client_secret": f"{name}-secret"})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_a_registered_listener_can_be_read_back_and_removed(client: TestClient, store: HubStore) -> None:
    acme = bearer(client, "acme")
    query = "eventType=productOrderStateChangeEvent,productOrderItemStateChangeEvent"
    created = client.post(f"{BASE}/hub", json={"callback": CALLBACK, "query": query}, headers=acme)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["callback"] == CALLBACK and body["query"] == query and body["id"]
    [kept] = store.subscriptions(api=API, party="acme")
    assert kept.event_types == ("productOrderItemStateChangeEvent", "productOrderStateChangeEvent")

    read = client.get(f"{BASE}/hub/{body['id']}", headers=acme)
    assert read.status_code == 200 and read.json() == body

    deleted = client.delete(f"{BASE}/hub/{body['id']}", headers=acme)
    assert deleted.status_code == 204 and deleted.content == b""
    gone = client.get(f"{BASE}/hub/{body['id']}", headers=acme)
    assert gone.status_code == 404 and gone.json()["code"] == "notFound"
    assert client.delete(f"{BASE}/hub/{body['id']}", headers=acme).status_code == 404


def test_registering_the_same_listener_again_gives_back_the_same_subscription(client: TestClient,
                                                                            store: HubStore) -> None:
    """A buyer registers at every start; it must not hear of each event once per start."""
    acme, globex = bearer(client, "acme"), bearer(client, "globex")
    first = client.post(f"{BASE}/hub", json={"callback": CALLBACK}, headers=acme)
    again = client.post(f"{BASE}/hub", json={"callback": CALLBACK}, headers=acme)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    narrower = client.post(f"{BASE}/hub", headers=acme,
                           json={"callback": CALLBACK, "query": "eventType=productOrderStateChangeEvent"})
    other_party = client.post(f"{BASE}/hub", json={"callback": CALLBACK}, headers=globex)
    ids = {first.json()["id"], narrower.json()["id"], other_party.json()["id"]}
    assert len(ids) == 3, "a different query or another party is another subscription"
    assert len(store.subscriptions(api=API, party="acme")) == 2


def test_an_empty_query_subscribes_to_every_event_type(client: TestClient, store: HubStore) -> None:
    created = client.post(f"{BASE}/hub", json={"callback": CALLBACK}, headers=bearer(client, "acme"))
    assert created.status_code == 201, created.text
    assert "query" not in created.json()
    [kept] = store.subscriptions(api=API)
    assert kept.event_types == () and kept.wants("cancelProductOrderStateChangeEvent")


def test_a_party_cannot_see_or_remove_another_partys_subscription(client: TestClient) -> None:
    acme, globex = bearer(client, "acme"), bearer(client, "globex")
    mine = client.post(f"{BASE}/hub", json={"callback": CALLBACK}, headers=acme).json()["id"]
    assert client.get(f"{BASE}/hub/{mine}", headers=globex).status_code == 404
    stolen = client.delete(f"{BASE}/hub/{mine}", headers=globex)
    assert stolen.status_code == 404 and stolen.json()["code"] == "notFound"
    assert client.get(f"{BASE}/hub/{mine}", headers=acme).status_code == 200


def test_a_subscription_belongs_to_the_hub_of_its_own_api(client: TestClient) -> None:
    acme = bearer(client, "acme")
    order_hub = client.post(f"{BASE}/hub", json={"callback": CALLBACK}, headers=acme).json()["id"]
    assert client.get(f"{OTHER_BASE}/hub/{order_hub}", headers=acme).status_code == 404
    assert client.delete(f"{OTHER_BASE}/hub/{order_hub}", headers=acme).status_code == 404
    assert client.get(f"{BASE}/hub/{order_hub}", headers=acme).status_code == 200


@pytest.mark.parametrize("callback", ["buyer.example/cb", "/relative/path", "ftp://buyer.example/cb",
                                      "https://", "https://buyer.example/cb?token=1", "https://buyer.example:99999/",
                                      "not a url at all"])
def test_a_callback_that_is_not_an_absolute_http_url_is_refused(client: TestClient, callback: str) -> None:
    answer = client.post(f"{BASE}/hub", json={"callback": callback}, headers=bearer(client, "acme"))
    # the hub specs document 400 for a bad registration, not 422
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "invalidBody" and answer.json()["reason"].startswith("/callback")


@pytest.mark.parametrize("query", ["eventType=productOrderCreateEvent", "eventType=productOrderStateChangeEvent,,x",
                                   "state=completed", "eventType=quoteStateChangeEvent"])
def test_a_query_naming_unknown_event_types_or_other_filters_is_refused(client: TestClient, query: str) -> None:
    answer = client.post(f"{BASE}/hub", json={"callback": CALLBACK, "query": query}, headers=bearer(client, "acme"))
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "invalidBody" and answer.json()["reason"].startswith("/query")


def test_a_missing_callback_is_named_in_the_bad_request(client: TestClient) -> None:
    answer = client.post(f"{BASE}/hub", json={"query": "eventType=productOrderStateChangeEvent"},
                         headers=bearer(client, "acme"))
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalidBody" and answer.json()["reason"].startswith("/callback")


@pytest.mark.parametrize("content", [b'{"callback": ', b"[1, 2]", b'"https://buyer.example"'])
def test_a_body_that_is_not_an_event_subscription_input_is_a_bad_request(client: TestClient, content: bytes) -> None:
    headers = {**bearer(client, "acme"), "Content-Type": "application/json;charset=utf-8"}
    answer = client.post(f"{BASE}/hub", content=content, headers=headers)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "invalidBody"


def test_the_hub_needs_a_token_with_the_apis_scope(client: TestClient) -> None:
    anonymous = client.post(f"{BASE}/hub", json={"callback": CALLBACK})
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "missingCredentials"
    wrong_scope = client.post(f"{BASE}/hub", json={"callback": CALLBACK}, headers=bearer(client, "carol"))
    assert wrong_scope.status_code == 403 and wrong_scope.json()["code"] == "accessDenied"
    assert client.get(f"{BASE}/hub/anything", headers=bearer(client, "carol")).status_code == 403


def test_registrations_of_one_callback_at_once_make_one_subscription(database: Database) -> None:
    """Workers of a domain starting together, or a retry crossing its first try, register the
    same callback at the same moment: the hub keeps one."""
    at_once = threading.Barrier(6)
    ids: list[str] = []

    def register() -> None:
        at_once.wait(10)
        ids.append(HubStore(database).subscribe(api=API, party="acme", callback=CALLBACK, query=None,
                                                event_types=[]).id)

    threads = [threading.Thread(target=register) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(ids) == 6 and len(set(ids)) == 1
    assert [s.id for s in HubStore(database).subscriptions(api=API, party="acme")] == ids[:1]
