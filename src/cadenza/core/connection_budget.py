"""How many PostgreSQL connections a domain's workers may open, and whether the server has them.

Each worker process holds up to `DatabasePools.per_process` connections: its entities' pool,
DBOS's system pool, and a few of its own (the wake-up relay's listener and sender, the turn
lock, the heartbeat, DBOS's notification listener). A server past its `max_connections` refuses the next one
("sorry, too many clients already"), which a request meets as an error in the middle of its
work: a domain is refused at start instead, with what to change, when its workers would not fit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from cadenza.core.db import Database

__all__ = ["DatabasePools", "TooFewConnections", "check_budget", "left_after"]

_OWN = 6  # relay listener + sender, turn lock, heartbeat, DBOS notification listener, one spare


@dataclass(frozen=True, slots=True)
class DatabasePools:
    pool_size: int = 5  # entities' pool: connections kept open
    max_overflow: int = 10  # ... and opened beyond them under load
    workflow_pool_size: int = 10  # DBOS's system pool (it opens no overflow)

    @property
    def per_process(self) -> int:
        return self.pool_size + self.max_overflow + self.workflow_pool_size + _OWN


class TooFewConnections(RuntimeError):
    """The PostgreSQL server has fewer free connections than the workers would open."""


def check_budget(database: Database, *, processes: int, pools: DatabasePools) -> int:
    """Refuse `processes` workers whose connections would not fit beside those the server
    already serves; the connections left after them. Nothing to check on SQLite."""
    if database.is_sqlite:
        return 0
    with database.engine.connect() as connection:
        limit = int(connection.execute(text("SHOW max_connections")).scalar_one())
        reserved = int(connection.execute(text("SHOW superuser_reserved_connections")).scalar_one())
        used = int(connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                                           "'client backend'")).scalar_one())
    return left_after(processes, pools, limit=limit, reserved=reserved, used=used)


def left_after(processes: int, pools: DatabasePools, *, limit: int, reserved: int, used: int) -> int:
    """The connections a server of `max_connections` `limit` has left once `processes` more
    workers opened all theirs; TooFewConnections, saying what to change, when they do not fit."""
    free = limit - reserved - used
    need = processes * pools.per_process
    if need > free:
        raise TooFewConnections(
            f"{processes} worker{'s' if processes != 1 else ''} would open up to {need} PostgreSQL connections "
            f"({pools.per_process} each: database.pool_size {pools.pool_size} + database.max_overflow "
            f"{pools.max_overflow} + database.workflow_pool_size {pools.workflow_pool_size} + {_OWN} of its own), "
            f"but the server has {free} free (max_connections {limit}, {reserved} reserved for superusers, "
            f"{used} in use): raise max_connections on the server, or lower the pools in the domain's "
            "configuration (database: ...), or run fewer workers")
    return free - need
