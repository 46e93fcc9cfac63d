"""The dispatcher: an asyncio task that drains the outbox over HTTP.

It claims due rows, POSTs them concurrently with aiohttp, and records each outcome: a 2xx
answer marks the row delivered, anything else schedules a retry with exponential backoff
until `max_attempts`, after which the row is marked dead and logged. All state is in the
database, so a restarted process (or a second dispatcher on the same PostgreSQL) continues
the work; database calls run in a worker thread so the event loop never blocks on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta

import aiohttp

from cadenza.core import clock
from cadenza.core.db import Database
from cadenza.core.in_process import InProcessTransport
from cadenza.core.notifications.backoff import Backoff
from cadenza.core.notifications.claims import Claimed, Outcome, claim_due, record_outcomes
from cadenza.core.notifications.sender import AuthHeaderFor, post_event, post_event_in_process

__all__ = ["DispatcherStats", "OutboxDispatcher"]

log = logging.getLogger(__name__)

# Rounds delivering at once: enough that a slow listener holds up none of the events after its
# own, few enough that a burst of wake-ups does not turn into as many claims of the outbox.
ROUNDS_AT_ONCE = 4


@dataclass(slots=True)
class DispatcherStats:
    delivered: int = 0
    failed_attempts: int = 0
    dead: int = 0


def _default_session(timeout_s: float) -> Callable[[], aiohttp.ClientSession]:
    return lambda: aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s))


class OutboxDispatcher:
    """Delivers outbox events at least once; start it in the app's lifespan."""

    def __init__(self, database: Database, *, http: Callable[[], aiohttp.ClientSession] | None = None,
                 batch: int = 100, max_attempts: int = 20, backoff: Backoff | None = None,
                 poll_interval_s: float = 0.5, request_timeout_s: float = 10.0, lease_s: float | None = None,
                 auth_header_for: AuthHeaderFor | None = None, apis: Collection[str] | None = None,
                 on_refused: Callable[[str, str], None] | None = None,
                 own: tuple[str, InProcessTransport] | None = None) -> None:
        """`own`: this domain's address and its in-process transport: events to its own
        listeners (the BUS's and SOF's) are handed to its app rather than posted over a socket."""
        self._db = database
        self._new_session = http or _default_session(request_timeout_s)
        self.batch = batch
        self.max_attempts = max_attempts
        self.backoff = backoff or Backoff()
        self.poll_interval_s = poll_interval_s
        self.request_timeout_s = request_timeout_s
        # The lease must outlive one delivery round, or a slow round is retried by a peer.
        self.lease_s = lease_s if lease_s is not None else request_timeout_s * 2 + 5
        self._auth_header_for = auth_header_for
        # told of a listener's 401, so the token it refused is not presented again
        self._on_refused = on_refused
        self._apis = apis
        self._own = (own[0].rstrip("/") + "/", own[1]) if own is not None else None
        self.stats = DispatcherStats()
        self._http: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._nudged: asyncio.Event | None = None
        self._missed = False  # woken while ROUNDS_AT_ONCE rounds were delivering
        self._stopping = False

    async def start(self) -> None:
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._nudged = asyncio.Event()
        self._http = self._new_session()
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self) -> None:
        """Finish the round in flight, then stop; unfinished claims expire with their lease."""
        self._stopping = True
        self.wake()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    def wake(self) -> None:
        """Look for due events now rather than at the next poll; callable from any thread."""
        loop, nudged = self._loop, self._nudged
        if loop is None or nudged is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            nudged.set()
        else:
            loop.call_soon_threadsafe(nudged.set)

    async def run_once(self) -> int:
        """Claim and deliver one batch; the number of rows handled."""
        claimed = await asyncio.to_thread(claim_due, self._db, batch=self.batch, lease_s=self.lease_s,
                                          apis=self._apis)
        if not claimed:
            return 0
        outcomes = await asyncio.gather(*(self._deliver(row) for row in claimed))
        await asyncio.to_thread(record_outcomes, self._db, list(outcomes))
        return len(claimed)

    async def _run(self) -> None:
        """A round at each wake-up (and poll), beside the rounds still delivering: a round lasts
        as long as its slowest listener (one of this domain's own runs its handler before it
        answers), and an event published meanwhile waited for it, however quick its own
        listener. The claims' leases keep two rounds from taking the same row."""
        nudged = self._nudged
        if nudged is None:
            raise RuntimeError("run the dispatcher with start()")
        rounds: set[asyncio.Task[None]] = set()
        try:
            while not self._stopping:
                nudged.clear()
                if len(rounds) < ROUNDS_AT_ONCE:
                    task = asyncio.create_task(self._round(nudged), name="outbox-dispatch-round")
                    rounds.add(task)
                    task.add_done_callback(rounds.discard)
                else:
                    self._missed = True  # the next round to end starts another
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(nudged.wait(), self.poll_interval_s)
        finally:
            if rounds:
                await asyncio.gather(*rounds, return_exceptions=True)

    async def _round(self, nudged: asyncio.Event) -> None:
        try:
            handled = await self.run_once()
        except Exception:  # the database may be briefly away; the loop must survive it
            log.exception("outbox dispatch round failed; retrying after the poll interval")
            handled = 0
        if handled >= self.batch or self._missed:  # more may be due: the next round at once
            self._missed = False
            nudged.set()

    async def _deliver(self, row: Claimed) -> Outcome:
        if self._http is None:
            raise RuntimeError("the dispatcher is not started")
        app = self._own[1].bound() if self._own is not None and row.target_url.startswith(self._own[0]) else None
        if app is not None:
            error = await post_event_in_process(app, row.target_url, row.body, timeout_s=self.request_timeout_s,
                                                subscription_id=row.subscription_id,
                                                auth_header_for=self._auth_header_for)
        else:
            error = await post_event(self._http, row.target_url, row.body, subscription_id=row.subscription_id,
                                     auth_header_for=self._auth_header_for)
        if error is None:
            self.stats.delivered += 1
            return Outcome(row=row, delivered=True)
        if self._on_refused is not None and error.startswith("HTTP 401 "):
            self._on_refused(row.target_url, row.subscription_id)
        return self._failed(row, error)

    def _failed(self, row: Claimed, error: str) -> Outcome:
        self.stats.failed_attempts += 1
        attempt = row.attempts + 1
        if attempt >= self.max_attempts:
            self.stats.dead += 1
            log.error("event %s to %s is dead after %d attempts: %s", row.event_id, row.target_url, attempt, error)
            return Outcome(row=row, delivered=False, error=error, dead=True)
        retry_at = clock.now() + timedelta(seconds=self.backoff.delay(attempt))
        log.warning("event %s to %s failed (attempt %d/%d), retrying at %s: %s", row.event_id, row.target_url,
                    attempt, self.max_attempts, clock.iso(retry_at), error)
        return Outcome(row=row, delivered=False, error=error, retry_at=retry_at)
