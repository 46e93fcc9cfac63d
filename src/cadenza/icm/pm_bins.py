"""A PM bin between ADAGIO, the database and the metrics: encode the steps, read them back.

The steps of a bin travel as one zlib-compressed block: the step indexes (uint16), the six
frame counts per step (int64) and the probe delays (float32 ms, NaN for a lost probe). The
summary columns of `PmBinRow` are computed here once, from the same figures.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from cadenza.icm.pm_rows import PmBinRow
from cadenza.interfaces.adagio.contract import LOST_PROBE, PmInterval

__all__ = ["BinSteps", "to_values", "to_row", "steps_of"]

_COUNTS = ("offered", "green", "yellow", "red", "rx_green", "rx_yellow")


@dataclass(frozen=True, slots=True)
class BinSteps:
    """The steps of one bin: index in the interval, frame counts [6, n] in the order of
    `_COUNTS`, probe delays [n, probes] in ms (NaN: lost)."""

    index: np.ndarray
    counts: np.ndarray
    delays_ms: np.ndarray

    def column(self, name: str) -> np.ndarray:
        return self.counts[_COUNTS.index(name)]


def to_values(network_domain: str, interval: PmInterval, collected_at: datetime) -> dict[str, Any]:
    """The `icm_pm_bin` row of a bin, as the values of an INSERT (a collection inserts many at once)."""
    index = interval.step_index
    n = len(index)
    counts = interval.frames.astype(np.int64)
    raw = interval.delays_us
    probes = raw.shape[1]
    lost = raw == LOST_PROBE
    delays = np.where(lost, np.nan, raw / 1000).astype(np.float32)
    delivered = delays[~lost]
    blob = zlib.compress(np.int32(n).tobytes() + np.int32(probes).tobytes() + index.astype(np.uint16).tobytes()
                         + counts.tobytes() + delays.tobytes(), 6)
    sums = counts.sum(axis=1).tolist()
    return {
        "network_domain": network_domain, "service_uuid": interval.fc_id,
        "ingress": f"{interval.element}:{interval.port}", "number": interval.number, "egress": interval.far_end,
        "start": int(interval.start),
        "interval_s": interval.interval_s, "step_s": interval.step_s, "steps": n, "complete": interval.complete,
        **dict(zip(_COUNTS, sums, strict=True)),
        "probes": int(delays.size), "probes_lost": int(lost.sum()),
        "delay_min_ms": float(delivered.min()) if delivered.size else None,
        "delay_mean_ms": float(delivered.mean()) if delivered.size else None,
        "delay_max_ms": float(delivered.max()) if delivered.size else None,
        "step_data": blob, "collected_at": collected_at}


def to_row(network_domain: str, interval: PmInterval, collected_at: datetime) -> PmBinRow:
    return PmBinRow(**to_values(network_domain, interval, collected_at))


def steps_of(row: PmBinRow) -> BinSteps:
    raw = zlib.decompress(row.step_data)
    n, probes = (int(v) for v in np.frombuffer(raw[:8], dtype=np.int32))
    at = 8
    index = np.frombuffer(raw, dtype=np.uint16, count=n, offset=at)
    at += 2 * n
    counts = np.frombuffer(raw, dtype=np.int64, count=6 * n, offset=at).reshape(6, n)
    at += 8 * 6 * n
    delays = np.frombuffer(raw, dtype=np.float32, count=n * probes, offset=at).reshape(n, probes)
    return BinSteps(index.copy(), counts.copy(), delays.copy())
