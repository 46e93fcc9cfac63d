"""Outbox publish and delivery over real HTTP to a uvicorn listener, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
import uvicorn
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI, Request
from sqlalchemy import func, select, update

from cadenza.core import clock
from cadenza.core.db import Base, Database
from cadenza.core.notifications import Backoff, HubStore, OutboxDispatcher, listener_router, publish
from cadenza.core.notifications.rows import OutboxEventRow

API = "sonata.productOrder"
LISTENER_BASE = "/mefApi/sonata/productOrderingNotification/v10"
STATE_CHANGE = "productOrderStateChangeEvent"
ITEM_CHANGE = "productOrderItemStateChangeEvent"
FAST = Backoff(base_s=0.2, factor=2.0, cap_s=1.0, jitter=0.5)


class Buyer:
    """A buyer's listener app that records what it receives and can be told to fail."""

    def __init__(self, *, fail_first: int = 0, fail_always: bool = False) -> None:
        self.handled: list[dict[str, Any]] = []
        self.receipts: Counter[str] = Counter()
        self.arrivals: list[float] = []
        self.headers: list[dict[str, str]] = []
        self.fail_first = fail_first
        self.fail_always = fail_always
        self.app = FastAPI()
        self.app.include_router(listener_router(f"/cb{LISTENER_BASE}", self.on_event))

        @self.app.middleware("http")
        async def count(request: Request, call_next: Callable) -> Any:
            body = await request.json()
            self.receipts[body["eventId"]] += 1
            self.arrivals.append(time.monotonic())
            self.headers.append(dict(request.headers))
            return await call_next(request)

    async def on_event(self, event_type: str, event: dict[str, Any]) -> None:
        if self.fail_always or self.fail_first > 0:
            self.fail_first -= 1
            raise RuntimeError("listener is having a bad day")
        self.handled.append(event)


def reserve_port() -> socket.socket:
    """A bound, not yet listening socket: connections to it are refused until it is served."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.asynccontextmanager
async def serving(app: FastAPI, sock: socket.socket | None = None) -> AsyncIterator[str]:
    sock = sock or reserve_port()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def eventually(check: Callable[[], bool], *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def outbox(database: Database) -> list[OutboxEventRow]:
    with database.transaction() as session:
        return list(session.scalars(select(OutboxEventRow).order_by(OutboxEventRow.created_at)))


def undelivered(database: Database) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(OutboxEventRow)
                              .where(OutboxEventRow.delivered_at.is_(None)))


def order_event(database: Database, order_id: str, *, party: str | None = "acme", event_type: str = STATE_CHANGE,
                wake: Callable[[], None] | None = None) -> str:
    with database.transaction() as session:
        published = publish(session, api=API, event_type=event_type, listener_base_path=LISTENER_BASE, party=party,
                            resource={"id": order_id, "href": f"/productOrder/{order_id}", "state": "inProgress"},
                            wake=wake)
    return published.event_id


def subscribe(database: Database, url: str, *, party: str = "acme", event_types: list[str] | None = None) -> str:
    return HubStore(database).subscribe(api=API, party=party, callback=f"{url}/cb", query=None,
                                        event_types=event_types or []).id


def test_the_migration_creates_exactly_the_notification_tables_of_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [diff for diff in diffs if {"event_subscription", "outbox_event"} & _tables_named(diff)] == []


def _tables_named(diff: Any) -> set[str]:
    """Table names a (possibly nested) autogenerate diff mentions, as strings or schema objects."""
    if isinstance(diff, list | tuple):
        return set().union(*(_tables_named(item) for item in diff)) if diff else set()
    if isinstance(diff, str):
        return {diff}
    table = getattr(diff, "table", diff)
    return {table.name} if isinstance(getattr(table, "name", None), str) else set()


def test_publish_queues_one_delivery_per_matching_subscription_of_the_party(database: Database) -> None:
    acme_states = subscribe(database, "http://acme.example", event_types=[STATE_CHANGE])
    acme_all = subscribe(database, "http://acme2.example")
    subscribe(database, "http://globex.example", party="globex")
    HubStore(database).subscribe(api="sonata.quote", party="acme", callback="http://acme.example", query=None,
                                 event_types=[])

    event_id = order_event(database, "po-1")
    item_event = order_event(database, "po-1", event_type=ITEM_CHANGE)
    broadcast = order_event(database, "po-2", party=None)

    rows = outbox(database)
    by_event = Counter(row.event_id for row in rows)
    assert by_event == {event_id: 2, item_event: 1, broadcast: 3}
    [first, *_] = [row for row in rows if row.event_id == event_id]
    assert {row.subscription_id for row in rows if row.event_id == event_id} == {acme_states, acme_all}
    assert first.target_url == f"http://acme.example/cb{LISTENER_BASE}/listener/{STATE_CHANGE}" or \
        first.target_url == f"http://acme2.example/cb{LISTENER_BASE}/listener/{STATE_CHANGE}"
    assert first.body["eventId"] == event_id and first.body["eventType"] == STATE_CHANGE
    assert first.body["event"] == {"id": "po-1", "href": "/productOrder/po-1", "state": "inProgress"}
    assert first.body["eventTime"].endswith("Z")


def test_unsubscribing_drops_the_events_still_waiting_for_that_subscription(database: Database) -> None:
    store = HubStore(database)
    kept = subscribe(database, "http://acme.example")
    dropped = subscribe(database, "http://acme2.example")
    order_event(database, "po-1")
    assert store.unsubscribe(api=API, party="acme", subscription_id=dropped)
    assert [row.subscription_id for row in outbox(database)] == [kept]


async def test_an_event_published_in_a_rolled_back_transaction_is_never_sent(database: Database) -> None:
    buyer = Buyer()
    async with serving(buyer.app) as url:
        subscribe(database, url)
        with pytest.raises(RuntimeError), database.transaction() as session:
            publish(session, api=API, event_type=STATE_CHANGE, resource={"id": "po-lost"},
                    listener_base_path=LISTENER_BASE, party="acme")
            raise RuntimeError("the state change failed")
        committed = order_event(database, "po-kept")
        dispatcher = OutboxDispatcher(database, backoff=FAST, poll_interval_s=0.05)
        await dispatcher.start()
        try:
            await eventually(lambda: len(buyer.handled) == 1)
            await asyncio.sleep(0.2)
        finally:
            await dispatcher.stop()
    assert [event["eventId"] for event in buyer.handled] == [committed]
    assert [event["event"]["id"] for event in buyer.handled] == ["po-kept"]
    assert len(outbox(database)) == 1


async def test_a_committed_event_reaches_the_listener_path_of_the_spec_over_http(database: Database) -> None:
    buyer = Buyer()
    async with serving(buyer.app) as url:
        subscribe(database, url)
        # A long poll interval: only wake() can explain a quick delivery.
        dispatcher = OutboxDispatcher(database, backoff=FAST, poll_interval_s=30.0,
                                      auth_header_for=lambda _target, _subscription: {
                                          "Authorization": "Bearer partner-token"})
        await dispatcher.start()
        try:
            await asyncio.sleep(0.1)
            started = time.monotonic()
            event_id = order_event(database, "po-7", wake=dispatcher.wake)
            await eventually(lambda: len(buyer.handled) == 1, timeout=5.0)
            assert time.monotonic() - started < 5.0
        finally:
            await dispatcher.stop()
    [event] = buyer.handled
    assert event["eventId"] == event_id and event["eventType"] == STATE_CHANGE
    assert event["event"]["id"] == "po-7" and event["eventTime"]
    assert buyer.headers[0]["authorization"] == "Bearer partner-token"
    assert buyer.headers[0]["content-type"].startswith("application/json")
    [row] = outbox(database)
    assert row.delivered_at is not None and row.attempts == 1 and not row.dead
    assert dispatcher.stats.delivered == 1


class SlowBuyer(Buyer):
    """A listener that takes `delay_s` to answer each event."""

    def __init__(self, delay_s: float) -> None:
        super().__init__()
        self.delay_s = delay_s

    async def on_event(self, event_type: str, event: dict[str, Any]) -> None:
        await asyncio.sleep(self.delay_s)
        await super().on_event(event_type, event)


async def test_an_event_to_a_quick_listener_does_not_wait_for_a_slow_listener_of_an_earlier_event(
        database: Database) -> None:
    slow, quick = SlowBuyer(3.0), Buyer()
    async with serving(slow.app) as slow_url, serving(quick.app) as quick_url:
        subscribe(database, slow_url, party="globex")
        subscribe(database, quick_url)
        dispatcher = OutboxDispatcher(database, backoff=FAST, poll_interval_s=30.0)  # only wake() delivers
        await dispatcher.start()
        try:
            await asyncio.sleep(0.1)
            order_event(database, "po-slow", party="globex", wake=dispatcher.wake)
            await eventually(lambda: len(slow.arrivals) == 1)  # its round is delivering it
            started = time.monotonic()
            order_event(database, "po-quick", wake=dispatcher.wake)
            await eventually(lambda: len(quick.handled) == 1)
            quick_took = time.monotonic() - started
            assert not slow.handled  # the slow listener is still answering the first
            await eventually(lambda: len(slow.handled) == 1)
        finally:
            await dispatcher.stop()
    assert quick_took < 2.0
    assert [e["event"]["id"] for e in slow.handled + quick.handled] == ["po-slow", "po-quick"]
    assert all(row.delivered_at is not None and row.attempts == 1 for row in outbox(database))


async def test_a_failing_listener_gets_the_event_on_the_third_attempt_after_backoff(database: Database) -> None:
    buyer = Buyer(fail_first=2)
    async with serving(buyer.app) as url:
        subscribe(database, url)
        order_event(database, "po-3")
        dispatcher = OutboxDispatcher(database, backoff=FAST, poll_interval_s=0.02, max_attempts=5)
        await dispatcher.start()
        try:
            await eventually(lambda: len(buyer.handled) == 1)
        finally:
            await dispatcher.stop()
    [row] = outbox(database)
    assert row.attempts == 3 and row.delivered_at is not None and row.last_error is None
    assert dispatcher.stats.failed_attempts == 2 and dispatcher.stats.delivered == 1
    first_gap, second_gap = (b - a for a, b in zip(buyer.arrivals, buyer.arrivals[1:], strict=False))
    # Backoff 0.2 s then 0.4 s, each shortened by at most half its length.
    assert first_gap >= 0.1 and second_gap >= 0.2


async def test_an_event_is_dead_after_max_attempts_and_no_longer_retried(database: Database) -> None:
    buyer = Buyer(fail_always=True)
    async with serving(buyer.app) as url:
        subscribe(database, url)
        order_event(database, "po-x")
        dispatcher = OutboxDispatcher(database, backoff=Backoff(base_s=0.01, cap_s=0.02), poll_interval_s=0.02,
                                      max_attempts=3)
        await dispatcher.start()
        try:
            await eventually(lambda: dispatcher.stats.dead == 1)
            await asyncio.sleep(0.2)
        finally:
            await dispatcher.stop()
    [row] = outbox(database)
    assert row.dead and row.attempts == 3 and row.delivered_at is None
    assert "HTTP 500" in (row.last_error or "")
    assert sum(buyer.receipts.values()) == 3


async def test_pending_events_survive_a_restart_and_reach_a_deduplicating_listener_once(database: Database) -> None:
    buyer = Buyer()
    sock = reserve_port()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    subscribe(database, url)
    ids = [order_event(database, f"po-{n}") for n in range(5)]

    # The buyer is down: the first dispatcher only collects failures, then its process "ends".
    first = OutboxDispatcher(database, backoff=Backoff(base_s=0.05, cap_s=0.1), poll_interval_s=0.02)
    await first.start()
    await eventually(lambda: first.stats.failed_attempts >= 5)
    await first.stop()
    assert undelivered(database) == 5

    async with serving(buyer.app, sock):
        second = OutboxDispatcher(database, backoff=FAST, poll_interval_s=0.02)
        await second.start()
        try:
            await eventually(lambda: undelivered(database) == 0)
        finally:
            await second.stop()
        assert sorted(event["eventId"] for event in buyer.handled) == sorted(ids)

        # A crash between the POST and recording it: the dead process's claim, its lease run out.
        with database.transaction() as session:
            session.execute(update(OutboxEventRow).where(OutboxEventRow.event_id == ids[0])
                            .values(delivered_at=None, claimed_by="crashed-process",
                                    next_attempt_at=clock.now() - timedelta(seconds=1)))
        third = OutboxDispatcher(database, backoff=FAST, poll_interval_s=0.02)
        await third.start()
        try:
            await eventually(lambda: undelivered(database) == 0)
        finally:
            await third.stop()
    assert buyer.receipts[ids[0]] == 2
    assert sorted(event["eventId"] for event in buyer.handled) == sorted(ids)


async def test_two_dispatchers_on_one_database_deliver_each_event_once(database: Database) -> None:
    buyer = Buyer()
    async with serving(buyer.app) as url:
        subscribe(database, url)
        ids = [order_event(database, f"po-{n}") for n in range(60)]
        peers = [OutboxDispatcher(database, batch=7, backoff=FAST, poll_interval_s=0.01) for _ in range(2)]
        for peer in peers:
            await peer.start()
        try:
            await eventually(lambda: len(buyer.handled) == len(ids), timeout=20.0)
        finally:
            for peer in peers:
                await peer.stop()
    assert set(buyer.receipts) == set(ids) and set(buyer.receipts.values()) == {1}
    assert sum(peer.stats.delivered for peer in peers) == len(ids)
    assert all(peer.stats.delivered > 0 for peer in peers)
