"""`Database.read()`: a read never queues behind a writer, and sees only committed work."""

from __future__ import annotations

import threading

from sqlalchemy import select

from cadenza.core.audit_rows import AuditRow
from cadenza.core.clock import now
from cadenza.core.db import Database


def test_a_read_does_not_wait_for_an_open_write_and_sees_only_committed_rows(database: Database) -> None:
    writing, release = threading.Event(), threading.Event()

    def slow_writer() -> None:
        with database.transaction() as session:
            session.add(AuditRow(at=now(), method="POST", path="/uncommitted", status=201))
            session.flush()
            writing.set()
            release.wait(10)

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert writing.wait(10)
    done = threading.Event()
    seen: list[str] = []

    def reader() -> None:
        with database.read() as session:
            seen.extend(session.scalars(select(AuditRow.path)))
        done.set()

    threading.Thread(target=reader).start()
    try:
        assert done.wait(5), "the read waited for the writer"
        assert "/uncommitted" not in seen
    finally:
        release.set()
        writer.join(10)
    with database.read() as session:
        assert "/uncommitted" in session.scalars(select(AuditRow.path)).all()
