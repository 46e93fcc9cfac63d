"""An ICM's PRESTO event wakes the step waiting for that segment, unless it says the segment is
`planned` (where every segment begins, which the wait's first read after the create shows) or
`modifying` (which the ICM's answer to the update shows, and where no wait ends)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cadenza.core.wakeups import WAKEUPS
from cadenza.interfaces.presto.paths import LISTENER_BASE, STATE_CHANGE_EVENT
from cadenza.sof.api.presto_listener import PRESTO_LISTENER_PREFIX, presto_listener_router
from cadenza.sof.steps import segment_news


class Untracked:
    """A session that keeps no segment's state: the operational follower has nothing to read."""

    def get(self, _row: type, _key: str) -> None:
        return None


class Database:
    @contextmanager
    def read(self) -> Iterator[Untracked]:
        yield Untracked()


class Sof:
    database = Database()


def post(client: TestClient, uuid: str, state: str) -> None:
    reply = client.post(f"{PRESTO_LISTENER_PREFIX}{LISTENER_BASE}/listener/{STATE_CHANGE_EVENT}", json={
        "eventId": f"e-{uuid}-{state}", "eventTime": "2026-12-02T00:00:00Z", "eventType": STATE_CHANGE_EVENT,
        "event": {"id": uuid, "state": state, "operational-state": "ENABLED" if state == "installed" else "DISABLED"}})
    assert reply.status_code == 204


def event_wakes(state: str) -> bool:
    WAKEUPS.start()  # a domain stopped earlier in this process leaves the wake-ups stopped
    app = FastAPI()
    app.include_router(presto_listener_router(Sof()))  # type: ignore[arg-type]
    with WAKEUPS.watch(segment_news("s-1")) as news:
        post(TestClient(app), "s-1", state)
        return news.is_set()


def test_a_planned_event_wakes_no_wait() -> None:
    assert not event_wakes("planned")


def test_a_modifying_event_wakes_no_wait() -> None:
    assert not event_wakes("modifying")


def test_every_state_a_wait_may_end_in_wakes_the_wait() -> None:
    for state in ("installed", "failed", "removing", "removed"):
        assert event_wakes(state), state
