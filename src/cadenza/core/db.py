"""Persistence: one SQLAlchemy engine per domain database.

SQLite (WAL, one file per domain under the Cadenza home, `core/config.py`) is the embedded
default; PostgreSQL is used when `CADENZA_DATABASE_URL` is set. Every entity declares its
tables on `Base`; the schema is owned by the Alembic migrations in
`cadenza.landscape.migrations`, never by `create_all`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import JSON, Engine, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

__all__ = ["Base", "Database", "JsonDocument", "execute_plain", "insert_at_commit", "per_transaction"]

S = TypeVar("S")

# JSONB on PostgreSQL, plain JSON text on SQLite: MEF payloads are stored as documents.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while a workflow writes; NORMAL sync is safe with WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """The engine and session factory of one domain's database."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10, max_overflow: int = 5) -> None:
        """`pool_size`, `max_overflow`: PostgreSQL connections kept open and opened beyond them
        under load (every worker of a domain has its own: core/connection_budget.py)."""
        self.url = url
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True)
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite takes one writer at a time and makes the others sleep-and-retry in steps of up
        # to 100 ms; queueing this process's transactions on a lock instead keeps them fast.
        self._one_writer = threading.RLock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any exception."""
        with self._one_writer or nullcontext(), self.sessions.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A consistent read that writes nothing, so it need not queue for the SQLite writer
        (WAL readers neither wait for the writer nor hold it up). Never write in it: a read
        that turns into a write outside the writer lock could meet a stale snapshot. The rows
        it returns stay readable after the block (the session closes, nothing is expired)."""
        session = self.sessions()
        try:
            yield session
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def per_transaction(session: Session, key: Hashable, make: Callable[[], S], *,
                    before_commit: Callable[[S], None] | None = None,
                    after_commit: Callable[[S], None] | None = None,
                    after_rollback: Callable[[S], None] | None = None) -> S:
    """What the current transaction of `session` keeps under `key`: made on first use, handed
    to `before_commit` as the transaction commits, then to `after_commit` or `after_rollback`
    as it ends, and forgotten then, so a later transaction of the session starts afresh. A
    callback left over from an earlier transaction never touches a later one's state."""
    if key in session.info:
        return session.info[key]  # type: ignore[no-any-return]
    state = session.info[key] = make()

    def current() -> bool:
        return session.info.get(key) is state

    def ended(callback: Callable[[S], None] | None) -> Callable[[Session], None]:
        def end(_session: Session) -> None:
            if current():
                del session.info[key]
                if callback is not None:
                    callback(state)
        return end

    if before_commit is not None:
        event.listen(session, "before_commit", lambda _session: before_commit(state) if current() else None,
                     once=True)
    event.listen(session, "after_commit", ended(after_commit), once=True)
    event.listen(session, "after_rollback", ended(after_rollback), once=True)
    return state


def insert_at_commit(session: Session, statement: Any, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` with `statement` (a Core INSERT) when `session` commits, together with
    every other row queued for that statement: a transaction that queues hundreds of rows
    (a planning group's reservations, its events) pays one multi-row INSERT per table.
    Only for rows nothing in the transaction reads back; a constraint they break fails the
    commit, and with it the whole transaction."""
    def write(pending: dict[Any, list[dict[str, Any]]]) -> None:
        for queued_statement, queued in pending.items():
            if queued:
                _insert(session, queued_statement, queued)

    pending = per_transaction(session, "insert_at_commit", dict, before_commit=write)
    pending.setdefault(statement, []).extend(rows)


@dataclass(frozen=True)
class _RawInsert:
    sql: str
    values: Callable[[dict[str, Any]], tuple[Any, ...]]  # a row's values, in column order
    # per column, SQLAlchemy's own conversion of a Python value for this dialect (JSON to text,
    # datetimes on SQLite, ...), or None where the driver takes the value as it is
    processors: tuple[Callable[[Any], Any] | None, ...]


_raw_inserts: dict[tuple[str, str, tuple[str, ...]], _RawInsert] = {}


def _insert(session: Session, statement: Any, rows: list[dict[str, Any]]) -> None:
    """A multi-row INSERT straight to the driver's executemany: each value converted by the
    column type's own bind processor for the dialect, as SQLAlchemy would, but without its
    per-row parameter machinery (most of the cost when a group writes thousands of rows:
    reservations, VLAN claims, events)."""
    table = statement.table
    columns = tuple(rows[0])
    if len(set(map(len, rows))) != 1:  # rows of different shapes: let SQLAlchemy sort them out
        session.execute(statement, rows)
        return
    connection = session.connection()
    dialect = connection.dialect
    key = (dialect.name, table.name, columns)
    raw = _raw_inserts.get(key)
    if raw is None:
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        getter = itemgetter(*columns)
        raw = _raw_inserts[key] = _RawInsert(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})",
            getter if len(columns) > 1 else (lambda row: (getter(row),)),
            tuple(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns))
    try:
        values = [raw.values(row) for row in rows]
    except KeyError:  # same size, other keys
        session.execute(statement, rows)
        return
    processors = raw.processors
    if any(processors):
        values = [tuple([value if process is None else process(value)
                         for process, value in zip(processors, row, strict=True)]) for row in values]
    connection.exec_driver_sql(raw.sql, values)


@dataclass(frozen=True)
class _Plain:
    statement: Any  # kept alive: its id is the cache key
    sql: str
    # positional styles (SQLite's qmark): per place, its name, whether SQLAlchemy bound the
    # value itself (a literal in a WHERE) and that value; named styles: those values by name
    order: tuple[tuple[str, bool, Any], ...] | None
    fixed: dict[str, Any]


_plain: dict[tuple[int, str], _Plain] = {}


def execute_plain(session: Session, statement: Any, params: dict[str, Any] | list[dict[str, Any]]) -> int:
    """Run a Core statement (an UPDATE or DELETE of plain columns) on the driver directly, once
    or, given a list, as one executemany; returns the rows it changed. The SQL is SQLAlchemy's
    own compilation of `statement`, made once per dialect: what this skips is the per-call
    compile-cache lookup and parameter processing, which cost more than the statement itself
    on a planner's hot path (one UPDATE per link of every path)."""
    connection = session.connection()
    dialect = connection.dialect
    known = _plain.get((id(statement), dialect.name))
    if known is None:
        compiled = statement.compile(dialect=dialect)
        binds = compiled.binds  # required: a bindparam() the caller fills; else a literal bound at build
        order = (tuple((name, not binds[name].required, binds[name].value) for name in compiled.positiontup)
                 if compiled.positional else None)
        known = _plain[(id(statement), dialect.name)] = _Plain(
            statement, compiled.string, order, {name: bind.value for name, bind in binds.items() if not bind.required})
    rows = params if isinstance(params, list) else [params]
    args: list[Any]
    if known.order is not None:
        args = [tuple([value if fixed else row[name] for name, fixed, value in known.order]) for row in rows]
    else:
        args = [{**known.fixed, **row} for row in rows] if known.fixed else rows
    result = connection.exec_driver_sql(known.sql, args if isinstance(params, list) else args[0])
    return result.rowcount

