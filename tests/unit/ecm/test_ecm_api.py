"""The twin's HTTP control: status and fault injection, MEF errors for unknown names, the `twin` scope."""

from __future__ import annotations

import pytest
from ecm_chain import FakeClock, chain, path_fcs
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cadenza.core.auth import ClientRegistry
from cadenza.core.db import Database
from cadenza.core.errors import install_error_handlers
from cadenza.ecm.api.twin import twin_router
from cadenza.ecm.manager import ElementManager
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


def test_the_clock_can_be_read_stopped_and_advanced() -> None:
    api = client(NetworkTwin(chain()))
    assert api.get("/cadenza/twin/v1/clock").json()["scale"] == 1
    stopped = api.post("/cadenza/twin/v1/clock", json={"scale": 0}).json()
    advanced = api.post("/cadenza/twin/v1/clock", json={"advanceSeconds": 900}).json()
    assert advanced["epochSeconds"] == pytest.approx(stopped["epochSeconds"] + 900)
    refused = api.post("/cadenza/twin/v1/clock", json={"advanceSeconds": -5})
    assert refused.status_code == 422


def test_a_twin_on_its_hosts_clock_refuses_to_change_time(twin: NetworkTwin) -> None:
    reply = client(twin).post("/cadenza/twin/v1/clock", json={"scale": 2})
    assert reply.status_code == 422 and "host" in reply.json()["reason"]


def test_a_services_demand_can_be_set_read_and_reset(manager: ElementManager, twin: NetworkTwin,
                                                     clock: FakeClock) -> None:
    manager.apply_many(path_fcs())
    api = client(twin)
    assert api.get("/cadenza/twin/v1/demand/svc-1").json()["custom"] is False
    body = api.put("/cadenza/twin/v1/demand/svc-1", json={"offeredMbps": 80}).json()
    assert (body["offeredMbps"], body["custom"]) == (80, True)
    clock.now += 120
    directions = api.get("/cadenza/twin/v1/traffic/svc-1?windowSeconds=60").json()["directions"]
    assert [d["offeredMbps"] for d in directions] == [pytest.approx(80), pytest.approx(80)]
    assert directions[0]["greenMbps"] == pytest.approx(50)  # the CIR of path_fcs
    assert api.delete("/cadenza/twin/v1/demand/svc-1").json()["custom"] is False


def test_bad_demand_and_unknown_services_get_mef_errors(manager: ElementManager, twin: NetworkTwin) -> None:
    manager.apply_many(path_fcs())
    api = client(twin)
    assert api.put("/cadenza/twin/v1/demand/svc-1", json={"burstFactor": 0.5}).status_code == 422
    assert api.put("/cadenza/twin/v1/demand/svc-1", json={"colour": "green"}).status_code == 422
    missing = api.get("/cadenza/twin/v1/demand/nothing-here")
    assert missing.status_code == 404 and "nothing-here" in missing.json()["reason"]
    assert api.get("/cadenza/twin/v1/traffic/nothing-here").status_code == 404
