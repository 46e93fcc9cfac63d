"""Every state-changing API call leaves an audit line: who, what, when and the outcome."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from cadenza.core.audit import AuditWriter, install_audit
from cadenza.core.audit_rows import AuditRow
from cadenza.core.auth import Principal, require
from cadenza.core.db import Database
from cadenza.core.errors import Unprocessable
from tests.integration.core.conftest import bearer as customer_bearer


def test_changes_are_audited_with_caller_and_outcome_and_reads_are_not(database: Database, auth_app: FastAPI) -> None:
    app = auth_app
    writer = install_audit(app, database)

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
    bearer = customer_bearer(client)
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


def test_closing_the_writer_stores_what_it_holds_and_ends_its_thread(database: Database) -> None:
    writer = AuditWriter(database, interval_s=5.0)  # a long batching pause: only the close stores them
    moment = datetime.now(UTC)
    for n in range(3):
        writer.add({"at": moment, "client_id": "acme", "party": "acme-corp", "method": "POST",
                    "path": f"/closing/{n}", "status": 201})
    writer.close()
    assert not writer._thread.is_alive()
    with database.read() as session:
        stored = session.scalars(select(AuditRow.path).where(AuditRow.path.like("/closing/%"))).all()
    assert sorted(stored) == ["/closing/0", "/closing/1", "/closing/2"]
