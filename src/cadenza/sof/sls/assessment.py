"""Compare the metrics of an interval T with the SLS objectives of a CoS (MEF 10.4 §8.8).

An objective is met when the value is at most the objective (delays, FLR, HLI, CHLI) or at
least it (availability). A NaN value is "unmeasured" (no qualified frames, or all of T in
maintenance): never a breach, as MEF's value 0 for an empty set would not be one either.

One T of one pair: `assess` gives a `MetricAssessment` per objective, with a sentence a person
can act on. Many services: `objective_columns` and `metric_columns` lay one CoS out as columns
(one per objective), and `breach_matrix` compares [s, I, M] values with [s, M] objectives in one
numpy expression; a NaN objective (a service without that objective) is never breached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cadenza.core.pm.metrics import IntervalMetrics, probe_lag
from cadenza.sof.sls.objectives import CosObjectives, Pairs

__all__ = ["MetricAssessment", "assess", "objective_columns", "metric_columns", "breach_matrix"]


@dataclass(frozen=True)
class MetricAssessment:
    cos_name: str
    metric: str  # the SLS attribute, e.g. oneWayFrameDelayPmMetric
    description: str
    value: float
    objective: float
    unit: str
    status: str  # met | breached | unmeasured
    final: bool
    sentence: str

    @property
    def breached(self) -> bool:
        return self.status == "breached"


@dataclass(frozen=True)
class _Column:
    metric: str
    description: str
    unit: str
    objective: float
    at_least: bool
    pairs: Pairs
    key: tuple[str, object]  # where IntervalMetrics keeps the value


def _columns(cos: CosObjectives, *, probe_spacing_s: float | None) -> list[_Column]:
    found = [_Column("oneWayFrameDelayPmMetric", f"frame delay ({_ordinal(o.percentile)} percentile)", "ms",
                     o.objective_ms, False, o.pairs, ("fd_ms", o.percentile)) for o in cos.frame_delay]
    found += [_Column("oneWayMeanFrameDelayPmMetric", "mean frame delay", "ms", o.objective_ms, False, o.pairs,
                      ("mean_fd_ms", None)) for o in cos.mean_frame_delay]
    found += [_Column("oneWayFrameDelayRangePmMetric", f"frame delay range ({_ordinal(o.percentile)} percentile)",
                      "ms", o.objective_ms, False, o.pairs, ("fdr_ms", o.percentile)) for o in cos.frame_delay_range]
    for o in cos.ifdv:
        if probe_spacing_s is None:
            raise ValueError(f"CoS {cos.cos_name} has an IFDV objective: probe_spacing_s is needed to find Δτ")
        lag = probe_lag(o.delta_tau_s, probe_spacing_s=probe_spacing_s)
        found.append(_Column("oneWayInterFrameDelayVariationPmMetric",
                             f"inter-frame delay variation ({_ordinal(o.percentile)} percentile, "
                             f"Δτ {_number(o.delta_tau_s)} s)", "ms", o.objective_ms, False, o.pairs,
                             ("ifdv_ms", (o.percentile, lag))))
    found += [_Column("oneWayFrameLossRatioPmMetric", "frame loss ratio", "%", o.objective_percent, False, o.pairs,
                      ("flr_percent", None)) for o in cos.frame_loss_ratio]
    found += [_Column("oneWayAvailabilityPmMetric", "availability", "%", o.objective_percent, True, o.pairs,
                      ("availability_percent", None)) for o in cos.availability]
    found += [_Column("oneWayHighLossIntervalsPmMetric", "high-loss Δt count", "", o.objective, False, o.pairs,
                      ("hli_count", None)) for o in cos.high_loss_intervals]
    found += [_Column("oneWayConsecutiveHighLossIntervalsPmMetric", f"consecutive high-loss Δt count (p = {o.p})",
                      "", o.objective, False, o.pairs, ("chli_count", o.p))
              for o in cos.consecutive_high_loss_intervals]
    return found


def _value(metrics: IntervalMetrics, key: tuple[str, object]) -> np.ndarray:
    name, parameter = key
    held = getattr(metrics, name)
    if parameter is None:
        return np.asarray(held, dtype=np.float64)
    if parameter not in held:
        raise KeyError(f"the metrics hold no {name} for {parameter}: measure with this CoS's plan()")
    return np.asarray(held[parameter], dtype=np.float64)


def assess(cos: CosObjectives, metrics: IntervalMetrics, *, interval_s: float, pair: tuple[str, str] | None = None,
           at: tuple[int, ...] = (), probe_spacing_s: float | None = None) -> list[MetricAssessment]:
    """Each objective of `cos` that applies to `pair` (all of them if None) against the metrics
    of one interval T: `at` indexes the metric arrays (e.g. (service, interval))."""
    span = _span(interval_s)
    final = bool(np.asarray(metrics.final)[at])
    where = f"CoS {cos.cos_name}" + (f", {pair[0]} → {pair[1]}" if pair else "")
    found = []
    for column in _columns(cos, probe_spacing_s=probe_spacing_s):
        if pair is not None and column.pairs and pair not in column.pairs:
            continue
        value = float(_value(metrics, column.key)[at])
        unit = f" {column.unit}" if column.unit else ""
        shown, goal = f"{_number(value)}{unit}", f"{_number(column.objective)}{unit}"
        if np.isnan(value):
            status = "unmeasured"
            sentence = (f"{where}: {column.description} over {span} was not measured: no qualified frames "
                        f"(unavailable, in maintenance or no probe delivered); the objective is {goal}")
        elif (value < column.objective) if column.at_least else (value > column.objective):
            status = "breached"
            verb = "is below the objective" if column.at_least else "exceeds the objective"
            sentence = f"{where}: {column.description} {shown} over {span} {verb} {goal}"
        else:
            status = "met"
            sentence = f"{where}: {column.description} {shown} over {span} meets the objective {goal}"
        if not final:
            sentence += " (provisional: availability of the last Δt's is not settled yet)"
        found.append(MetricAssessment(cos.cos_name, column.metric, column.description, value, column.objective,
                                      column.unit, status, final, sentence))
    return found


def objective_columns(cos: CosObjectives, *, probe_spacing_s: float | None = None
                      ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Column names, objective values [M] and which columns are lower bounds (availability) [M]."""
    columns = _columns(cos, probe_spacing_s=probe_spacing_s)
    return ([f"{c.metric}: {c.description}" for c in columns], np.array([c.objective for c in columns], dtype=float),
            np.array([c.at_least for c in columns], dtype=bool))


def metric_columns(cos: CosObjectives, metrics: IntervalMetrics, *, probe_spacing_s: float | None = None
                   ) -> np.ndarray:
    """The measured values in `objective_columns` order: [..., M] for metric arrays of shape [...]."""
    columns = _columns(cos, probe_spacing_s=probe_spacing_s)
    return np.stack([_value(metrics, c.key) for c in columns], axis=-1)


def breach_matrix(values: np.ndarray, objectives: np.ndarray, *, at_least: np.ndarray) -> np.ndarray:
    """Breached objectives: values [s, M] or [s, I, M] against objectives [s, M] (or [M]); True
    where an upper bound is exceeded or a lower bound (`at_least`, [M]) is undercut. NaN on
    either side is False: unmeasured, or no such objective for that service."""
    values = np.asarray(values, dtype=np.float64)
    objectives = np.asarray(objectives, dtype=np.float64)
    if objectives.ndim == 2 and values.ndim == 3:
        objectives = objectives[:, None, :]
    # One comparison for both kinds: a lower bound is an upper bound on the negated values.
    sign = np.where(np.asarray(at_least, dtype=bool), -1.0, 1.0)
    return values * sign > objectives * sign


def _ordinal(percentile: float | None) -> str:
    text = _number(percentile or 0)
    last = text[-1]
    suffix = "th" if text.endswith(("11", "12", "13")) or "." in text else {"1": "st", "2": "nd", "3": "rd"}.get(
        last, "th")
    return f"{text}{suffix}"


def _number(value: float) -> str:
    if np.isnan(value):
        return "NaN"
    if abs(value) >= 1:
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def _span(seconds: float) -> str:
    for size, word in ((86400, "day"), (3600, "h"), (60, "min")):
        if seconds >= size and seconds % size == 0:
            amount = int(seconds // size)
            return f"{amount} {word}{'s' if word == 'day' and amount != 1 else ''}"
    return f"{_number(seconds)} s"
