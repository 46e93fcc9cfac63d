"""The twin's HTTP control: status and fault injection, MEF errors for unknown names, the `twin` scope."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cadenza.core.auth import ClientRegistry
from cadenza.core.db import Database
from cadenza.core.errors import install_error_handlers
from cadenza.ecm.api.twin import twin_router
from cadenza.ecm.twin import NetworkTwin
from tests.helpers.auth import authenticator, bearer_header


def client(twin: NetworkTwin, scopes: tuple[str, ...] = ("twin",)) -> TestClient:
    app = FastAPI()
    app.state.auth = authenticator(ClientRegistry(Database("sqlite://")))
    install_error_handlers(app)
    app.include_router(twin_router(twin))
    return TestClient(app, headers=bearer_header(app.state.auth.issuer, party="op", role="operator",
                                                 scopes=list(scopes)))


def test_links_can_be_failed_degraded_and_restored(twin: NetworkTwin) -> None:
    api = client(twin)
    assert api.post("/cadenza/twin/v1/links/fail", json={"a": "pe1", "b": "p1"}).json()["up"] is False
    body = api.post("/cadenza/twin/v1/links/degrade", json={"a": "pe1", "b": "p1", "delay_ms": 9, "loss_ratio": 0.1})
    assert body.json()["delayMs"] == 9
    assert api.post("/cadenza/twin/v1/links/restore", json={"a": "p1", "b": "pe1"}).json()["up"] is True
    link = api.get("/cadenza/twin/v1/status").json()["links"][0]
    assert (link["up"], link["lossRatio"]) == (True, 0.1)


def test_elements_can_be_failed_and_restored(twin: NetworkTwin) -> None:
    api = client(twin)
    assert api.post("/cadenza/twin/v1/elements/p1/fail").json()["up"] is False
    assert not twin.element("p1").up
    assert api.post("/cadenza/twin/v1/elements/p1/restore").json()["up"] is True


def test_unknown_names_are_404_with_a_mef_error(twin: NetworkTwin) -> None:
    api = client(twin)
    response = api.post("/cadenza/twin/v1/elements/nope/fail")
    assert response.status_code == 404
    assert response.json()["code"] == "notFound"
    assert api.post("/cadenza/twin/v1/links/fail", json={"a": "pe1", "b": "pe2"}).status_code == 404


def test_an_impossible_degradation_is_422(twin: NetworkTwin) -> None:
    response = client(twin).post("/cadenza/twin/v1/links/degrade", json={"a": "pe1", "b": "p1", "loss_ratio": 2})
    assert response.status_code == 422


def test_breaking_the_network_needs_the_twin_scope(twin: NetworkTwin) -> None:
    without = client(twin, scopes=("presto", "admin"))
    refused = without.post("/cadenza/twin/v1/elements/p1/fail")
    assert refused.status_code == 403 and refused.json()["code"] == "accessDenied"
    assert twin.element("p1").up
    anonymous = client(twin)
    anonymous.headers.pop("Authorization")
    assert anonymous.get("/cadenza/twin/v1/status").status_code == 401
