"""Benchmark of constrained path computation on a generated network domain.

Requests run between random UNI-bearing elements, with a realistic live state: a few links
down and some links partly or fully reserved, so the constraint checks are exercised too.
"""

from __future__ import annotations

import random
import statistics
import time

from cadenza.icm.generate import generate_domain_config
from cadenza.icm.pathing import NoPathError, PathRequest, compute_path
from cadenza.icm.topology import Topology

__all__ = ["run_path_benchmark"]


def run_path_benchmark(n_elements: int = 10_000, samples: int = 2_000, seed: int = 1) -> dict[str, float | int]:
    """Latency of compute_path in milliseconds (p50, p99, mean, max) and the one-off build time."""
    started = time.perf_counter()
    topology = Topology.from_config(generate_domain_config(n_elements, seed))
    topology.graph  # noqa: B018 - building the search index is part of the one-off cost
    build_s = time.perf_counter() - started

    rng = random.Random(seed)
    links = sorted(topology.links)
    down = set(rng.sample(links, max(1, len(links) // 200)))
    available = {lid: rng.choice((0.0, 50.0, 400.0, 2_000.0)) for lid in rng.sample(links, len(links) // 20)}
    ends = sorted({edge.element for edge in topology.edge_points.values()})
    requests = [
        PathRequest(rng.choice(ends), rng.choice(ends), rng.choice((10.0, 100.0, 1_000.0)), max_delay_ms=50.0)
        for _ in range(samples)
    ]
    timings, refused = [], 0
    for request in requests:
        t0 = time.perf_counter()
        try:
            compute_path(topology, request, available_mbps=available, down_links=down)
        except NoPathError:
            refused += 1
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    return {
        "n_elements": n_elements,
        "n_links": len(links),
        "samples": samples,
        "refused": refused,
        "build_s": round(build_s, 3),
        "p50_ms": round(timings[len(timings) // 2], 3),
        "p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 3),
        "mean_ms": round(statistics.fmean(timings), 3),
        "max_ms": round(timings[-1], 3),
    }
