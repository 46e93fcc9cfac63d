"""Readings of connectivity services shared by the SOF's threads in one process.

An ICM's event about a segment sets two readers going at once: the step waiting for the
segment (sof/steps.py) and the follower of its operational state (sof/operational.py). Each
asks for a reading begun no earlier than a moment of its own (the event's arrival, or when the
wait last looked), and gets one already taken or under way when there is one, else takes it.
A reading begun after that moment shows at least what the ICM had committed then, as the ICM
commits a change before announcing it: sharing it never shows a reader an older state than a
reading of its own would. A reading that failed is not kept for later readers.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from cadenza.interfaces.presto.client import ConnectivityService

__all__ = ["SegmentReadings"]

Read = Callable[[str, str], ConnectivityService]


@dataclass(slots=True)
class _Reading:
    begun: float  # time.monotonic() just before the request went out
    answer: Future[ConnectivityService] = field(default_factory=Future)


class SegmentReadings:
    """The latest reading of each of the last `keep` services read, to share with readers that
    ask for one begun since a moment it was begun after."""

    def __init__(self, read: Read, *, keep: int = 10_000) -> None:
        self._read = read
        self._keep = keep
        self._lock = threading.Lock()
        self._latest: OrderedDict[str, _Reading] = OrderedDict()
        self.taken = 0  # readings this process asked the ICMs for (tests, benchmarks)
        self.shared = 0  # readings handed to a reader that did not take them

    def read(self, network_domain: str, uuid: str, *, since: float) -> ConnectivityService:
        """A reading of `uuid` begun at `since` (a `time.monotonic()` value) or later."""
        with self._lock:
            latest = self._latest.get(uuid)
            if latest is not None and latest.begun >= since:
                self.shared += 1
                mine = None
            else:
                mine = latest = _Reading(time.monotonic())
                self._latest[uuid] = mine
                self._latest.move_to_end(uuid)
                while len(self._latest) > self._keep:
                    self._latest.popitem(last=False)
                self.taken += 1
        if mine is None:
            return latest.answer.result()  # what that reading raised is raised here too
        try:
            service = self._read(network_domain, uuid)
        except BaseException as exc:
            with self._lock:
                if self._latest.get(uuid) is mine:
                    del self._latest[uuid]
            mine.answer.set_exception(exc)
            raise
        mine.answer.set_result(service)
        return service
