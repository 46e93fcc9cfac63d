"""A connectivity service's PM history as the ICM serves it over PRESTO (§10.4 step 4.1, §10.6
step 1.1): the stored bins of each direction in a span of simulated time, with the MEF 10.4
metrics of each interval computed from its steps (core/pm/metrics.py).

The availability counts need the SLS's Δt, C and n, which the ICM does not know: the caller
gives them (the SOF, from the SLS), or the profile's defaults apply. Δt must be a whole number
of the elements' steps; steps are added up into Δt's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from cadenza.core.errors import Unprocessable
from cadenza.core.pm.metrics import (
    DeltaTSeries,
    MetricPlan,
    availability_states,
    frame_loss_ratio,
    high_loss,
    measure,
)
from cadenza.icm.pm_bins import DELAY_PERCENTILE, IFDV_LAG, BinSteps, decode_many, delays_ms_of
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


@dataclass(frozen=True, slots=True)
class IntervalPm:
    row: BinRecord
    steps: BinSteps
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


@dataclass
class DirectionPm:
    ingress: str
    egress: str
    intervals: list[IntervalPm] = field(default_factory=list)


CHLI_P = 3
_PERCENTILE = DELAY_PERCENTILE


def read_history(session: Session, network_domain: str, uuid: str, *, start_s: float, end_s: float,
                 availability: Availability) -> list[DirectionPm]:
    rows = session.execute(select(*_COLUMNS).where(
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
    span = bins[-1].number - first.number + 1
    decoded = decode_many([b.step_data for b in bins])
    probes = decoded[0].delays_us.shape[1]
    at = np.concatenate([(row.number - first.number) * per_interval + steps.index.astype(np.int64)
                         for row, steps in zip(bins, decoded, strict=True)])
    tx = np.zeros(span * per_interval, dtype=np.int64)
    rx = np.zeros(span * per_interval, dtype=np.int64)
    measured = np.zeros(span * per_interval, dtype=bool)
    tx[at] = np.concatenate([steps.column("green") for steps in decoded])
    rx[at] = np.concatenate([steps.column("rx_green") for steps in decoded])
    measured[at] = True
    k = span * per_interval // per
    tx_dt, rx_dt = tx.reshape(k, per).sum(axis=1), rx.reshape(k, per).sum(axis=1)
    maintenance = ~measured.reshape(k, per).any(axis=1)
    states = availability_states(high_loss(tx_dt, rx_dt, threshold_c=availability.threshold_c),
                                 consecutive_n=availability.consecutive_n)
    plan = MetricPlan(threshold_c=availability.threshold_c, consecutive_n=availability.consecutive_n,
                      fd_percentiles=(_PERCENTILE,), fdr_percentiles=(_PERCENTILE,), ifdv=((_PERCENTILE, IFDV_LAG),),
                      chli_p=(CHLI_P,))
    # Where every interval stayed available all its probes are qualified, and the delay figures
    # are the bins' own, kept at collection; else (or for bins kept before) from the probes.
    stayed = (states.available | maintenance).reshape(span, -1).all(axis=1)
    summarised = all(stayed[b.number - first.number] and _known(b.fd_p99_ms, b.fdr_p99_ms, b.ifdv_p99_ms)
                     for b in bins)
    if summarised:
        delays = np.zeros((k, 0))
    else:
        delays = np.full((span * per_interval, probes), np.nan)
        delays[at] = delays_ms_of(np.concatenate([steps.delays_us for steps in decoded]))
        delays = delays.reshape(k, per * probes)
    series = DeltaTSeries(start=float(first.start), delta_t_s=float(availability.delta_t_s), tx_frames=tx_dt,
                          rx_frames=rx_dt, delays_ms=delays, maintenance=maintenance)
    metrics = measure(series, plan, interval_len=per_interval // per)
    if summarised:
        slots = [b.number - first.number for b in bins]
        fd, fdr, ifdv = (np.full(span, np.nan) for _ in range(3))
        fd[slots], fdr[slots], ifdv[slots] = zip(*((b.fd_p99_ms, b.fdr_p99_ms, b.ifdv_p99_ms) for b in bins),
                                                 strict=True)
    else:
        fd, fdr, ifdv = (metrics.fd_ms[_PERCENTILE], metrics.fdr_ms[_PERCENTILE],
                         metrics.ifdv_ms[(_PERCENTILE, IFDV_LAG)])
    flr = frame_loss_ratio(series.tx_frames, series.rx_frames).reshape(span, -1)
    counted = ~series.maintenance.reshape(span, -1)
    available = states.available.reshape(span, -1) & counted
    direction = DirectionPm(first.ingress, first.egress)
    # every figure as Python numbers at once: a numpy scalar per figure and interval cost more
    # than the figures
    columns = [np.asarray(values).tolist() for values in (
        metrics.availability_percent, metrics.flr_percent, metrics.hli_count, metrics.chli_count[CHLI_P],
        available.sum(axis=1), (counted & ~available).sum(axis=1), metrics.final, fd, fdr, ifdv)]
    for row, steps in zip(bins, decoded, strict=True):
        i = row.number - first.number
        figures = [column[i] for column in columns]
        direction.intervals.append(IntervalPm(row, steps, *figures, flr[i]))
    return direction


def _known(*figures: float | None) -> bool:
    """Kept, and measured (PostgreSQL keeps a NaN, SQLite reads it back as NULL)."""
    return all(f is not None and not math.isnan(f) for f in figures)
