"""Wake-up hints inside one process: a notification that arrived tells the work waiting on
the same key to look again now rather than at its next safety-net check.

A hint is never the truth: the woken work re-reads the state from its source, so a lost,
forged or duplicated hint costs at most one safety-net interval, and a durable workflow
replays the same way whether hints arrived or not. Watching starts before the first read,
so a notification landing between that read and the wait is never missed.

When the domain stops, every wait ends with `ProcessStopping`, a BaseException: DBOS records
neither the step nor the workflow as failed, so the work is resumed by the next start exactly
as after a crash, and the process does not hang on threads waiting for news.

A domain of several worker processes hears a notification in one of them while the work waiting
for it may run in another: `relay_to` hands every hint to a relay (core/wakeup_relay.py) that
passes it to the other processes, where it arrives through `wake_here`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["Wakeups", "WAKEUPS", "ProcessStopping", "News"]


class ProcessStopping(BaseException):  # noqa: N818 - like SystemExit, a way out rather than an error
    """The domain is stopping: leave the waiting work where it is, to be resumed on restart."""


class News(threading.Event):
    """What a watch is told: set by every hint, and knowing when the last one arrived, so that a
    reading begun since (e.g. another reader's, sof/segment_readings.py) may serve the watcher."""

    def __init__(self) -> None:
        super().__init__()
        self._stamping = threading.Lock()
        self._heard_at: float | None = None

    def set(self) -> None:
        with self._stamping:
            self._heard_at = time.monotonic()
            super().set()

    def clear(self) -> None:
        self.clear_heard()

    def clear_heard(self) -> float | None:
        """Clear; the `time.monotonic()` of the last hint since the last clear (None: none came)."""
        with self._stamping:
            heard, self._heard_at = self._heard_at, None
            super().clear()
            return heard


class Wakeups:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, list[News]] = {}
        self._stopping = False
        self._relay: Callable[[str], None] | None = None

    def relay_to(self, publish: Callable[[str], None] | None) -> None:
        """Hand every hint notified here to `publish` too (None: keep them in this process)."""
        self._relay = publish

    def start(self) -> None:
        self._stopping = False

    @property
    def stopping(self) -> bool:
        """Whether the domain is stopping (between `stop` and the next `start`)."""
        return self._stopping

    def stop(self) -> None:
        """End every wait, now and until `start`, with ProcessStopping."""
        with self._lock:
            self._stopping = True
            waiting = [event for events in self._waiters.values() for event in events]
        for event in waiting:
            event.set()

    def pause(self, event: threading.Event, timeout_s: float) -> bool:
        """Wait up to `timeout_s` for `event` (from `watch`); whether it was set."""
        if self._stopping:
            raise ProcessStopping
        woken = event.wait(timeout_s)
        if self._stopping:
            raise ProcessStopping
        return woken

    @contextmanager
    def watch(self, key: str | None) -> Iterator[News]:
        """An event set by every `notify(key)` from now until the block ends (`None`: by nothing
        but `stop`, for waits that only back off)."""
        event = News()
        with self._lock:
            if self._stopping:
                raise ProcessStopping
            self._waiters.setdefault(key or f"unwatched-{id(event)}", []).append(event)
        try:
            yield event
        finally:
            name = key or f"unwatched-{id(event)}"
            with self._lock:
                waiters = self._waiters.get(name, [])
                if event in waiters:
                    waiters.remove(event)
                if not waiters:
                    self._waiters.pop(name, None)

    def notify(self, key: str) -> bool:
        """Wake whatever watches `key`, here and (through the relay) in the domain's other
        processes; whether anything may have woken: False only when nothing here watches
        `key` and there is no other process to tell."""
        woken = self.wake_here(key)
        relay = self._relay
        if relay is None:
            return woken
        relay(key)
        return True

    def wake_here(self, key: str) -> bool:
        """Wake whatever watches `key` in this process only; whether anything did."""
        with self._lock:
            waiters = list(self._waiters.get(key, ()))
        for event in waiters:
            event.set()
        return bool(waiters)

    def wake_all_here(self) -> int:
        """Wake every watcher in this process (hints may have been lost: each looks once)."""
        with self._lock:
            waiting = [event for events in self._waiters.values() for event in events]
        for event in waiting:
            event.set()
        return len(waiting)

    def watched(self) -> int:
        with self._lock:
            return len(self._waiters)


WAKEUPS = Wakeups()
