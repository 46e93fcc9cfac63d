"""A direction's MEF 10.4 metrics with a SLS's parameters, measured by the ICM for a SOF whose
service is this one segment (PRESTO `cadenza-measure`, docs/presto-profile.md).

The SOF composes a service's segments step by step (core/pm/compose.py); a service of one
segment is that segment's own steps, so the ICM that holds them computes the same figures with
the same code instead of packing 2.6 million probes a direction of 30 days into base64 for the
SOF to unpack again. The figures are computed from the bins read for this very request, as the
SOF would compute them from the steps (nothing kept from an earlier answer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from cadenza.core.pm.compose import StepSeries, compose_steps
from cadenza.core.pm.metrics import MetricPlan, probe_lag
from cadenza.icm.pm_history import DirectionPm
from cadenza.interfaces.adagio.contract import LOST_PROBE
from cadenza.interfaces.presto.models import MeasureParameters

__all__ = ["SlsParameters", "direction_metrics", "step_series"]


@dataclass(frozen=True)
class SlsParameters:
    delta_t_s: int
    threshold_c: float
    consecutive_n: int
    fd_percentiles: tuple[float, ...] = ()
    fdr_percentiles: tuple[float, ...] = ()
    ifdv: tuple[tuple[float, float], ...] = ()  # (percentile, Δτ in seconds)
    chli_p: tuple[int, ...] = ()

    @classmethod
    def of(cls, asked: MeasureParameters) -> SlsParameters:
        return cls(asked.delta_t_seconds, asked.threshold_c, asked.consecutive_n, tuple(asked.fd_percentiles),
                   tuple(asked.fdr_percentiles), tuple((i.percentile, i.delta_tau_seconds) for i in asked.ifdv),
                   tuple(asked.chli_p))

    def plan(self, *, probe_spacing_s: float) -> MetricPlan:
        """As `sof.sls.objectives.CosObjectives.plan` makes it of the same parameters; a ValueError
        where it would raise one (a Δτ that is no whole number of probe spacings)."""
        ifdv = tuple(sorted({(p, probe_lag(tau, probe_spacing_s=probe_spacing_s)) for p, tau in self.ifdv}))
        return MetricPlan(threshold_c=self.threshold_c, consecutive_n=self.consecutive_n,
                          fd_percentiles=tuple(sorted(set(self.fd_percentiles))),
                          fdr_percentiles=tuple(sorted(set(self.fdr_percentiles))), ifdv=ifdv,
                          chli_p=tuple(sorted(set(self.chli_p))))


def step_series(direction: DirectionPm) -> StepSeries:
    """The direction's steps as the SOF reads them from PRESTO `cadenza-steps`: the same values
    in the same types (frames float64, delays float64 ms of the whole µs, NaN lost)."""
    steps = direction.steps
    assert steps is not None  # read_history keeps them
    numbers = np.array(_numbers(direction), dtype=np.int64)
    green = steps.column("green")
    delays = steps.delays_us.astype(np.float64)
    delays /= 1000
    delays[steps.delays_us == LOST_PROBE] = np.nan
    return StepSeries(numbers[steps.bin], steps.index.astype(np.int64), green.astype(np.float64),
                      (green + steps.column("yellow")).astype(np.float64),
                      steps.column("rx_green").astype(np.float64), delays)


def _numbers(direction: DirectionPm) -> list[int]:
    # kept by read_history: a Row's attribute by name, 2,880 times, cost more than its use
    return direction.numbers or [pm.row.number for pm in direction.intervals]


def _listed(values: np.ndarray) -> list[Any]:
    """JSON numbers, null where not measured (NaN)."""
    found = np.asarray(values).tolist()
    if np.asarray(values).dtype.kind != "f":
        return found
    return [None if math.isnan(v) else v for v in found]


def direction_metrics(direction: DirectionPm, asked: SlsParameters) -> dict[str, Any] | None:
    """`cadenza-metrics` of one direction: each figure per interval, in the order of its intervals;
    None where the parameters cannot be measured on these steps (the SOF is then sent the steps
    and finds, composing them itself, what it would have found before)."""
    first = direction.intervals[0].row
    probes = int(direction.steps.delays_us.shape[1]) if direction.steps is not None else 0
    try:
        plan = asked.plan(probe_spacing_s=first.step_s / (probes or 1))
    except ValueError:
        return None
    series = step_series(direction)
    numbers = _numbers(direction)
    composed = compose_steps(numbers, [series], interval_s=first.interval_s, step_s=first.step_s,
                             delta_t_s=asked.delta_t_s, plan=plan)
    m = composed.metrics
    return {
        "delta-t-seconds": asked.delta_t_s, "threshold-c": asked.threshold_c, "consecutive-n": asked.consecutive_n,
        "probes-per-step": series.probes_per_step,
        "availability-percent": _listed(m.availability_percent), "flr-percent": _listed(m.flr_percent),
        "hli-count": _listed(m.hli_count), "mean-fd-ms": _listed(m.mean_fd_ms),
        "fd-ms": [{"percentile": p, "value": _listed(v)} for p, v in m.fd_ms.items()],
        "fdr-ms": [{"percentile": p, "value": _listed(v)} for p, v in m.fdr_ms.items()],
        "ifdv-ms": [{"percentile": p, "delta-tau-probes": lag, "value": _listed(v)}
                    for (p, lag), v in m.ifdv_ms.items()],
        "chli-count": [{"p": p, "value": _listed(v)} for p, v in m.chli_count.items()],
        "final": _listed(m.final), "qualified-probes": _listed(m.qualified_probes),
        "steps-present": _listed(composed.steps_present),
        "busiest-step-all-frames": [int(v) for v in composed.busiest_all_tx.tolist()],
    }
