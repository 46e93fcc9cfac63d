"""The hub store: a party's subscriptions on the hub of one API.

Every operation takes the caller's party, so one party can never see or remove another
party's subscription: to a stranger it simply does not exist.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select, text

from cadenza.core import clock
from cadenza.core.db import Database
from cadenza.core.ids import new_id
from cadenza.core.notifications.rows import EventSubscriptionRow, OutboxEventRow

__all__ = ["Subscription", "HubStore"]


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    api: str
    party: str
    callback: str
    query: str | None
    event_types: tuple[str, ...]

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


def _lock_key(api: str, party: str, callback: str) -> int:
    """A signed 64-bit advisory lock key of one party's callback on one API's hub."""
    digest = hashlib.sha256(f"hub\0{api}\0{party}\0{callback}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _subscription(row: EventSubscriptionRow) -> Subscription:
    return Subscription(id=row.id, api=row.api, party=row.party, callback=row.callback, query=row.query,
                        event_types=tuple(row.event_types or ()))


class HubStore:
    """Subscriptions kept in the domain database."""

    def __init__(self, database: Database, *, admit: Callable[[str, str], None] | None = None) -> None:
        """`admit(party, callback)` raises CallbackError for a callback the party may not register
        (the domain's ListenerCredentials.admit); without it, every callback is admitted."""
        self._db = database
        self._admit = admit

    def admit(self, party: str, callback: str) -> None:
        if self._admit is not None:
            self._admit(party, callback)

    def subscribe(self, *, api: str, party: str, callback: str, query: str | None,
                  event_types: list[str]) -> Subscription:
        """A new subscription, or the party's existing one with the same callback and query:
        a buyer that registers again at every start (it cannot know whether we kept its
        subscription) must not hear of each event once per start. Two registrations of one
        callback at once (workers of a domain starting together, a retry crossing its first
        try) take turns on PostgreSQL, so the second finds the first; SQLite has one writer."""
        with self._db.transaction() as session:
            if not self._db.is_sqlite:
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(api, party, callback)})
            for existing in session.scalars(select(EventSubscriptionRow).where(
                    EventSubscriptionRow.api == api, EventSubscriptionRow.party == party,
                    EventSubscriptionRow.callback == callback)):
                if existing.query == query and sorted(existing.event_types or ()) == sorted(event_types):
                    return _subscription(existing)
            row = EventSubscriptionRow(id=new_id(), api=api, party=party, callback=callback, query=query,
                                       event_types=sorted(event_types), created_at=clock.now())
            session.add(row)
        return _subscription(row)

    def get(self, *, api: str, party: str, subscription_id: str) -> Subscription | None:
        with self._db.transaction() as session:
            row = session.get(EventSubscriptionRow, subscription_id)
            if row is None or row.api != api or row.party != party:
                return None
            return _subscription(row)

    def unsubscribe(self, *, api: str, party: str, subscription_id: str) -> bool:
        """Remove the subscription and the events still waiting for it; False if unknown."""
        with self._db.transaction() as session:
            row = session.get(EventSubscriptionRow, subscription_id)
            if row is None or row.api != api or row.party != party:
                return False
            session.delete(row)
            # Undelivered events go with it: the subscriber said it no longer wants them.
            session.execute(delete(OutboxEventRow).where(OutboxEventRow.subscription_id == subscription_id,
                                                         OutboxEventRow.delivered_at.is_(None)))
            return True

    def subscriptions(self, *, api: str, party: str | None = None) -> list[Subscription]:
        """The subscriptions on one API's hub, of one party or of all."""
        stmt = select(EventSubscriptionRow).where(EventSubscriptionRow.api == api)
        if party is not None:
            stmt = stmt.where(EventSubscriptionRow.party == party)
        with self._db.transaction() as session:
            return [_subscription(row) for row in session.scalars(stmt.order_by(EventSubscriptionRow.created_at))]
