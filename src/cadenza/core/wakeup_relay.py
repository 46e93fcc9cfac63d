"""Wake-up hints across the worker processes of one domain, over PostgreSQL LISTEN/NOTIFY.

A notification (LEGATO, PRESTO, SONATA, INTERLUDE) reaches whichever worker its POST reached,
while the workflow waiting for it may run in another. Every worker LISTENs on its domain's
channel; `WAKEUPS.notify` wakes the watchers of its own process and hands the key to the relay,
which NOTIFYs it, and each other worker wakes its own (`Wakeups.wake_here`). An order's latency
then does not depend on where its events arrive.

A relayed hint is still only a hint (core/wakeups.py): one lost while a connection was down
costs at most a safety-net interval, a duplicate costs one read. Publishing never blocks the
caller (an event listener on the event loop, a step holding nothing): keys go through a queue to
a sender thread with its own connection, and are dropped when the database is away. A listening
connection that was lost may have missed hints, so once it is back every watcher of this process
looks once. SQLite serves a domain of one process: no relay there.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import queue
import threading
import uuid

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from cadenza.core.wakeups import WAKEUPS, Wakeups

__all__ = ["WakeupRelay", "relay_channel", "start_relay"]

log = logging.getLogger(__name__)
# A silently dropped connection (no reset) is noticed within about half a minute, and an
# unreachable server within seconds.
_CONNECT = {"connect_timeout": 5, "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
            "keepalives_count": 3}
_NOTIFY_MAX_BYTES = 7900  # PostgreSQL refuses payloads of 8000 bytes and more
_BACKLOG = 10_000  # hints waiting to be sent while the database is slow; past that they are dropped
_LISTEN_POLL_S = 0.5  # how soon a stopping relay notices


def relay_channel(domain: str) -> str:
    """The NOTIFY channel of a domain: notifications stay within one database already; the name
    keeps two domains apart should they share one, within PostgreSQL's 63 bytes."""
    digest = hashlib.sha256(domain.encode()).hexdigest()[:16]
    return f"cadenza_wakeups_{digest}"


def _libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class WakeupRelay:
    """One process's part of the relay: a listening thread and a sending thread."""

    def __init__(self, database_url: str, *, channel: str, wakeups: Wakeups = WAKEUPS,
                 reconnect_s: float = 1.0) -> None:
        self._url = _libpq_url(database_url)
        self.channel = channel
        self._wakeups = wakeups
        self._reconnect_s = reconnect_s
        # Our own notifications come back to us as well: we woke our watchers already.
        self._origin = uuid.uuid4().hex
        self._outbox: queue.Queue[str | None] = queue.Queue(maxsize=_BACKLOG)
        self._stopping = threading.Event()
        self._listening = threading.Event()
        self.listening_pid: int | None = None  # the listening session's backend, for tests and logs
        self.reconnects = 0
        self._threads: list[threading.Thread] = []

    def start(self, *, ready_timeout_s: float = 10.0) -> None:
        """Start listening; returns once the channel is listened to (or after `ready_timeout_s`,
        the relay then connecting in the background)."""
        self._threads = [threading.Thread(target=self._listen, name="wakeup-relay-listen", daemon=True),
                         threading.Thread(target=self._send, name="wakeup-relay-send", daemon=True)]
        for thread in self._threads:
            thread.start()
        if not self._listening.wait(ready_timeout_s):
            log.warning("wake-up relay: not listening on %s yet; hints from other workers wait for it",
                        self.channel)

    def attach(self) -> None:
        """Make this the relay of every `notify` of its `wakeups`."""
        self._wakeups.relay_to(self.publish)

    def stop(self) -> None:
        self._wakeups.relay_to(None)
        self._stopping.set()
        with contextlib.suppress(queue.Full):
            self._outbox.put_nowait(None)
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    def publish(self, key: str) -> None:
        """Tell the domain's other processes of `key`; never blocks."""
        payload = f"{self._origin} {key}"
        if len(payload.encode()) > _NOTIFY_MAX_BYTES:
            log.debug("wake-up key too long to relay: %.80s...", key)
            return
        try:
            self._outbox.put_nowait(payload)
        except queue.Full:  # the database is away: the safety net covers what is dropped
            log.debug("wake-up relay backlog full; dropped %s", key)

    # -- threads ----------------------------------------------------------------------------
    def _listen(self) -> None:
        connected_before = False
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True, **_CONNECT) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self.listening_pid = conn.info.backend_pid
                    if connected_before:
                        self.reconnects += 1
                        woken = self._wakeups.wake_all_here()
                        log.info("wake-up relay listens again; %d waits here look once", woken)
                    connected_before = True
                    self._listening.set()
                    while not self._stopping.is_set():
                        for note in conn.notifies(timeout=_LISTEN_POLL_S):
                            self._heard(note.payload)
            except psycopg.Error as exc:
                if self._stopping.is_set():
                    return
                log.warning("wake-up relay lost its listening connection (%s); reconnecting", exc)
            self._stopping.wait(self._reconnect_s)

    def _heard(self, payload: str) -> None:
        origin, _, key = payload.partition(" ")
        if origin != self._origin and key:
            self._wakeups.wake_here(key)

    def _send(self) -> None:
        conn: psycopg.Connection | None = None
        try:
            while not self._stopping.is_set():
                try:
                    payload = self._outbox.get(timeout=_LISTEN_POLL_S)
                except queue.Empty:
                    continue
                if payload is None:
                    return
                try:
                    if conn is None or conn.closed:
                        conn = psycopg.connect(self._url, autocommit=True, **_CONNECT)
                    conn.execute("SELECT pg_notify(%s, %s)", (self.channel, payload))
                except psycopg.Error as exc:  # dropped: a hint, and the next one reconnects
                    log.warning("wake-up relay could not publish a hint (%s)", exc)
                    if conn is not None:
                        conn.close()
                    conn = None
                    self._stopping.wait(self._reconnect_s)
        finally:
            if conn is not None:
                conn.close()


def start_relay(domain: str, database_url: str, *, wakeups: Wakeups = WAKEUPS) -> WakeupRelay | None:
    """Relay `wakeups` through the domain's PostgreSQL database; None on SQLite (one process)."""
    if make_url(database_url).get_backend_name() != "postgresql":
        return None
    relay = WakeupRelay(database_url, channel=relay_channel(domain), wakeups=wakeups)
    relay.start()
    relay.attach()
    return relay
