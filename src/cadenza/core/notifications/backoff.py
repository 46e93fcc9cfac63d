"""Exponential backoff with jitter, so a recovering listener is not hit by every retry at once."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """`base * factor**(attempt-1)` seconds, capped, then shortened by up to `jitter` of itself."""

    base_s: float = 0.5
    factor: float = 2.0
    cap_s: float = 60.0
    jitter: float = 0.2

    def delay(self, attempt: int, *, rng: random.Random | None = None) -> float:
        """The wait after the `attempt`-th failed attempt (1 for the first)."""
        raw = min(self.cap_s, self.base_s * self.factor ** max(attempt - 1, 0))
        return raw * (1.0 - self.jitter * (rng or random).random())
