"""Wake-up hints inside one process: a notification that arrived tells the work waiting on
the same key to look again now rather than at its next safety-net check.

A hint is never the truth: the woken work re-reads the state from its source, so a lost,
forged or duplicated hint costs at most one safety-net interval, and a durable workflow
replays the same way whether hints arrived or not. Watching starts before the first read,
so a notification landing between that read and the wait is never missed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Wakeups", "WAKEUPS"]


class Wakeups:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, list[threading.Event]] = {}

    @contextmanager
    def watch(self, key: str) -> Iterator[threading.Event]:
        """An event set by every `notify(key)` from now until the block ends."""
        event = threading.Event()
        with self._lock:
            self._waiters.setdefault(key, []).append(event)
        try:
            yield event
        finally:
            with self._lock:
                waiters = self._waiters.get(key, [])
                if event in waiters:
                    waiters.remove(event)
                if not waiters:
                    self._waiters.pop(key, None)

    def notify(self, key: str) -> bool:
        """Wake whatever watches `key`; whether anything did."""
        with self._lock:
            waiters = list(self._waiters.get(key, ()))
        for event in waiters:
            event.set()
        return bool(waiters)

    def watched(self) -> int:
        with self._lock:
            return len(self._waiters)


WAKEUPS = Wakeups()
