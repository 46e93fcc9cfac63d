"""Notifications for every MEF API: the `/hub`, a transactional outbox, and its delivery.

An entity mounts `hub_router(...)` beside its resource routers, calls `publish(session, ...)`
in the transaction that changes a resource, and the landscape runs one `OutboxDispatcher`
per domain database. Buyers mount `listener_router(...)` to receive.
"""

from __future__ import annotations

from cadenza.core.notifications.backoff import Backoff
from cadenza.core.notifications.callback import CallbackError, check_callback, listener_url
from cadenza.core.notifications.delivery import DispatcherStats, OutboxDispatcher
from cadenza.core.notifications.hub import EventSubscription, EventSubscriptionInput, hub_router
from cadenza.core.notifications.listener import Deduplicator, EventHandler, MemoryDeduplicator, listener_router
from cadenza.core.notifications.outbox import PublishedEvent, event_body, publish
from cadenza.core.notifications.query import QueryError, parse_event_types
from cadenza.core.notifications.sender import AuthHeaderFor, post_event
from cadenza.core.notifications.store import HubStore, Subscription

__all__ = [
    "AuthHeaderFor",
    "Backoff",
    "CallbackError",
    "Deduplicator",
    "DispatcherStats",
    "EventHandler",
    "EventSubscription",
    "EventSubscriptionInput",
    "HubStore",
    "MemoryDeduplicator",
    "OutboxDispatcher",
    "PublishedEvent",
    "QueryError",
    "Subscription",
    "check_callback",
    "event_body",
    "hub_router",
    "listener_router",
    "listener_url",
    "parse_event_types",
    "post_event",
    "publish",
]
