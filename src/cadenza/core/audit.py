"""An audit record for every state-changing API call: who, what, when, and the outcome."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from cadenza.core.audit_rows import AuditRow
from cadenza.core.clock import now
from cadenza.core.db import Database

__all__ = ["install_audit"]

log = logging.getLogger(__name__)
_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def install_audit(app: FastAPI, database: Database) -> None:
    def record(row: AuditRow) -> None:
        with database.transaction() as session:
            session.add(row)

    @app.middleware("http")
    async def audit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        if request.method in _CHANGING:
            principal = getattr(request.state, "principal", None)
            row = AuditRow(at=now(), client_id=getattr(principal, "client_id", None),
                           party=getattr(principal, "party", None), method=request.method,
                           path=request.url.path[:500], status=response.status_code)
            try:
                await run_in_threadpool(record, row)
            except Exception:  # the call itself succeeded; a lost audit line must not fail it
                log.exception("could not write the audit record of %s %s", request.method, request.url.path)
        return response
