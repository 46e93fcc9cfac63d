"""The outbox of a domain of several worker processes on one PostgreSQL database: each event
reaches each subscription once, whichever worker's dispatcher claims it, and a retry the first
worker claimed is delivered by another once that worker died (SIGKILL) and its lease ran out."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cadenza.core.db import Database
from cadenza.core.notifications import HubStore, publish
from cadenza.core.notifications.rows import OutboxEventRow
from cadenza.landscape.database import migrate

ROOT = Path(__file__).resolve().parents[3]
API = "sonata.productOrder"
LISTENER_BASE = "/mefApi/sonata/productOrderingNotification/v10"
STATE_CHANGE = "productOrderStateChangeEvent"


class Listener:
    """Subscribers' listeners on one local server: each subscription has a path of its own, and
    `answer(n)` says what the n-th POST (from 1) of one event to one path gets: 204, 503 or no
    answer until the test ends ("hang")."""

    def __init__(self, answer: Callable[[int], str] = lambda _n: "ok", delay_s: float = 0.0) -> None:
        self.arrivals: Counter[tuple[str, str]] = Counter()
        self.accepted: Counter[tuple[str, str]] = Counter()
        self.times: list[tuple[float, str]] = []
        self.hanging = threading.Event()
        self.release = threading.Event()
        lock = threading.Lock()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = (self.path.split("/")[1], body["eventId"])
                with lock:
                    listener.arrivals[key] += 1
                    what = answer(listener.arrivals[key])
                    listener.times.append((time.monotonic(), what))
                time.sleep(delay_s)
                if what == "hang":
                    listener.hanging.set()
                    listener.release.wait(60)
                    return
                if what == "ok":
                    with lock:
                        listener.accepted[key] += 1
                self.send_response(204 if what == "ok" else 503)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class Worker:
    """A worker process delivering the outbox (tests/helpers/outbox_worker.py)."""

    def __init__(self, database_url: str, *, lease_s: float, batch: int) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.helpers.outbox_worker", database_url,
                                      str(lease_s), str(batch)], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "ready"

    def stop(self) -> dict[str, int]:
        """What it delivered, once it finished its round and stopped."""
        out, _ = self.proc.communicate(timeout=30)
        return json.loads(out.strip().splitlines()[-1])

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[Database]:
    database = Database(pg_url)
    migrate(database)
    yield database
    database.dispose()


def _subscribe(database: Database, listener: Listener, count: int) -> list[str]:
    store = HubStore(database)
    return [store.subscribe(api=API, party="acme", callback=f"{listener.url}/s{n}", query=None, event_types=[]).id
            for n in range(count)]


def _publish(database: Database, count: int) -> list[str]:
    with database.transaction() as session:
        return [publish(session, api=API, event_type=STATE_CHANGE, listener_base_path=LISTENER_BASE, party="acme",
                        resource={"id": f"po-{n}", "state": "inProgress"}).event_id for n in range(count)]


def _undelivered(database: Database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(OutboxEventRow)
                              .where(OutboxEventRow.delivered_at.is_(None)))


def _until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        time.sleep(0.05)


def test_two_workers_deliver_each_event_to_each_subscription_exactly_once(pg_database: Database,
                                                                           pg_url: str) -> None:
    events, subscriptions = 60, 3
    # A little time per POST, so both workers' rounds overlap and both take part.
    with Listener(delay_s=0.01) as listener:
        paths = [f"s{n}" for n in range(subscriptions)]
        _subscribe(pg_database, listener, subscriptions)
        workers = [Worker(pg_url, lease_s=30.0, batch=5) for _ in range(2)]
        try:
            event_ids = _publish(pg_database, events)
            _until(lambda: _undelivered(pg_database) == 0, 60, "every delivery recorded")
            time.sleep(1.0)  # a duplicate would arrive now, if any
            stats = [worker.stop() for worker in workers]
        finally:
            for worker in workers:
                worker.close()
    expected = {(path, event_id) for path in paths for event_id in event_ids}
    assert set(listener.arrivals) == expected
    assert [key for key, n in listener.arrivals.items() if n != 1] == []
    assert sum(s["delivered"] for s in stats) == events * subscriptions
    assert all(s["delivered"] > 0 for s in stats), stats  # both claimed rows


def test_a_retry_claimed_by_a_worker_that_died_is_delivered_by_another_after_its_lease(
        pg_database: Database, pg_url: str) -> None:
    lease_s = 3.0
    # The first POST is refused (a retry is scheduled); the retry, claimed by the same worker,
    # gets no answer while that worker is killed; the next POST is accepted.
    with Listener(answer=lambda n: {1: "fail", 2: "hang"}.get(n, "ok")) as listener:
        _subscribe(pg_database, listener, 1)
        first = Worker(pg_url, lease_s=lease_s, batch=5)
        second: Worker | None = None
        try:
            [event_id] = _publish(pg_database, 1)
            assert listener.hanging.wait(20), "the first worker never retried"
            claimed_at = time.monotonic()
            first.kill()
            second = Worker(pg_url, lease_s=lease_s, batch=5)
            _until(lambda: _undelivered(pg_database) == 0, 30, "the retry delivered by the second worker")
            delivered_after = time.monotonic() - claimed_at
            stats = second.stop()
        finally:
            first.close()
            if second is not None:
                second.close()
    assert [what for _, what in listener.times] == ["fail", "hang", "ok"]
    assert listener.accepted == {("s0", event_id): 1}
    assert stats["delivered"] == 1
    # not before the dead worker's lease ran out: no peer takes a row that is still claimed
    assert delivered_after >= lease_s - 0.5, delivered_after
    with pg_database.read() as session:
        row = session.scalars(select(OutboxEventRow)).one()
    assert row.claimed_by is None and row.attempts == 2 and not row.dead
