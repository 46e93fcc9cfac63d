"""Counter-based random numbers: the draw for (seed, flow, step, ...) is a pure function of them.

A stream generator would make a step's numbers depend on how many draws came before, that is,
on how often somebody read the twin. Hashing the coordinates instead (SplitMix64's finaliser,
vectorised) gives the same figures for the same seed whether the twin advanced a day at once or
a step at a time, and whatever other services exist.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["key_of", "uniform", "standard_normal", "exponential"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / float(1 << 53)


def key_of(text: str) -> int:
    """A stable 32-bit key for a name (Python's `hash` changes from one process to the next)."""
    return zlib.crc32(text.encode())


def _mix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x + _GOLDEN
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
        return x ^ (x >> np.uint64(31))


def uniform(seed: int, *coordinates: int | np.ndarray) -> np.ndarray:
    """Uniform draws in (0, 1), one per element of the broadcast coordinates."""
    state = np.full((), np.uint64(seed & 0xFFFFFFFFFFFFFFFF), dtype=np.uint64)
    for c in coordinates:
        state = _mix(np.bitwise_xor(state, np.asarray(c, dtype=np.int64).astype(np.uint64)))
    state = _mix(state)
    return ((state >> np.uint64(11)).astype(np.float64) + 0.5) * _TO_UNIT


def standard_normal(seed: int, *coordinates: int | np.ndarray) -> np.ndarray:
    """Normal draws (Box-Muller on two uniforms from the same coordinates)."""
    u1 = uniform(seed, *coordinates, 1)
    u2 = uniform(seed, *coordinates, 2)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def exponential(seed: int, *coordinates: int | np.ndarray) -> np.ndarray:
    """Exponential draws of mean 1."""
    return -np.log(uniform(seed, *coordinates))
