"""A connectivity service's PM history as the ICM serves it over PRESTO (§10.4 step 4.1, §10.6
step 1.1): the stored bins of each direction in a span of simulated time, with the MEF 10.4
metrics of each interval computed from its steps (core/pm/metrics.py).

The availability counts need the SLS's Δt, C and n, which the ICM does not know: the caller
gives them (the SOF, from the SLS), or the profile's defaults apply. Δt must be a whole number
of the elements' steps; steps are added up into Δt's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from cadenza.core.errors import Unprocessable
from cadenza.core.pm.compose import per_delta_t
from cadenza.core.pm.metrics import (
    DeltaTSeries,
    MetricPlan,
    availability_states,
    frame_loss_ratio,
    high_loss,
    measure,
)
from cadenza.icm.pm_bins import DELAY_PERCENTILE, IFDV_LAG, BinSteps, StepColumns, decode_columns, delays_ms_of
from cadenza.icm.pm_rows import PmBinRow

__all__ = ["Availability", "BinRecord", "IntervalPm", "DirectionPm", "read_history", "CHLI_P"]


@dataclass(frozen=True, slots=True)
class Availability:
    delta_t_s: int = 10
    threshold_c: float = 0.5
    consecutive_n: int = 10


# The columns a history is rendered from, read as plain rows: building an ORM object per bin
# was a third of a 30-day report (5,760 bins), and nothing here changes a bin.
_COLUMNS = (PmBinRow.ingress, PmBinRow.egress, PmBinRow.number, PmBinRow.start, PmBinRow.interval_s,
            PmBinRow.step_s, PmBinRow.complete, PmBinRow.green, PmBinRow.yellow, PmBinRow.red, PmBinRow.rx_green,
            PmBinRow.rx_yellow, PmBinRow.probes, PmBinRow.probes_lost, PmBinRow.delay_min_ms, PmBinRow.delay_mean_ms,
            PmBinRow.delay_max_ms, PmBinRow.fd_p99_ms, PmBinRow.fdr_p99_ms, PmBinRow.ifdv_p99_ms, PmBinRow.step_data)
BinRecord = Row[Any]  # a stored bin: the `_COLUMNS` of `PmBinRow` by the same names
_NAMES = tuple(column.key for column in _COLUMNS)


@dataclass(frozen=True, slots=True)
class IntervalPm:
    row: BinRecord
    columns: StepColumns  # the direction's steps, of which this interval's bin is
    position: int  # among the direction's bins
    availability_percent: float
    flr_percent: float
    hli_count: int
    chli_count: int  # runs of at least CHLI_P high-loss Δt's
    available_delta_ts: int
    unavailable_delta_ts: int
    final: bool  # the availability of every Δt is settled (later Δt's cannot change it)
    fd_p99_ms: float
    fdr_p99_ms: float
    ifdv_p99_ms: float
    delta_t_flr: np.ndarray  # per Δt of the interval

    @property
    def steps(self) -> BinSteps:
        return self.columns.bin_steps(self.position)


@dataclass
class DirectionPm:
    ingress: str
    egress: str
    intervals: list[IntervalPm] = field(default_factory=list)
    steps: StepColumns | None = None  # the intervals' steps end to end (None: join the intervals' own)
    numbers: list[int] = field(default_factory=list)  # of the intervals, in their order


CHLI_P = 3
_PERCENTILE = DELAY_PERCENTILE


def read_history(session: Session, network_domain: str, uuid: str, *, start_s: float, end_s: float,
                 availability: Availability) -> list[DirectionPm]:
    # on the session's connection: plain rows, without the ORM's loading of each
    rows = session.connection().execute(select(*_COLUMNS).where(
        PmBinRow.network_domain == network_domain, PmBinRow.service_uuid == uuid, PmBinRow.start >= start_s,
        PmBinRow.start < end_s).order_by(PmBinRow.ingress, PmBinRow.number)).all()
    by_ingress: dict[str, list[BinRecord]] = {}
    for row in rows:
        by_ingress.setdefault(row.ingress, []).append(row)
    return [_direction(bins, availability) for bins in by_ingress.values()]


def _direction(bins: list[BinRecord], availability: Availability) -> DirectionPm:
    """One series over the direction's bins, so the sliding window of availability sees across
    interval borders; bins missing in between count as maintenance (nothing was measured)."""
    first = bins[0]
    if availability.delta_t_s % first.step_s or first.interval_s % availability.delta_t_s:
        raise Unprocessable(f"delta-t-seconds {availability.delta_t_s} must be a whole number of the elements' "
                            f"{first.step_s} s steps and divide their {first.interval_s} s interval",
                            property_path="/input/availability/delta-t-seconds")
    per = availability.delta_t_s // first.step_s
    per_interval = first.interval_s // first.step_s
    # each column once, by position: a Row's attributes by name cost more than the rest of a bin
    by_name = dict(zip(_NAMES, zip(*bins, strict=True), strict=True))
    slots = np.array(by_name["number"], dtype=np.int64) - first.number
    span = int(slots[-1]) + 1
    steps = decode_columns(by_name["step_data"])
    probes = steps.delays_us.shape[1]
    at = slots[steps.bin] * per_interval + steps.index.astype(np.int64)
    tx = np.zeros(span * per_interval, dtype=np.int64)
    rx = np.zeros(span * per_interval, dtype=np.int64)
    measured = np.zeros(span * per_interval, dtype=bool)
    tx[at] = steps.column("green")
    rx[at] = steps.column("rx_green")
    measured[at] = True
    k = span * per_interval // per
    tx_dt, rx_dt = per_delta_t(tx, per), per_delta_t(rx, per)
    maintenance = ~per_delta_t(measured, per)
    states = availability_states(high_loss(tx_dt, rx_dt, threshold_c=availability.threshold_c),
                                 consecutive_n=availability.consecutive_n)
    plan = MetricPlan(threshold_c=availability.threshold_c, consecutive_n=availability.consecutive_n,
                      fd_percentiles=(_PERCENTILE,), fdr_percentiles=(_PERCENTILE,), ifdv=((_PERCENTILE, IFDV_LAG),),
                      chli_p=(CHLI_P,))
    # Where every interval stayed available all its probes are qualified, and the delay figures
    # are the bins' own, kept at collection; else (or for bins kept before) from the probes.
    # (None, not kept, reads as NaN, as a NaN that PostgreSQL kept does.)
    stayed = (states.available | maintenance).reshape(span, -1).all(axis=1)
    kept = np.array([by_name["fd_p99_ms"], by_name["fdr_p99_ms"], by_name["ifdv_p99_ms"]], dtype=np.float64).T
    summarised = bool(stayed[slots].all()) and not np.isnan(kept).any()
    if summarised:
        delays = np.zeros((k, 0))
    else:
        delays = np.full((span * per_interval, probes), np.nan)
        delays[at] = delays_ms_of(steps.delays_us)
        delays = delays.reshape(k, per * probes)
    series = DeltaTSeries(start=float(first.start), delta_t_s=float(availability.delta_t_s), tx_frames=tx_dt,
                          rx_frames=rx_dt, delays_ms=delays, maintenance=maintenance)
    metrics = measure(series, plan, interval_len=per_interval // per)
    if summarised:
        fd, fdr, ifdv = (np.full(span, np.nan) for _ in range(3))
        fd[slots], fdr[slots], ifdv[slots] = kept.T
    else:
        fd, fdr, ifdv = (metrics.fd_ms[_PERCENTILE], metrics.fdr_ms[_PERCENTILE],
                         metrics.ifdv_ms[(_PERCENTILE, IFDV_LAG)])
    flr = frame_loss_ratio(series.tx_frames, series.rx_frames).reshape(span, -1)
    counted = ~series.maintenance.reshape(span, -1)
    available = states.available.reshape(span, -1) & counted
    direction = DirectionPm(first.ingress, first.egress, steps=steps, numbers=list(by_name["number"]))
    # every figure as Python numbers at once: a numpy scalar per figure and interval cost more
    # than the figures
    columns = [np.asarray(values).tolist() for values in (
        metrics.availability_percent, metrics.flr_percent, metrics.hli_count, metrics.chli_count[CHLI_P],
        available.sum(axis=1), (counted & ~available).sum(axis=1), metrics.final, fd, fdr, ifdv)]
    for position, (row, i) in enumerate(zip(bins, slots.tolist(), strict=True)):
        figures = [column[i] for column in columns]
        direction.intervals.append(IntervalPm(row, steps, position, *figures, flr[i]))
    return direction
