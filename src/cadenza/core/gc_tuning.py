"""Garbage collection tuned for a long-running service process.

CPython's cyclic collector runs a young collection every 700 container allocations and now
and then a full one that walks every object alive. A domain allocates thousands of short-lived
objects per request (rows, events, designed hops) and holds large structures for its whole life
(the topology graph, the inventory mirrors, the twin's element datastores), so with the
defaults about a sixth of a planner's CPU went to collections that found next to nothing
(`cadenza bench presto`: 1.0 -> 0.87 ms of planning per connectivity service).

After start-up, what exists lives as long as the process: frozen, collections never walk it
again; young collections run about fifteen times less often. Reference counting still frees
almost everything at once; only garbage in reference cycles waits longer. For process entry
points (the CLI, a twin's own process, a benchmark run), not for libraries or test processes
that start many domains.

What a process holds after start-up still grows (every service configured adds its flow, rows
and mirrors), and a full collection walks all of that. `collector_paused` keeps the collector
out of a bounded burst of allocation whose objects reference counting frees (a PM collection:
a dict, tuple and bytes per bin), where a full collection found nothing and cost up to a third
of the burst. Pauses nest and may overlap across threads: the collector runs again when the
last one ends, if it ran before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused", "settle_after_start"]

YOUNG_THRESHOLD = 10_000


def settle_after_start() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 20, 20)


_pause_lock = threading.Lock()
_pauses = 0
_enabled_before = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _pauses, _enabled_before  # one collector per process, so one count of its pauses
    with _pause_lock:
        if _pauses == 0:
            _enabled_before = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _enabled_before:
                gc.enable()
