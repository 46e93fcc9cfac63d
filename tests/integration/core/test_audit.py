"""Every state-changing API call leaves an audit line: who, what, when and the outcome."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from cadenza.core.audit import install_audit
from cadenza.core.audit_rows import AuditRow
from cadenza.core.auth import Authenticator, ClientRegistry, Principal, TokenIssuer, require, token_router
from cadenza.core.db import Database
from cadenza.core.errors import Unprocessable, install_error_handlers


def test_changes_are_audited_with_caller_and_outcome_and_reads_are_not(database: Database) -> None:
    registry = ClientRegistry(database)
    registry.register("acme", "s3cret", party="acme-corp", role="customer", scopes=["cantata"])
    app = FastAPI()
    app.state.auth = Authenticator(registry, TokenIssuer("test-secret-of-at-least-thirty-two-bytes", issuer="t"))
    install_error_handlers(app)
    writer = install_audit(app, database)
    app.include_router(token_router())

    @app.post("/things", status_code=201)
    def create(principal: Principal = Depends(require("cantata"))) -> dict:
        return {"owner": principal.party}

    @app.patch("/things/1")
    def refuse(principal: Principal = Depends(require("cantata"))) -> dict:
        raise Unprocessable("no")

    @app.get("/things")
    def read(principal: Principal = Depends(require("cantata"))) -> list:
        return []

    client = TestClient(app)
    token = client.post("/oauth2/token", data={"grant_type": "client_credentials", "client_id": "acme",
                                               "client_secret": "s3cret"}).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post("/things", headers=bearer).status_code == 201
    assert client.patch("/things/1", headers=bearer).status_code == 422
    assert client.get("/things", headers=bearer).status_code == 200
    assert client.post("/things").status_code == 401
    writer.flush()
    with database.transaction() as session:
        lines = [(r.method, r.path, r.status, r.party, r.client_id)
                 for r in session.scalars(select(AuditRow).where(AuditRow.path.like("/things%")).order_by(AuditRow.id))]
    assert lines == [("POST", "/things", 201, "acme-corp", "acme"), ("PATCH", "/things/1", 422, "acme-corp", "acme"),
                     ("POST", "/things", 401, None, None)]
