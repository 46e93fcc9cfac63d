"""Publishing an event: outbox rows written inside the caller's own transaction.

Because the rows share the session of the state change, a rolled-back change announces
nothing and a committed one is never lost: the dispatcher finds the rows whenever it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from cadenza.core import clock
from cadenza.core.db import insert_at_commit, per_transaction
from cadenza.core.ids import new_id
from cadenza.core.notifications.callback import listener_url
from cadenza.core.notifications.rows import EventSubscriptionRow, OutboxEventRow

__all__ = ["PublishedEvent", "event_body", "publish"]

# Built once and run as Core statements: an event is published on every state change, and
# composing ORM queries for each one cost more than the database work.
_SUBSCRIPTIONS = EventSubscriptionRow.__table__
_OF_API = select(_SUBSCRIPTIONS.c.id, _SUBSCRIPTIONS.c.callback, _SUBSCRIPTIONS.c.event_types).where(
    _SUBSCRIPTIONS.c.api == bindparam("api"))
_OF_API_AND_PARTY = _OF_API.where(_SUBSCRIPTIONS.c.party == bindparam("party"))
_QUEUE = insert(OutboxEventRow.__table__)


@dataclass(frozen=True, slots=True)
class PublishedEvent:
    event_id: str
    deliveries: int


def event_body(*, event_id: str, event_type: str, resource: Mapping[str, Any], event_time: str) -> dict[str, Any]:
    """The spec's Event: `eventId`, `eventTime`, `eventType` and the `event` payload."""
    return {"eventId": event_id, "eventTime": event_time, "eventType": event_type, "event": dict(resource)}


def _subscriptions(session: Session, api: str, party: str | None) -> list[Any]:
    # A transaction that publishes many events (a group of services planned together) asks
    # once per audience; within one transaction the subscriptions cannot change under it.
    known: dict[tuple[str, str | None], list[Any]] = per_transaction(session, "outbox_subscriptions", dict)
    if (api, party) not in known:
        if party is None:
            known[(api, party)] = list(session.execute(_OF_API, {"api": api}))
        else:
            known[(api, party)] = list(session.execute(_OF_API_AND_PARTY, {"api": api, "party": party}))
    return known[(api, party)]


def publish(session: Session, *, api: str, event_type: str, resource: Mapping[str, Any],
            listener_base_path: str, party: str | None,
            wake: Callable[[], None] | None = None) -> PublishedEvent:
    """Queue `event_type` about `resource` for every matching subscriber of `api`.

    `resource` is the spec's event payload (at least `id`, usually `href` and more).
    `party` restricts delivery to that party's subscriptions, so a buyer hears only about its
    own resources; None broadcasts to every subscriber (e.g. a catalog change). `wake` is
    called once the transaction commits, typically `OutboxDispatcher.wake`.
    """
    if "id" not in resource:
        raise ValueError(f"the payload of a {event_type} must carry the resource 'id'")
    subscriptions = _subscriptions(session, api, party)
    moment = clock.now()
    event_id = new_id()
    body = event_body(event_id=event_id, event_type=event_type, resource=resource, event_time=clock.iso(moment))
    rows = [{"id": new_id(), "event_id": event_id, "api": api, "subscription_id": subscription_id,
             "event_type": event_type, "target_url": listener_url(callback, listener_base_path, event_type),
             "body": body, "created_at": moment, "attempts": 0, "next_attempt_at": moment, "dead": False}
            for subscription_id, callback, event_types in subscriptions
            if not event_types or event_type in event_types]
    if rows:
        insert_at_commit(session, _QUEUE, rows)
    deliveries = len(rows)
    if deliveries and wake is not None:  # one nudge per transaction, however many events it queued
        per_transaction(session, ("outbox_wake", wake), lambda: wake, after_commit=lambda nudge: nudge())
    return PublishedEvent(event_id=event_id, deliveries=deliveries)
