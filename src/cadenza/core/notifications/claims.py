"""Claiming due outbox rows and recording the outcome of their delivery.

A claim stamps the rows with a token and pushes `next_attempt_at` one lease into the future,
in one UPDATE. On PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so dispatchers
sharing a database never wait for nor take each other's rows; SQLite serialises writers,
which makes the single UPDATE exclusive by itself. A dispatcher that dies holding a claim
loses it when the lease runs out, and the rows are delivered again (at least once).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from cadenza.core import clock
from cadenza.core.db import Database
from cadenza.core.ids import new_id
from cadenza.core.notifications.rows import OutboxEventRow

__all__ = ["Claimed", "Outcome", "claim_due", "record_outcomes"]


@dataclass(frozen=True, slots=True)
class Claimed:
    id: str
    event_id: str
    subscription_id: str
    target_url: str
    body: dict[str, Any]
    attempts: int
    claim: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one claimed row: delivered, or the error and when to try again."""

    row: Claimed
    delivered: bool
    error: str | None = None
    retry_at: datetime | None = None
    dead: bool = False


def claim_due(database: Database, *, batch: int, lease_s: float,
              apis: Collection[str] | None = None) -> list[Claimed]:
    now = clock.now()
    token = new_id()
    due = (select(OutboxEventRow.id)
           .where(OutboxEventRow.delivered_at.is_(None), ~OutboxEventRow.dead,
                  OutboxEventRow.next_attempt_at <= now)
           .order_by(OutboxEventRow.next_attempt_at)
           .limit(batch)
           .with_for_update(skip_locked=True))
    if apis is not None:
        due = due.where(OutboxEventRow.api.in_(list(apis)))
    stmt = (update(OutboxEventRow)
            .where(OutboxEventRow.id.in_(due.scalar_subquery()))
            .values(claimed_by=token, next_attempt_at=now + timedelta(seconds=lease_s))
            .returning(OutboxEventRow.id, OutboxEventRow.event_id, OutboxEventRow.subscription_id,
                       OutboxEventRow.target_url, OutboxEventRow.body, OutboxEventRow.attempts)
            .execution_options(synchronize_session=False))
    with database.transaction() as session:
        rows = session.execute(stmt).all()
    return [Claimed(id=r.id, event_id=r.event_id, subscription_id=r.subscription_id, target_url=r.target_url,
                    body=r.body, attempts=r.attempts, claim=token) for r in rows]


def record_outcomes(database: Database, outcomes: list[Outcome]) -> None:
    """Write back what happened; a row whose claim was lost meanwhile is left to its new owner."""
    if not outcomes:
        return
    now = clock.now()
    with database.transaction() as session:
        for outcome in outcomes:
            row = outcome.row
            values: dict[str, Any] = {"attempts": row.attempts + 1, "claimed_by": None}
            if outcome.delivered:
                values.update(delivered_at=now, last_error=None)
            else:
                values.update(last_error=(outcome.error or "")[:1000], dead=outcome.dead,
                              next_attempt_at=outcome.retry_at or now)
            session.execute(update(OutboxEventRow)
                            .where(OutboxEventRow.id == row.id, OutboxEventRow.claimed_by == row.claim,
                                   OutboxEventRow.delivered_at.is_(None))
                            .values(**values)
                            .execution_options(synchronize_session=False))
