"""The MEF 10.4 §8.8 one-way performance metrics, computed from Δt counters and delay probes.

Definitions implemented (MEF 10.4 §8.8.2-8.8.9, unchanged in substance from MEF 10.3 §8.8 and
MEF 10.2.1 §6.9; MEF 26.2 §12.13 for OVCs), for one ordered end-point pair and one CoS:

- flr(Δt_k) = (tx − rx) / tx, and 0 when tx = 0 (no frames offered is no loss).
- H(Δt_k) = flr(Δt_k) > C  (high loss; the comparison is strict).
- Availability, sliding window of n: before Δt_0 the pair is available. A(Δt_k) changes only
  when all n Δt's Δt_k … Δt_{k+n−1} disagree with A(Δt_{k−1}) (all high loss when available,
  all not high loss when unavailable); the change takes effect from Δt_k, the first of the n.
  Where the window runs past the end of the series, A(Δt_k) is provisional: the Δt's after the
  series may still complete a change (`AvailabilityStates.final` tells which are settled).
- Maintenance Δt's take part in the sliding window (MEF defines A for every Δt) but are left
  out of every ratio and count: W_T is the set of non-maintenance Δt's of T.
- Availability_T = 100 · |{Δt_k ∈ W_T : A = 1}| / |W_T|  (percent).
- Qualified frames: those offered in Δt's of W_T with A = 1.
- FLR_T = 100 · (I − E) / I over qualified frames (percent).
- d_P (frame delay, FD): the smallest d such that at least P % of the qualified, delivered
  probes have delay ≤ d, i.e. the r-th smallest delay with r = ⌈P·N/100⌉. Not numpy's
  interpolating percentile: d_P is always one of the measured delays.
- Mean FD: arithmetic mean of the qualified delays. FD range: d_Pr − d_min.
- IFDV: d_Pv (same rule) of |d_i − d_j| over pairs of probes sent Δτ apart, both qualified and
  both delivered; Δτ is a whole number of probe spacings (`probe_lag`). A pair counts in T
  when both probes are in T.
- HLI_T: Δt's of W_T with A = 1 and H = 1.
- CHLI_T with p: Δt's of W_T with A = 1 and H = 1 that belong to a run of at least p such
  consecutive Δt's; each Δt of the run counts (MEF-SOAM-PM-MIB: "increments for every HLI that
  is determined to fall within a CHLI"). A maintenance Δt ends a run. Runs reaching over the
  border of T count in both intervals, each its own Δt's.

Interpretations: where MEF gives a T-level metric the value 0 for an empty set (no qualified
frames, |W_T| = 0) we return NaN, so a report says "not measured" instead of a perfect 0 ms;
the assessment treats NaN as unmeasured, never as a breach, which is the outcome MEF's 0 has.
r = ⌈P·N/100⌉ is computed after rounding P·N/100 to 6 decimals, so 99.9 % of 1000 is 999
and not 1000 from binary rounding.

Arrays: every function takes any leading (service) axes; the Δt axis is the last one for
counters ([..., k]) and the one before the probes for delays ([..., k, m]). `DeltaTSeries` is
one pair; `DeltaTBatch` is many pairs on the same Δt grid ([s, k], [s, k, m]). `measure` takes
either and, with `interval_len`, splits the k Δt's into intervals T of that many Δt's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "DeltaTSeries",
    "DeltaTBatch",
    "AvailabilityStates",
    "MetricPlan",
    "IntervalMetrics",
    "frame_loss_ratio",
    "high_loss",
    "availability_states",
    "consecutive_high_loss",
    "percentile_of",
    "probe_lag",
    "measure",
]


def _read_only(values: np.ndarray, dtype: type) -> np.ndarray:
    """`values` as an array of `dtype` of the series' own: a view where it is one already (the
    probes of 30 days are 20 MB a direction: no copy), else converted. The view is made read-only,
    the caller's array stays as it was; the caller does not change it while the series is used."""
    found = np.asarray(values, dtype=dtype)
    return found.view() if found is values else found


@dataclass(frozen=True, eq=False)
class DeltaTSeries:
    """One ordered end-point pair and one CoS over k consecutive Δt's (arrays are read-only, and
    not copied where they are of the right type already)."""

    start: float
    delta_t_s: float
    tx_frames: np.ndarray
    rx_frames: np.ndarray
    delays_ms: np.ndarray
    maintenance: np.ndarray | None = field(default=None)

    _service_axes = 0

    def __post_init__(self) -> None:
        tx = _read_only(self.tx_frames, np.int64)
        lead = tx.shape[:-1] if tx.ndim else ()
        if tx.ndim != self._service_axes + 1:
            raise ValueError(f"tx_frames has shape {tx.shape}: {self._service_axes + 1} axes expected")
        rx = _read_only(self.rx_frames, np.int64)
        delays = _read_only(self.delays_ms, np.float64)
        maintenance = (np.zeros(tx.shape, dtype=bool) if self.maintenance is None
                       else _read_only(self.maintenance, bool))
        if rx.shape != tx.shape or maintenance.shape != tx.shape:
            raise ValueError(f"rx_frames {rx.shape} and maintenance {maintenance.shape} must match tx {tx.shape}")
        if delays.ndim != tx.ndim + 1 or delays.shape[:-1] != tx.shape:
            raise ValueError(f"delays_ms has shape {delays.shape}: {(*lead, tx.shape[-1], 'm')} expected")
        if (tx < 0).any() or (rx < 0).any() or (rx > tx).any():
            raise ValueError("frame counts must satisfy 0 <= rx_frames <= tx_frames")
        if not self.delta_t_s > 0:
            raise ValueError(f"delta_t_s must be positive, not {self.delta_t_s}")
        for name, value in (("tx_frames", tx), ("rx_frames", rx), ("delays_ms", delays),
                            ("maintenance", maintenance)):
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @property
    def probes_per_delta_t(self) -> int:
        return int(self.delays_ms.shape[-1])

    @property
    def probe_spacing_s(self) -> float:
        return self.delta_t_s / self.probes_per_delta_t if self.probes_per_delta_t else math.inf


@dataclass(frozen=True, eq=False)
class DeltaTBatch(DeltaTSeries):
    """s pairs on one Δt grid (same start, Δt and probes per Δt): [s, k] counters, [s, k, m] delays."""

    _service_axes = 1

    @classmethod
    def of(cls, series: list[DeltaTSeries]) -> DeltaTBatch:
        first = series[0]
        if any((s.start, s.delta_t_s, s.delays_ms.shape) != (first.start, first.delta_t_s, first.delays_ms.shape)
               for s in series):
            raise ValueError("a batch needs series on one Δt grid: same start, delta_t_s and delays shape")
        return cls(first.start, first.delta_t_s, np.stack([s.tx_frames for s in series]),
                   np.stack([s.rx_frames for s in series]), np.stack([s.delays_ms for s in series]),
                   np.stack([s.maintenance for s in series]))


def frame_loss_ratio(tx_frames: np.ndarray, rx_frames: np.ndarray) -> np.ndarray:
    """flr(Δt_k) as a fraction; 0 where nothing was offered."""
    tx = np.asarray(tx_frames, dtype=np.float64)
    lost = tx - np.asarray(rx_frames, dtype=np.float64)
    return np.divide(lost, tx, out=np.zeros_like(tx), where=tx > 0)


def high_loss(tx_frames: np.ndarray, rx_frames: np.ndarray, *, threshold_c: float) -> np.ndarray:
    return frame_loss_ratio(tx_frames, rx_frames) > threshold_c


@dataclass(frozen=True, eq=False)
class AvailabilityStates:
    available: np.ndarray  # A(Δt_k), bool [..., k]
    final: np.ndarray  # False where Δt's after the series could still change A(Δt_k)


def availability_states(high: np.ndarray, *, consecutive_n: int) -> AvailabilityStates:
    """A(Δt_k) for every Δt of the series by the sliding window of n (see the module docstring)."""
    if consecutive_n < 1:
        raise ValueError(f"consecutive_n must be at least 1, not {consecutive_n}")
    high = np.asarray(high, dtype=bool)
    k, n = high.shape[-1], consecutive_n
    index = np.arange(k)
    # A window Δt_j … Δt_{j+n−1} all high loss forces A = 0 from Δt_j, all low loss forces A = 1;
    # any other window keeps the previous state. Both cannot hold at once, so A(Δt_k) is the
    # verdict of the last complete window starting at or before k (available if there is none).
    counts = np.zeros((*high.shape[:-1], k + 1), dtype=np.int64)
    np.cumsum(high, axis=-1, out=counts[..., 1:])
    windows = max(k - n + 1, 0)
    in_window = counts[..., n:n + windows] - counts[..., :windows]
    verdict = np.full(high.shape, -1, dtype=np.int8)
    verdict[..., :windows] = np.where(in_window == n, 0, np.where(in_window == 0, 1, -1))
    last = np.maximum.accumulate(np.where(verdict >= 0, index, -1), axis=-1)
    available = np.where(last >= 0, np.take_along_axis(verdict, np.maximum(last, 0), axis=-1), 1).astype(bool)
    # Past the last complete window the state can only change if every Δt up to the end disagrees
    # with it: those trailing Δt's (never more than n − 1) are the provisional ones.
    settled = available[..., windows - 1:windows] if windows else np.ones((*high.shape[:-1], 1), dtype=bool)
    disagree = high == settled
    trailing = np.flip(np.logical_and.accumulate(np.flip(disagree, axis=-1), axis=-1), axis=-1)
    final = ~(trailing & (index >= windows))
    return AvailabilityStates(available, final)


def consecutive_high_loss(counted: np.ndarray, *, p: int) -> np.ndarray:
    """Which of the `counted` Δt's (available, high loss, not maintenance) lie in a run of ≥ p."""
    counted = np.asarray(counted, dtype=bool)
    index = np.arange(counted.shape[-1])
    began = np.maximum.accumulate(np.where(counted, -1, index), axis=-1)  # last gap at or before k
    ends = np.flip(np.minimum.accumulate(np.flip(np.where(counted, counted.shape[-1], index), axis=-1),
                                         axis=-1), axis=-1)  # first gap at or after k
    return counted & (ends - began - 1 >= p)


def _rank_position(count: np.ndarray, percentile: float, size: int) -> np.ndarray:
    """Where the r-th smallest of each row is among its `size` values sorted, r = ⌈P·N/100⌉."""
    if not 0 < percentile <= 100:
        raise ValueError(f"a percentile is in (0, 100], not {percentile}")
    rank = np.ceil(np.round(percentile * count / 100.0, 6)).astype(np.int64)
    return np.clip(rank - 1, 0, max(size - 1, 0))


def _rank_pick(ordered: np.ndarray, count: np.ndarray, percentile: float) -> np.ndarray:
    """The r-th smallest of each row of `ordered` (NaNs sorted last), r = ⌈P·N/100⌉; NaN if N = 0."""
    pick = _rank_position(count, percentile, ordered.shape[-1])
    if ordered.shape[-1] == 0:
        return np.full(count.shape, np.nan)
    value = np.take_along_axis(ordered, pick[..., None], axis=-1)[..., 0]
    return np.where(count > 0, value, np.nan)


def _rank_picks(values: np.ndarray, count: np.ndarray, percentiles: tuple[float, ...], *, own: bool = False
                ) -> dict[float, np.ndarray]:
    """`_rank_pick` of each percentile over the rows of `values` (unsorted, NaN where nothing),
    `count` the values of each row. Rows whose every pick lies in their top quarter (the 99th and
    99.9th percentiles of 900 probes are among the last ten) are partitioned at the least such
    pick and only what lies at or above it is sorted: the same values (NaN last, as in a sort)
    without sorting the rest; other rows are sorted. `own`: `values` may be sorted where it is."""
    size = values.shape[-1]
    if not percentiles or size == 0 or count.size == 0:
        return {p: _rank_pick(values, count, p) for p in percentiles}
    picks = {p: _rank_position(count, p, size) for p in percentiles}
    least = np.minimum.reduce(list(picks.values()))
    measured = count > 0
    high = measured & (least >= size - size // 4)
    if not high.any():
        ordered = values if own else values.copy()
        ordered.sort(axis=-1)
        return {p: _rank_pick(ordered, count, p) for p in percentiles}
    found = {p: np.full(count.shape, np.nan) for p in percentiles}
    low = int(least[high].min())
    tops = values[high]  # a copy: partitioned where it is
    tops.partition(low, axis=-1)
    tops = tops[:, low:]
    tops.sort(axis=-1)
    others = measured & ~high
    rest = np.sort(values[others], axis=-1) if others.any() else None
    for p, pick in picks.items():
        found[p][high] = np.take_along_axis(tops, (pick[high] - low)[:, None], axis=-1)[:, 0]
        if rest is not None:
            found[p][others] = np.take_along_axis(rest, pick[others][:, None], axis=-1)[:, 0]
    return found


def percentile_of(values: np.ndarray, *, percentile: float) -> np.ndarray:
    """MEF's percentile over the last axis, NaN entries left out: the smallest d such that at
    least `percentile` % of the values are ≤ d."""
    values = np.asarray(values, dtype=np.float64)
    return _rank_pick(np.sort(values, axis=-1), np.sum(~np.isnan(values), axis=-1), percentile)


def probe_lag(delta_tau_s: float, *, probe_spacing_s: float) -> int:
    """Δτ as a whole number of probe spacings; IFDV can only pair probes that were sent."""
    lag = delta_tau_s / probe_spacing_s
    if lag < 1 or abs(lag - round(lag)) > 1e-9:
        raise ValueError(f"Δτ {delta_tau_s} s is not a whole number of probe spacings ({probe_spacing_s} s)")
    return round(lag)


@dataclass(frozen=True)
class MetricPlan:
    """Which metrics to compute: the SLS parameters of one CoS (see sof.sls.objectives)."""

    threshold_c: float
    consecutive_n: int
    fd_percentiles: tuple[float, ...] = ()
    fdr_percentiles: tuple[float, ...] = ()
    ifdv: tuple[tuple[float, int], ...] = ()  # (percentile, Δτ in probe spacings)
    chli_p: tuple[int, ...] = ()


@dataclass(frozen=True, eq=False)
class IntervalMetrics:
    """Metrics per interval T: arrays of the batch's leading shape, plus [I] with `interval_len`."""

    availability_percent: np.ndarray
    flr_percent: np.ndarray
    hli_count: np.ndarray
    mean_fd_ms: np.ndarray
    fd_ms: Mapping[float, np.ndarray]
    fdr_ms: Mapping[float, np.ndarray]
    ifdv_ms: Mapping[tuple[float, int], np.ndarray]
    chli_count: Mapping[int, np.ndarray]
    final: np.ndarray  # every Δt of T has a settled availability state
    qualified_probes: np.ndarray


def measure(series: DeltaTSeries, plan: MetricPlan, *, interval_len: int | None = None) -> IntervalMetrics:
    """Every metric of `plan` for each interval T of `interval_len` Δt's (the whole series if None).

    Availability is decided over the whole series before it is split, because the sliding
    window of a Δt near the end of one T looks into the next."""
    k = series.tx_frames.shape[-1]
    length = interval_len or k
    if length < 1 or k % length:
        raise ValueError(f"{k} Δt's do not split into intervals of {length}")
    lead = series.tx_frames.shape[:-1]
    shape = (*lead, k // length, length)

    def split(values: np.ndarray) -> np.ndarray:
        return values.reshape(shape)

    high = high_loss(series.tx_frames, series.rx_frames, threshold_c=plan.threshold_c)
    states = availability_states(high, consecutive_n=plan.consecutive_n)
    counted = ~series.maintenance  # W_T
    qualified = counted & states.available
    w_t = split(counted).sum(axis=-1)
    up = split(qualified).sum(axis=-1)
    offered = split(np.where(qualified, series.tx_frames, 0)).sum(axis=-1)
    delivered = split(np.where(qualified, series.rx_frames, 0)).sum(axis=-1)
    hli = qualified & high

    m = series.probes_per_delta_t
    every = bool(qualified.all())  # the usual case: no copy needed to leave probes out
    delays = (series.delays_ms if every else np.where(qualified[..., None], series.delays_ms, np.nan)
              ).reshape(*shape[:-1], length * m)
    n_probes = (~np.isnan(delays)).sum(axis=-1)
    picked = _rank_picks(delays, n_probes, tuple(sorted({*plan.fd_percentiles, *plan.fdr_percentiles})))
    with np.errstate(invalid="ignore"):
        mean_fd = np.where(n_probes > 0, np.nansum(delays, axis=-1) / np.maximum(n_probes, 1), np.nan)
    # the least delivered delay (fmin passes over a NaN: NaN only where every probe is one)
    d_min = (np.where(n_probes > 0, np.fmin.reduce(delays, axis=-1), np.nan) if length * m and plan.fdr_percentiles
             else np.full(n_probes.shape, np.nan))
    ifdv: dict[tuple[float, int], np.ndarray] = {}
    for percentile, lag in plan.ifdv:
        if lag < 1:
            raise ValueError(f"IFDV pairs probes at least one spacing apart, not {lag}")
        if lag < length * m:
            gaps = np.subtract(delays[..., lag:], delays[..., :-lag])
            np.abs(gaps, out=gaps)
            count = np.sum(~np.isnan(gaps), axis=-1)
            ifdv[(percentile, lag)] = _rank_picks(gaps, count, (percentile,), own=True)[percentile]
        else:
            ifdv[(percentile, lag)] = percentile_of(delays[..., :0], percentile=percentile)

    def tail(values: np.ndarray) -> np.ndarray:
        return values.reshape(shape[:-1]) if interval_len else values.reshape(lead)

    with np.errstate(invalid="ignore", divide="ignore"):
        availability = np.where(w_t > 0, 100.0 * up / np.maximum(w_t, 1), np.nan)
        flr = np.where(offered > 0, 100.0 * (offered - delivered) / np.maximum(offered, 1), np.nan)
    return IntervalMetrics(
        availability_percent=tail(availability),
        flr_percent=tail(flr),
        hli_count=tail(split(hli).sum(axis=-1)),
        mean_fd_ms=tail(mean_fd),
        fd_ms={p: tail(picked[p]) for p in plan.fd_percentiles},
        fdr_ms={p: tail(picked[p] - d_min) for p in plan.fdr_percentiles},
        ifdv_ms={key: tail(value) for key, value in ifdv.items()},
        chli_count={p: tail(split(consecutive_high_loss(hli, p=p)).sum(axis=-1)) for p in plan.chli_p},
        final=tail(split(states.final).all(axis=-1)),
        qualified_probes=tail(n_probes),
    )
