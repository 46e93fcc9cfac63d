"""How the Customer Application Coordinator sizes a service (thread 10.9 step 3): the mean
utilisation over a window of intervals against a band, with hysteresis so that it does not
oscillate.

Above `up_percent` it raises the committed rate, below `down_percent` it lowers it, and in
between it leaves it. A move goes at least one step of the bounds and as far as the rate that
would have carried the window's mean traffic at `target_percent` of it, aligned to the bounds'
steps, kept within them and never below the customer's own floor. Since the utilisation the
provider reports stops at 100 % (traffic above the CIR is yellow, not committed), a saturated
window only says "at least": the coordinator then goes up by the most the target allows and
looks again at the next window."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Band", "RateBounds", "next_rate"]


@dataclass(frozen=True, slots=True)
class Band:
    up_percent: float = 80.0
    down_percent: float = 30.0
    target_percent: float = 55.0  # where a move aims: inside the band, away from both edges
    window: int = 4  # intervals of 15 minutes the mean is taken over

    def __post_init__(self) -> None:
        if not 0 < self.down_percent < self.target_percent < self.up_percent <= 100:
            raise ValueError("the band needs 0 < down < target < up <= 100 (percent of the CIR)")
        if self.window < 1:
            raise ValueError("the window holds at least one interval")


@dataclass(frozen=True, slots=True)
class RateBounds:
    """The rates the contract allows (`minMbps` + k·`stepMbps` up to `maxMbps`, ALLEGRO's
    cadenzaControlPolicy) and the customer's own floor, which may be above the contract's."""

    min_mbps: int
    max_mbps: int
    step_mbps: int
    floor_mbps: int = 0

    @property
    def lowest(self) -> int:
        return self.aligned_up(max(self.min_mbps, self.floor_mbps))

    def aligned_up(self, mbps: float) -> int:
        steps = math.ceil(max(0.0, mbps - self.min_mbps) / self.step_mbps - 1e-9)
        return min(self.max_mbps, self.min_mbps + steps * self.step_mbps)

    def aligned_down(self, mbps: float) -> int:
        steps = math.floor(max(0.0, mbps - self.min_mbps) / self.step_mbps + 1e-9)
        return min(self.max_mbps, self.min_mbps + steps * self.step_mbps)


def next_rate(utilisation_percent: Sequence[float], current_mbps: int, bounds: RateBounds, band: Band) -> int | None:
    """The committed rate to ask for, or None to leave the service as it is. `utilisation_percent`:
    the window's intervals, oldest first; fewer than `band.window` decide nothing yet."""
    if len(utilisation_percent) < band.window:
        return None
    window = utilisation_percent[-band.window:]
    mean = sum(window) / len(window)
    carried_mbps = current_mbps * mean / 100
    wanted = carried_mbps * 100 / band.target_percent
    if mean > band.up_percent:
        rate = max(bounds.aligned_up(wanted), bounds.aligned_up(current_mbps + bounds.step_mbps))
        return rate if rate > current_mbps else None  # at the contract's maximum already
    if mean < band.down_percent:
        rate = max(bounds.lowest, min(bounds.aligned_up(wanted), bounds.aligned_down(current_mbps - bounds.step_mbps)))
        return rate if rate < current_mbps else None  # at the floor already
    return None
