"""How many PostgreSQL connections a domain's workers may open, and whether the server has them.

Each worker process holds up to `DatabasePools.per_process` connections: its entities' pool,
DBOS's system pool, and a few of its own (the wake-up relay's listener and sender, the turn
lock, the heartbeat, DBOS's notification listener). A server past its `max_connections` refuses the next one
("sorry, too many clients already"), which a request meets as an error in the middle of its
work. Workers the server could never hold are refused at start, with what to change; workers
that would not fit beside the server's other clients of the moment start with a warning (those
may be idle pools that never fill, or clients about to leave).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import text

from cadenza.core.db import Database

__all__ = ["DatabasePools", "TooFewConnections", "check_budget", "left_after"]

log = logging.getLogger(__name__)

_OWN = 6  # relay listener + sender, turn lock, heartbeat, DBOS notification listener, one spare


@dataclass(frozen=True, slots=True)
class DatabasePools:
    pool_size: int = 10  # entities' pool: connections kept open
    max_overflow: int = 5  # ... and opened beyond them under load
    workflow_pool_size: int = 10  # DBOS's system pool (it opens no overflow)

    @property
    def per_process(self) -> int:
        return self.pool_size + self.max_overflow + self.workflow_pool_size + _OWN


class TooFewConnections(RuntimeError):
    """The PostgreSQL server has fewer free connections than the workers would open."""


def check_budget(database: Database, *, processes: int, pools: DatabasePools) -> int:
    """Refuse `processes` workers whose connections the server could never hold; warn when they
    would not fit beside those it serves now. The connections left after them (below zero: short
    by that many). Nothing to check on SQLite."""
    if database.is_sqlite:
        return 0
    with database.engine.connect() as connection:
        limit = int(connection.execute(text("SHOW max_connections")).scalar_one())
        reserved = int(connection.execute(text("SHOW superuser_reserved_connections")).scalar_one())
        used = int(connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                                           "'client backend'")).scalar_one())
    left = left_after(processes, pools, limit=limit, reserved=reserved, used=used)
    if left < 0:
        log.warning("%s; they start, and may meet 'too many clients' under load while the server's other "
                    "clients hold theirs", _need(processes, pools, f"the server has {limit - reserved - used} free "
                                                 f"now ({used} of max_connections {limit} in use)"))
    return left


def left_after(processes: int, pools: DatabasePools, *, limit: int, reserved: int, used: int) -> int:
    """The connections a server of `max_connections` `limit` has left once `processes` more
    workers opened all theirs, beside the `used` ones (below zero: short by that many).
    TooFewConnections, saying what to change, when even an idle server could not hold them."""
    need = processes * pools.per_process
    if need > limit - reserved:
        raise TooFewConnections(_need(processes, pools, f"the server allows {limit - reserved} (max_connections "
                                      f"{limit}, {reserved} reserved for superusers)"))
    return limit - reserved - used - need


def _need(processes: int, pools: DatabasePools, has: str) -> str:
    return (f"{processes} worker{'s' if processes != 1 else ''} would open up to {processes * pools.per_process} "
            f"PostgreSQL connections ({pools.per_process} each: database.pool_size {pools.pool_size} + "
            f"database.max_overflow {pools.max_overflow} + database.workflow_pool_size {pools.workflow_pool_size} + "
            f"{_OWN} of its own), but {has}: raise max_connections on the server, or lower the pools in the "
            "domain's configuration (database: ...), or run fewer workers")
