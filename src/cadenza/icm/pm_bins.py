"""A PM bin between ADAGIO, the database and the metrics: encode the steps, read them back.

The steps of a bin are kept in one column, `step_data`, little-endian:
`02 | cw u8 | dw u8 | n u16 | m u16 | index u16 [n] | counts | delays`. Counts are the six frame
counts per step ([6, n], `_COUNTS` order): with cw = 2, six uint32 bases (each column's least)
and uint16 offsets from them; else plain uint32 or uint64 (cw = 4, 8). Delays are the probes'
one-way delays in µs ([n, m]): with dw = 2, a uint32 base (the least delivered) and uint16
offsets, 65535 for a lost probe; else plain uint32 (dw = 4), LOST_PROBE for a lost one. A bin of
90 steps of ten probes is about 3 kB, one database page as the zlib of version 1 was; packing and
unpacking are array operations over every bin of a collection or a history at once (zlib per bin
cost more than the rest of either). Bins stored before (version 1: a bare zlib stream of int64
counts and float32 ms delays) read the same.

The summary columns of `PmBinRow` are computed here once, from the same figures; the delay
figures among them (`fd_p99_ms`, `fdr_p99_ms`, `ifdv_p99_ms`) by `core/pm/metrics.measure` over
the bin's probes laid out as a history lays them out, every probe qualified: what the history
shows of an interval that stayed available, so it need not sort 900 probes per interval again.
"""

from __future__ import annotations

import struct
import zlib  # version 1 bins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from cadenza.core.pm.metrics import DeltaTBatch, MetricPlan, measure
from cadenza.icm.pm_rows import PmBinRow
from cadenza.interfaces.adagio.contract import LOST_PROBE, PmInterval

__all__ = ["DELAY_PERCENTILE", "IFDV_LAG", "BinSteps", "StepColumns", "delay_summaries", "to_values", "to_values_many",
           "to_row", "steps_of", "decode_many", "decode_columns", "delays_ms_of"]

_COUNTS = ("offered", "green", "yellow", "red", "rx_green", "rx_yellow")
_HEADER = struct.Struct("<BBBHH")
_VERSION = 2
DELAY_PERCENTILE = 99.0  # of FD, FD range and IFDV, as the ICM reports them (PRESTO `fd-1-fw-p99`, ...)
IFDV_LAG = 1  # IFDV's Δτ, in probe spacings
_SUMMARY_PLAN = MetricPlan(threshold_c=0.5, consecutive_n=1, fd_percentiles=(DELAY_PERCENTILE,),
                           fdr_percentiles=(DELAY_PERCENTILE,), ifdv=((DELAY_PERCENTILE, IFDV_LAG),))
_SUMMARY_CHUNK = 2_000  # bins measured at once: memory stays near 15 MB of delays


@dataclass(frozen=True, slots=True)
class BinSteps:
    """The steps of one bin: index in the interval, frame counts [6, n] in the order of
    `_COUNTS`, probe delays [n, probes] in µs (LOST_PROBE: lost)."""

    index: np.ndarray
    counts: np.ndarray
    delays_us: np.ndarray

    def column(self, name: str) -> np.ndarray:
        return self.counts[_COUNTS.index(name)]

    @property
    def delays_ms(self) -> np.ndarray:
        """float32 ms, NaN for a lost probe: the values the metrics are computed on."""
        return delays_ms_of(self.delays_us)


@dataclass(frozen=True, slots=True)
class StepColumns:
    """The steps of many bins end to end, each a column over all of them: the bin each step is
    of (its position among the bins), its index in the interval, the frame counts [6, steps] in
    the order of `_COUNTS` and the probe delays [steps, probes] in µs; and each bin's own steps
    (`bin_steps`, `bins`). What a history is computed and packed from: one array per field, not
    one per bin."""

    bin: np.ndarray
    index: np.ndarray
    counts: np.ndarray
    delays_us: np.ndarray
    # each bin's steps: given as they are, or (bins of one layout) made when asked from the
    # grouped arrays index [b, n], counts [b, 6, n], delays [b, n, m]; a BinSteps of each of the
    # 5,760 bins of 30 days cost more than the SELECT's rows, and a history rarely wants them
    joined: list[BinSteps] | None = None
    grouped: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def column(self, name: str) -> np.ndarray:
        return self.counts[_COUNTS.index(name)]

    def bin_steps(self, position: int) -> BinSteps:
        if self.joined is not None:
            return self.joined[position]
        assert self.grouped is not None
        index, counts, delays = self.grouped
        return BinSteps(index[position], counts[position], delays[position])

    @property
    def bins(self) -> list[BinSteps]:
        if self.joined is not None:
            return self.joined
        assert self.grouped is not None
        return [self.bin_steps(row) for row in range(len(self.grouped[0]))]

    @classmethod
    def of(cls, bins: Sequence[BinSteps]) -> StepColumns:
        """Bins of any layouts, joined (they must have as many probes per step)."""
        sizes = [len(steps.index) for steps in bins]
        return cls(np.repeat(np.arange(len(bins)), sizes), np.concatenate([steps.index for steps in bins]),
                   np.concatenate([steps.counts for steps in bins], axis=1),
                   np.concatenate([steps.delays_us for steps in bins]), joined=list(bins))


def delays_ms_of(delays_us: np.ndarray) -> np.ndarray:
    # divided in float64 and rounded to float32 as it is written: no float64 copy of every probe
    found = np.divide(delays_us, 1000.0, dtype=np.float64, out=np.empty(np.shape(delays_us), dtype=np.float32),
                      casting="unsafe")
    found[delays_us == LOST_PROBE] = np.nan
    return found


def _pack(index: np.ndarray, counts: np.ndarray, delays_us: np.ndarray) -> list[bytes]:
    """Bins of one shape: index [b, n], counts [b, 6, n] int64, delays [b, n, m] uint32."""
    b, _, n = counts.shape
    m = delays_us.shape[2]
    low, high = counts.min(axis=2, initial=0), counts.max(axis=2, initial=0)
    narrow = (high - low <= 0xFFFF).all(axis=1) & (high.max(axis=1, initial=0) <= 0xFFFF_FFFF)
    wide = high.max(axis=1, initial=0) > 0xFFFF_FFFF
    flat = delays_us.reshape(b, -1)
    lost = flat == LOST_PROBE
    # in uint32, where a lost probe is the largest value: the least is the least delivered (none: 0)
    d_low = flat.min(axis=1, initial=LOST_PROBE).astype(np.int64)
    d_low[d_low == LOST_PROBE] = 0
    d_high = flat.max(axis=1, where=~lost, initial=0).astype(np.int64)
    d_narrow = d_high - d_low < 0xFFFF
    packed: list[bytes] = [b""] * b
    for cw in (2, 4, 8):
        chosen = narrow if cw == 2 else (wide if cw == 8 else ~narrow & ~wide)
        for dw in (2, 4):
            rows = np.flatnonzero(chosen & (d_narrow if dw == 2 else ~d_narrow))
            if not rows.size:
                continue
            every = rows.size == b  # usually: no copy of the rows taken

            def of(values: np.ndarray, every: bool = every, rows: np.ndarray = rows) -> np.ndarray:
                return values if every else values[rows]

            parts = [np.frombuffer(_HEADER.pack(_VERSION, cw, dw, n, m), dtype=np.uint8)[None, :].repeat(len(rows), 0),
                     _bytes(of(index), "<u2")]
            if cw == 2:
                base = of(low)
                offsets = of(counts) - base[:, :, None] if base.any() else of(counts)
                parts += [_bytes(base, "<u4"), _bytes(offsets, "<u2")]
            else:
                parts.append(_bytes(of(counts), f"<u{cw}"))
            if dw == 2:
                # delivered offsets are below 0xFFFF here; a lost probe's wraps, then is marked
                delay_offsets = (of(flat) - of(d_low).astype(np.uint32)[:, None]).astype("<u2")
                delay_offsets[of(lost)] = 0xFFFF
                parts += [_bytes(of(d_low), "<u4"), _bytes(delay_offsets, "<u2")]
            else:
                parts.append(_bytes(of(delays_us), "<u4"))
            for row, raw in zip(rows.tolist(), np.concatenate(parts, axis=1), strict=True):
                packed[row] = raw.tobytes()
    return packed


def _bytes(values: np.ndarray, dtype: str) -> np.ndarray:
    """Each row of `values` as its little-endian bytes: [rows, size]."""
    values = np.ascontiguousarray(values, dtype=dtype)
    return values.reshape(len(values), -1).view(np.uint8)


def to_values_many(network_domain: str, intervals: Sequence[PmInterval], collected_at: datetime
                   ) -> list[dict[str, Any]]:
    """The `icm_pm_bin` rows of bins, as the values of one INSERT; bins of one shape are packed
    together."""
    values: list[dict[str, Any]] = [{} for _ in intervals]
    packed: dict[tuple[int, int, int], list[int]] = {}
    for i, interval in enumerate(intervals):
        packed.setdefault((len(interval.step_bytes) // 2, interval.probes_per_step,
                           interval.interval_s // interval.step_s), []).append(i)
    for (n, m, per_interval), members in packed.items():
        # one array per field for the whole group (the bins' bytes joined): a numpy view per bin
        # and per field cost more than the packing itself
        index = np.frombuffer(b"".join([intervals[i].step_bytes for i in members]), dtype="<u2").reshape(-1, n)
        counts = np.frombuffer(b"".join([intervals[i].frame_bytes for i in members]), dtype="<u8")
        counts = counts.reshape(-1, len(_COUNTS), n).astype(np.int64)
        delays = np.frombuffer(b"".join([intervals[i].delay_bytes for i in members]), dtype="<u4")
        delays = delays.reshape(len(members), n, m)
        blobs = _pack(index, counts, delays)
        # the probes in ms once, for the delay figures and the summaries both (each computed
        # them: two float32 copies of every probe, a tenth of the packing)
        ms = delays_ms_of(delays)
        figures = delay_summaries(index, delays, per_interval, ms)
        sums = counts.sum(axis=2).tolist()
        flat = delays.reshape(len(members), -1)
        lossless = ~(flat == LOST_PROBE).any(axis=1) if flat.shape[1] else np.zeros(len(members), dtype=bool)
        flat_ms = ms.reshape(len(members), -1)
        # bins that lost no probe (usually all): their figures row by row at once
        whole = flat_ms if lossless.all() else flat_ms[lossless]
        lows, means, highs = (whole.min(axis=1).tolist(), whole.mean(axis=1).tolist(),
                              whole.max(axis=1).tolist()) if whole.size else ([], [], [])
        at = 0
        for row, (i, blob, (fd, fdr, ifdv)) in enumerate(zip(members, blobs, figures, strict=True)):
            interval = intervals[i]
            if lossless[row]:
                delay = {"probes": n * m, "probes_lost": 0, "delay_min_ms": lows[at], "delay_mean_ms": means[at],
                         "delay_max_ms": highs[at]}
                at += 1
            else:
                delay = _delay_values(delays[row])
            values[i] = {
                "network_domain": network_domain, "service_uuid": interval.fc_id,
                "ingress": f"{interval.element}:{interval.port}", "number": interval.number,
                "egress": interval.far_end, "start": int(interval.start), "interval_s": interval.interval_s,
                "step_s": interval.step_s, "steps": n, "complete": interval.complete,
                **dict(zip(_COUNTS, sums[row], strict=True)), **delay, "collected_at": collected_at,
                "step_data": blob, "fd_p99_ms": fd, "fdr_p99_ms": fdr, "ifdv_p99_ms": ifdv}
    return values


def delay_summaries(index: np.ndarray, delays_us: np.ndarray, per_interval: int, delays_ms: np.ndarray | None = None
                    ) -> list[tuple[float | None, float | None, float | None]]:
    """(FD p99, FD range p99, IFDV p99) in ms of bins of one shape (index [b, n], delays [b, n, m]),
    every probe qualified; None where not measured. Each bin's probes are placed in its interval's
    steps (NaN where a step is missing), in the order `icm/pm_history` gives `measure`. A bin
    with every step and every probe (the usual one) has its figures picked by partition, as
    `measure` would pick them from its sorted probes (`_whole_summaries`). `delays_ms`: the
    delays as `delays_ms_of` gives them, when the caller has them already."""
    b, n, m = delays_us.shape
    if m == 0 or n == 0:  # bins without a probe measured no delay
        return [(None, None, None)] * b
    whole = np.zeros(b, dtype=bool)
    if n == per_interval:
        whole = (index == np.arange(n)).all(axis=1) & (delays_us.reshape(b, -1).max(axis=1) != LOST_PROBE)
    found: list[tuple[float | None, float | None, float | None]] = [(None, None, None)] * b
    ms = delays_ms_of(delays_us) if delays_ms is None else delays_ms
    for rows, figures in ((np.flatnonzero(whole), lambda d, m, _i: _whole_summaries(m)),
                          (np.flatnonzero(~whole), lambda d, _m, i: _measured_summaries(d, i, per_interval))):
        if not rows.size:
            continue
        every = rows.size == b

        def of(values: np.ndarray, every: bool = every, rows: np.ndarray = rows) -> np.ndarray:
            return values if every else values[rows]

        for row, summary in zip(rows.tolist(), figures(of(delays_us), of(ms), of(index)), strict=True):
            found[row] = summary
    return found


def _rank(count: int, percentile: float) -> int:
    """The index `core/pm/metrics._rank_pick` takes of `count` sorted values, r = ⌈P·N/100⌉."""
    rank = int(np.ceil(np.round(percentile * np.int64(count) / 100.0, 6)))
    return min(max(rank - 1, 0), max(count - 1, 0))


def _whole_summaries(delays_ms: np.ndarray) -> list[tuple[float | None, float | None, float | None]]:
    """The figures of bins with every step and no probe lost (their delays as `delays_ms_of`
    gives them): the P-th value of the probes (and of the gaps Δτ apart) by `np.partition`,
    which places it where a sort would, in linear time; the gaps and the range in float64, as
    `measure` takes them."""
    b = delays_ms.shape[0]
    found: list[tuple[float | None, float | None, float | None]] = []
    for at in range(0, b, _SUMMARY_CHUNK):
        values = delays_ms[at:at + _SUMMARY_CHUNK].reshape(min(b - at, _SUMMARY_CHUNK), -1)
        count = values.shape[1]
        pick = _rank(count, DELAY_PERCENTILE)
        fd = np.partition(values, pick, axis=1)[:, pick].astype(np.float64)
        fdr = fd - values.min(axis=1).astype(np.float64)
        if count > IFDV_LAG:
            # each float32 taken to float64 before the subtraction, as `astype` then `-` did,
            # without a float64 copy of every probe
            gaps = np.subtract(values[:, IFDV_LAG:], values[:, :-IFDV_LAG], dtype=np.float64)
            np.abs(gaps, out=gaps)
            gap = _rank(gaps.shape[1], DELAY_PERCENTILE)
            ifdv = np.partition(gaps, gap, axis=1)[:, gap].tolist()
        else:
            ifdv = [None] * len(values)
        found += list(zip(fd.tolist(), fdr.tolist(), ifdv, strict=True))
    return found


def _measured_summaries(delays_us: np.ndarray, index: np.ndarray, per_interval: int
                        ) -> list[tuple[float | None, float | None, float | None]]:
    """The figures of any bins, by `measure` over their probes laid out in their interval's steps."""
    b, n, m = delays_us.shape
    found: list[tuple[float | None, float | None, float | None]] = []
    for at in range(0, b, _SUMMARY_CHUNK):
        chunk = slice(at, min(b, at + _SUMMARY_CHUNK))
        size = chunk.stop - chunk.start
        grid = np.full((size, per_interval, m), np.nan)
        grid[np.repeat(np.arange(size), n), index[chunk].reshape(-1)] = delays_ms_of(delays_us[chunk]).reshape(-1, m)
        nothing = np.zeros((size, per_interval), dtype=np.int64)  # nothing offered: no loss, all available
        metrics = measure(DeltaTBatch(0.0, 1.0, nothing, nothing, grid), _SUMMARY_PLAN, interval_len=per_interval)
        columns = (metrics.fd_ms[DELAY_PERCENTILE], metrics.fdr_ms[DELAY_PERCENTILE],
                   metrics.ifdv_ms[(DELAY_PERCENTILE, IFDV_LAG)])
        # Python floats from tolist(); NaN, the one value unequal to itself, is None
        found += [(None if fd != fd else fd, None if fdr != fdr else fdr, None if ifdv != ifdv else ifdv)
                  for fd, fdr, ifdv in zip(*(c[:, 0].tolist() for c in columns), strict=True)]
    return found


def to_values(network_domain: str, interval: PmInterval, collected_at: datetime) -> dict[str, Any]:
    return to_values_many(network_domain, [interval], collected_at)[0]


def _delay_values(raw: np.ndarray) -> dict[str, Any]:
    """The delay summary of one bin's probes (µs, LOST_PROBE lost): float32 ms as the metrics read them."""
    lost = raw == LOST_PROBE
    delays = delays_ms_of(raw)
    delivered = delays[~lost]
    return {"probes": int(delays.size), "probes_lost": int(lost.sum()),
            "delay_min_ms": float(delivered.min()) if delivered.size else None,
            "delay_mean_ms": float(delivered.mean()) if delivered.size else None,
            "delay_max_ms": float(delivered.max()) if delivered.size else None}


def to_row(network_domain: str, interval: PmInterval, collected_at: datetime) -> PmBinRow:
    return PmBinRow(**to_values(network_domain, interval, collected_at))


def steps_of(row: PmBinRow) -> BinSteps:
    [steps] = decode_many([row.step_data])
    return steps


def decode_many(blobs: Sequence[bytes]) -> list[BinSteps]:
    """The steps of many bins; bins of one layout are unpacked together."""
    found: list[BinSteps | None] = [None] * len(blobs)
    groups: dict[tuple[int, int, int, int], list[int]] = {}
    for i, blob in enumerate(blobs):
        if blob[0] != _VERSION:
            found[i] = _decode_v1(blob)
        else:
            groups.setdefault(_HEADER.unpack_from(blob)[1:], []).append(i)
    for (cw, dw, n, m), members in groups.items():
        index, counts, delays = _decode_group(blobs, members, cw, dw, n, m)
        for row, i in enumerate(members):
            found[i] = BinSteps(index[row], counts[row], delays[row].reshape(n, m))
    return [steps for steps in found if steps is not None]


def decode_columns(blobs: Sequence[bytes]) -> StepColumns:
    """The steps of many bins as columns (`StepColumns`). Bins of one layout, the usual case,
    are unpacked into the columns directly; else bin by bin and joined."""
    layouts = {blob[:_HEADER.size] for blob in blobs}
    if len(layouts) != 1 or blobs[0][0] != _VERSION:
        return StepColumns.of(decode_many(blobs))
    cw, dw, n, m = _HEADER.unpack_from(blobs[0])[1:]
    index, counts, delays = _decode_group(blobs, range(len(blobs)), cw, dw, n, m)
    delays = delays.reshape(len(blobs), n, m)
    return StepColumns(np.repeat(np.arange(len(blobs)), n), index.reshape(-1),
                       counts.transpose(1, 0, 2).reshape(len(_COUNTS), -1), delays.reshape(-1, m),
                       grouped=(index, counts, delays))


def _decode_group(blobs: Sequence[bytes], members: Sequence[int], cw: int, dw: int, n: int, m: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bins of one layout: index [b, n] uint16, counts [b, 6, n] int64, delays [b, n * m] uint32."""
    raw = np.frombuffer(b"".join([blobs[i] for i in members]), dtype=np.uint8).reshape(len(members), -1)
    at = _HEADER.size
    index, at = _take(raw, at, n, "<u2")
    if cw == 2:
        low, at = _take(raw, at, 6, "<u4")
        offsets, at = _take(raw, at, 6 * n, "<u2")
        counts = offsets.reshape(-1, 6, n) + low.astype(np.int64)[:, :, None]
    else:
        plain, at = _take(raw, at, 6 * n, f"<u{cw}")
        counts = plain.astype(np.int64).reshape(-1, 6, n)
    if dw == 2:
        base, at = _take(raw, at, 1, "<u4")
        offsets, at = _take(raw, at, n * m, "<u2")
        # in uint32: a delivered delay is base + offset, which was a uint32 when packed
        delays = offsets.astype(np.uint32) + base.astype(np.uint32)
        delays[offsets == 0xFFFF] = LOST_PROBE
    else:
        delays, at = _take(raw, at, n * m, "<u4")
    return index, counts, delays


def _take(raw: np.ndarray, at: int, count: int, dtype: str) -> tuple[np.ndarray, int]:
    size = np.dtype(dtype).itemsize * count
    return np.ascontiguousarray(raw[:, at:at + size]).view(dtype), at + size


def _decode_v1(blob: bytes) -> BinSteps:
    raw = zlib.decompress(blob)
    n, probes = (int(v) for v in np.frombuffer(raw[:8], dtype=np.int32))
    at = 8
    index = np.frombuffer(raw, dtype=np.uint16, count=n, offset=at)
    at += 2 * n
    counts = np.frombuffer(raw, dtype=np.int64, count=6 * n, offset=at).reshape(6, n)
    at += 8 * 6 * n
    delays = np.frombuffer(raw, dtype=np.float32, count=n * probes, offset=at).reshape(n, probes)
    # stored as float32 ms of whole µs: back to the µs they were
    us = np.where(np.isnan(delays), LOST_PROBE, np.rint(np.nan_to_num(delays).astype(np.float64) * 1000))
    return BinSteps(index.copy(), counts.copy(), us.astype(np.uint32))
