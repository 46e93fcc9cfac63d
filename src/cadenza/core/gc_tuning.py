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
"""

from __future__ import annotations

import gc

__all__ = ["settle_after_start"]

YOUNG_THRESHOLD = 10_000


def settle_after_start() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 20, 20)
