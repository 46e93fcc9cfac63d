"""Fresh PostgreSQL databases for tests, on the server the suite is given (CADENZA_TEST_PG)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

PG_SERVER = os.environ.get("CADENZA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def postgres_problem() -> str | None:
    """None when the server answers, else why not."""
    try:
        engine = create_engine(f"{PG_SERVER}/postgres", connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: no server to test against
        return f"no PostgreSQL server answers at {PG_SERVER}: {type(exc).__name__}: {exc}"


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new database of its own, dropped afterwards."""
    name = f"cadenza_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
