"""Hearing events that only name what changed (LEGATO's, as the listener reads the resource anew).

A listener reads the resource for every event, yet a burst of events naming one resource (a
diagnosis adding its findings, a backlog drained in one round) needs one read: any read begun
after an event arrived shows all that event could. `LatestReads.run(key, work)` runs the work of
one key at a time, and skips it for an event that arrived before a completed run began. A run
that fails counts for nothing: the events it would have answered run their own work.

Only for work that reads what it applies when it runs and applies it idempotently.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["LatestReads"]


class _Key:
    __slots__ = ("lock", "began")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.began = -1  # the ticket of the last completed run's start


class LatestReads:
    """Per key, the start of the last completed run, for the most recent `capacity` keys."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._keys: OrderedDict[str, _Key] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()
        # one order for arrivals and starts: a start ticketed after an arrival began after it
        self._tickets = itertools.count()

    def _key(self, key: str) -> _Key:
        with self._lock:
            found = self._keys.get(key)
            if found is None:
                found = self._keys[key] = _Key()
                if len(self._keys) > self._capacity:
                    self._keys.popitem(last=False)  # at worst a run done twice, never one skipped wrongly
            else:
                self._keys.move_to_end(key)
            return found

    def run(self, key: str, work: Callable[[], None]) -> bool:
        """Do `work` for an event about `key` that arrived now; False when a run that began
        since has already done it (blocking: call it from a worker thread)."""
        with self._lock:
            arrived = next(self._tickets)
        state = self._key(key)
        with state.lock:
            if state.began > arrived:
                return False
            with self._lock:
                began = next(self._tickets)
            work()
            state.began = began
            return True
