"""End-to-end service activation testing (MEF 55.0.1 step 11) from its segments' tests.

Segments are in series, so the service's one-way delay is the sum of theirs, its frame loss
is 1 - prod(1 - loss) (a frame must survive every segment), and its rate is the slowest one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from cadenza.core.clock import iso

__all__ = ["SegmentResult", "combine"]

MAX_LOSS = 0.001  # the ICM's own pass mark (docs/presto-profile.md)
MIN_RATE_SHARE = 0.95


@dataclass(frozen=True, slots=True)
class SegmentResult:
    name: str  # e.g. "metro/<uuid>" or "partner/partner-a"
    passed: bool
    delay_ms: float
    loss_ratio: float
    rate_mbps: float
    failures: tuple[str, ...] = ()


def combine(results: Sequence[SegmentResult], *, cir_mbps: int, max_delay_ms: float | None) -> dict:
    delay = sum(r.delay_ms for r in results)
    loss = 1 - math.prod(1 - r.loss_ratio for r in results)
    rate = min((r.rate_mbps for r in results), default=0.0)
    failures = [f"{r.name}: {f}" for r in results for f in (r.failures or (() if r.passed else ("failed",)))]
    if max_delay_ms is not None and delay > max_delay_ms:
        failures.append(f"end-to-end delay {delay:.3f} ms exceeds the {max_delay_ms} ms bound")
    if loss > MAX_LOSS:
        failures.append(f"end-to-end frame loss {loss:.4%} exceeds {MAX_LOSS:.1%}")
    if rate < MIN_RATE_SHARE * cir_mbps:
        failures.append(f"information rate {rate:.1f} Mbit/s is under 95% of the {cir_mbps} Mbit/s CIR")
    return {"result": "FAIL" if failures else "PASS", "failures": failures, "frameDelayMs": round(delay, 4),
            "frameLossRatio": loss, "informationRateMbps": round(rate, 3), "cirMbps": cir_mbps,
            "segments": [{"name": r.name, "result": "PASS" if r.passed else "FAIL", "frameDelayMs": r.delay_ms,
                          "frameLossRatio": r.loss_ratio, "informationRateMbps": r.rate_mbps} for r in results],
            "testedAt": iso()}
