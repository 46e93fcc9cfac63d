"""What a link does to the traffic it is offered: queueing delay and overflow loss.

Each direction of a link is an M/M/1/K queue: frames arrive at the offered load, are served
at the link's capacity, and the buffer holds K frames (`buffer_ms` of transmission at that
capacity). With offered utilisation rho the queue loses

    p_K = (1 - rho) rho^K / (1 - rho^(K+1))       (1/(K+1) at rho = 1)

of the frames and holds N = rho/(1-rho) - (K+1) rho^(K+1) / (1 - rho^(K+1)) on average, so a
frame waits N / (arrival rate that gets in) (Little's law). Below about 90 % utilisation this
is almost nothing; near and above capacity the buffer fills, the delay approaches `buffer_ms`
and the loss approaches (rho - 1) / rho, the share that does not fit. Vectorised over links
and steps. For rho > 1 the formulas are evaluated at 1/rho by the queue's symmetry
(N(rho) = K - N(1/rho)), which keeps rho^K finite.
"""

from __future__ import annotations

import numpy as np

__all__ = ["overflow", "queue_frames", "waiting_ms"]

_NEAR_ONE = 1e-6


def overflow(rho: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The share of offered frames the buffer of `k` frames drops at utilisation `rho`."""
    rho, k = np.broadcast_arrays(np.asarray(rho, dtype=np.float64), np.asarray(k, dtype=np.float64))
    out = np.zeros(rho.shape)
    low = rho < 1 - _NEAR_ONE
    high = rho > 1 + _NEAR_ONE
    near = ~(low | high) & (rho > 0)
    r = rho[low]
    out[low] = (1 - r) * np.power(r, k[low]) / (1 - np.power(r, k[low] + 1))
    inv = 1 / rho[high]
    out[high] = (1 - inv) / (1 - np.power(inv, k[high] + 1))
    out[near] = 1 / (k[near] + 1)
    return out


def queue_frames(rho: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Mean frames in the queue (waiting or in service)."""
    rho, k = np.broadcast_arrays(np.asarray(rho, dtype=np.float64), np.asarray(k, dtype=np.float64))
    out = np.zeros(rho.shape)
    low = (rho > 0) & (rho < 1 - _NEAR_ONE)
    high = rho > 1 + _NEAR_ONE
    near = (rho > 0) & ~(low | high)
    out[low] = _below_one(rho[low], k[low])
    out[high] = k[high] - _below_one(1 / rho[high], k[high])
    out[near] = k[near] / 2
    return out


def waiting_ms(rho: np.ndarray, k: np.ndarray, frames_per_ms: np.ndarray) -> np.ndarray:
    """Mean time a frame that gets in spends in the queue, in ms."""
    rho = np.asarray(rho, dtype=np.float64)
    admitted = rho * (1 - overflow(rho, k)) * frames_per_ms  # frames per ms that get in
    n = queue_frames(rho, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(admitted > 0, n / admitted, 0.0)


def _below_one(r: np.ndarray, k: np.ndarray) -> np.ndarray:
    top = np.power(r, k + 1)
    return r / (1 - r) - (k + 1) * top / (1 - top)
