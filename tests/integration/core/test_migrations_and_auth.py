from __future__ import annotations

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from cadenza.core.auth import Principal, require
from cadenza.core.db import Database
from tests.integration.core.conftest import PARTY, bearer


def test_migrations_create_the_core_tables(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    assert {"api_client", "audit_log", "alembic_version"} <= tables


@pytest.fixture
def app(auth_app: FastAPI) -> FastAPI:
    app = auth_app

    @app.get("/whoami")
    def whoami(principal: Principal = Depends(require("cantata"))) -> dict:
        return {"party": principal.party}

    @app.get("/presto-only")
    def presto_only(principal: Principal = Depends(require("presto"))) -> dict:
        return {"party": principal.party}

    return app


def test_client_credentials_token_grants_party_and_scopes(app: FastAPI) -> None:
    client = TestClient(app)
    granted = bearer(client)
    assert client.get("/whoami", headers=granted).json() == {"party": PARTY}
    denied = client.get("/presto-only", headers=granted)
    assert denied.status_code == 403
    assert denied.json()["code"] == "accessDenied"


def test_missing_or_wrong_credentials_get_mef_401_bodies(app: FastAPI) -> None:
    client = TestClient(app)
    missing = client.get("/whoami")
    assert missing.status_code == 401 and missing.json()["code"] == "missingCredentials"
    forged = client.get("/whoami", headers={"Authorization": "Bearer not.a.jwt"})
    assert forged.status_code == 401 and forged.json()["code"] == "invalidCredentials"
    wrong = client.post("/oauth2/token", data={"grant_type": "client_credentials",
                                               "client_id": "acme", "client_secret": "nope"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalidCredentials"
