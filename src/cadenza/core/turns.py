"""Turns: transactions of one kind that run one at a time, whichever worker process runs them.

Several workers of a domain share its database; some work must not run beside its own kind
(planning on one network domain's inventory, publishing its operational state changes). A
turn is a PostgreSQL transaction-level advisory lock, named by a string: taken inside the
transaction, held until it commits or rolls back, so a crash can never leave it held. On SQLite
a domain has one process, and `Database` already makes its transactions write one at a time.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["take_turn"]

_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def take_turn(session: Session, name: str) -> None:
    """Wait until no other transaction holds the turn `name`, then hold it until this one ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK, {"key": _key(name)})


def _key(name: str) -> int:
    """The advisory lock's 64-bit key: the same for a name in every process."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
