"""A service's metrics from the steps of its segments in one direction (MEF 55.0.1 §10.4 steps
3-5): frames offered at the first segment's ingress, delivered with the product of each
segment's delivery ratio, each delay probe the sum of the segments' probes of the same index
(lost if lost in any); the MEF 10.4 metrics of each interval then computed on the composed steps
with the SLS's own Δt, C and n (metrics.py).

One computation for the SOF, which composes the segments it was given step by step
(sof/performance/service_pm.py), and for an ICM asked to measure its one segment with a SLS's
parameters (icm/pm_measure.py): the figures are the same whichever of them computes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cadenza.core.pm.metrics import DeltaTSeries, IntervalMetrics, MetricPlan, measure

__all__ = ["StepSeries", "Composed", "compose_steps", "select_intervals", "per_delta_t"]


@dataclass(frozen=True)
class StepSeries:
    """A segment's steps in one direction: per step its interval number and position in it,
    green frames sent and received, all frames sent (float64), and the probe delays in ms
    (float64, NaN: lost) [steps, probes]."""

    interval: np.ndarray
    index: np.ndarray
    green_tx: np.ndarray
    all_tx: np.ndarray
    green_rx: np.ndarray
    delays_ms: np.ndarray

    @property
    def probes_per_step(self) -> int:
        return int(self.delays_ms.shape[1])


@dataclass(frozen=True)
class Composed:
    """The metrics of the intervals `numbers` (those every segment has), and per interval the
    first segment's steps present and its busiest step's frames (all colours)."""

    metrics: IntervalMetrics
    steps_present: np.ndarray
    busiest_all_tx: np.ndarray


def compose_steps(numbers: Sequence[int], segments: Sequence[StepSeries], *, interval_s: int, step_s: int,
                  delta_t_s: int, plan: MetricPlan) -> Composed:
    """`numbers`: the intervals every segment has, in order (not empty); `step_s` divides
    `interval_s`."""
    per_interval = interval_s // step_s
    probes = segments[0].probes_per_step or 1
    span = numbers[-1] - numbers[0] + 1
    tx = np.zeros(span * per_interval)
    kept = np.ones(span * per_interval)
    only = segments[0]
    # a segment alone with every step of every interval, in order: its probes are the service's
    # as they are (no copy of 2.6 million probes a direction for 30 days)
    alone = (len(segments) == 1 and len(numbers) == span and only.probes_per_step == probes
             and _every_step(only, numbers[0], span * per_interval, per_interval))
    delays = only.delays_ms if alone else np.zeros((span * per_interval, probes))
    measured = np.zeros(span * per_interval, dtype=bool)
    wanted = np.asarray(numbers, dtype=np.int64)
    present = np.zeros(span, dtype=bool)  # of the span's intervals, those every segment has
    present[wanted - numbers[0]] = True
    for position, steps in enumerate(segments):
        # intervals every segment has, looked up by slot: np.isin sorts the 259,200 steps of 30 days
        slot = steps.interval - numbers[0]
        inside = (slot >= 0) & (slot < span)
        mine = inside & present[np.where(inside, slot, 0)]
        every = bool(mine.all())  # the usual case: no copy of 2.6 million probes to select them

        def selected(values: np.ndarray, mine: np.ndarray = mine, every: bool = every) -> np.ndarray:
            return values if every else values[mine]

        at = (selected(steps.interval) - numbers[0]) * per_interval + selected(steps.index)
        sent, got = selected(steps.green_tx), selected(steps.green_rx)
        with np.errstate(invalid="ignore", divide="ignore"):
            kept[at] *= np.where(sent > 0, got / np.maximum(sent, 1), 1.0)
        if position == 0:
            tx[at], measured[at] = sent, True
        if alone:
            continue  # the probes are the segment's own already
        if steps.probes_per_step == probes and position == 0:
            delays[at] = selected(steps.delays_ms)  # 0 + d is d: the first segment's probes as they are
        elif steps.probes_per_step:
            delays[at, :steps.probes_per_step] += selected(steps.delays_ms)
    per = max(1, delta_t_s // step_s)
    k = span * per_interval // per
    rx = np.floor(tx * kept)
    series = DeltaTSeries(start=float(numbers[0] * interval_s), delta_t_s=float(per * step_s),
                          tx_frames=per_delta_t(tx, per).astype(np.int64),
                          rx_frames=per_delta_t(rx, per).astype(np.int64),
                          delays_ms=delays.reshape(k, per * probes),
                          maintenance=~per_delta_t(measured, per))
    metrics = select_intervals(measure(series, plan, interval_len=per_interval // per), present)
    slot = only.interval - numbers[0]
    inside = (slot >= 0) & (slot < span)
    steps_present = np.bincount(slot[inside], minlength=span)[wanted - numbers[0]]
    if alone:  # every step in order: each interval's are a row (frames are never negative: max(0, x) is x)
        busiest = only.all_tx.reshape(span, per_interval).max(axis=1)
    else:
        busiest = np.zeros(span)
        np.maximum.at(busiest, slot[inside], only.all_tx[inside])
    return Composed(metrics, steps_present, busiest[wanted - numbers[0]])


def per_delta_t(values: np.ndarray, per: int) -> np.ndarray:
    """Steps added up into Δt's of `per` steps (for bools: any of them). A Δt of one step is the
    step itself: a sum along an axis of one costs more than the rest of a composition."""
    if per == 1:
        return values
    grouped = values.reshape(-1, per)
    return grouped.any(axis=1) if values.dtype == bool else grouped.sum(axis=1)


def _every_step(steps: StepSeries, first: int, count: int, per_interval: int) -> bool:
    """The steps are every one of `count` from interval `first` on, in order."""
    if len(steps.index) != count:
        return False
    at = (steps.interval - first) * per_interval + steps.index
    return bool(at[0] == 0 and (np.diff(at) == 1).all())


def select_intervals(metrics: IntervalMetrics, keep: np.ndarray) -> IntervalMetrics:
    """The metrics of the intervals kept (gaps between them were only there to keep time)."""
    def pick(values: np.ndarray) -> np.ndarray:
        return np.asarray(values)[keep]

    return IntervalMetrics(
        availability_percent=pick(metrics.availability_percent), flr_percent=pick(metrics.flr_percent),
        hli_count=pick(metrics.hli_count), mean_fd_ms=pick(metrics.mean_fd_ms),
        fd_ms={p: pick(v) for p, v in metrics.fd_ms.items()}, fdr_ms={p: pick(v) for p, v in metrics.fdr_ms.items()},
        ifdv_ms={p: pick(v) for p, v in metrics.ifdv_ms.items()},
        chli_count={p: pick(v) for p, v in metrics.chli_count.items()}, final=pick(metrics.final),
        qualified_probes=pick(metrics.qualified_probes))
