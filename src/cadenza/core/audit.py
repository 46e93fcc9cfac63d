"""An audit record for every state-changing API call: who, what, when, and the outcome.

The record is written after the answer, by one writer thread that stores whatever has
gathered in a single transaction every few milliseconds: writing each line in a transaction
of its own made every API call queue once more for the SQLite writer. A line is lost only if
the process dies in those milliseconds after answering; `flush()` on shutdown writes the rest.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

from fastapi import FastAPI
from sqlalchemy import insert
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cadenza.core.audit_rows import AuditRow
from cadenza.core.clock import now
from cadenza.core.db import Database

__all__ = ["install_audit", "AuditWriter"]

log = logging.getLogger(__name__)
_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
_CLOSE = object()  # asks the writer's thread to store what it holds and end


class AuditWriter:
    """Stores audit lines in batches from a thread of its own."""

    def __init__(self, database: Database, *, interval_s: float = 0.02, batch: int = 500) -> None:
        self._database = database
        self._lines: queue.SimpleQueue[dict[str, Any] | None | object] = queue.SimpleQueue()
        self._interval_s = interval_s
        self._batch = batch
        self._flushed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def add(self, line: dict[str, Any]) -> None:
        self._lines.put(line)

    def flush(self) -> None:
        """Write everything added so far; returns once it is stored."""
        with self._flushed:
            self._lines.put(None)
            self._flushed.wait(timeout=10)

    def close(self) -> None:
        """Write everything added so far and end the writer's thread."""
        self._lines.put(_CLOSE)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        closing = False
        while not closing:
            first = self._lines.get()
            closing = first is _CLOSE
            flush = first is None or closing
            lines: list[dict[str, Any]] = [first] if isinstance(first, dict) else []
            while len(lines) < self._batch:
                try:
                    line = self._lines.get(timeout=self._interval_s if not flush else 0)
                except queue.Empty:
                    break
                if isinstance(line, dict):
                    lines.append(line)
                else:
                    flush, closing = True, closing or line is _CLOSE
            if lines:
                self._store(lines)
            if flush:
                with self._flushed:
                    self._flushed.notify_all()

    def _store(self, lines: list[dict[str, Any]]) -> None:
        try:
            with self._database.transaction() as session:
                session.execute(insert(AuditRow), lines)
        except Exception:  # the calls themselves succeeded; lost audit lines must not stop the writer
            log.exception("could not write %d audit records", len(lines))


class _AuditMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware): it only watches the status of the answer going out."""

    def __init__(self, app: ASGIApp, writer: AuditWriter) -> None:
        self.app = app
        self.writer = writer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _CHANGING:
            await self.app(scope, receive, send)
            return
        status = [500]

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            principal = (scope.get("state") or {}).get("principal")
            self.writer.add({"at": now(), "client_id": getattr(principal, "client_id", None),
                             "party": getattr(principal, "party", None), "method": scope["method"],
                             "path": scope["path"][:500], "status": status[0]})


def install_audit(app: FastAPI, database: Database) -> AuditWriter:
    writer = AuditWriter(database)
    app.add_middleware(_AuditMiddleware, writer=writer)
    return writer
