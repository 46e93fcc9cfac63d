"""The SLS objectives of a product, read from its MEF `CarrierEthernetSls` (MEF 10.4 §8.8).

`parse_sls` takes the product configuration's `carrierEthernetSls`: a list of at most one SLS
(an empty list is "no SLS", MEF 10.4's None) or the SLS object itself. Each `slsCosNameEntry`
becomes one `CosObjectives` with deltaT, thresholdC, consecutiveIntervalN and the objectives of
the eight metrics Cadenza assesses. Composite and group availability objectives are kept as
paths in `CosObjectives.unassessed`, not refused: the product may carry them, we do not assess
them. Every error is an `SlsError` (422, invalidValue or missingProperty) whose reason starts
with the JSON pointer of the offending value, because a person has to find and fix it.

Contradictions refused: two entries of one cosName; two objectives for the same metric, the
same parameters and the same pairs; consecutiveNumberP not below consecutiveIntervalN (a run of
n high-loss Δt's makes the pair unavailable, so a CHLI of p ≥ n could never be counted); a
timeDuration shorter than deltaT; `oneWayIfdvPencentile` (the schema's spelling) and
`oneWayIfdvPercentile` both given with different values.

`offering_defaults` states what an offering promises when the product has no SLS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cadenza.core.errors import Unprocessable
from cadenza.core.pm.metrics import MetricPlan, probe_lag

__all__ = [
    "SlsError",
    "TimeDuration",
    "DelayObjective",
    "IfdvObjective",
    "RatioObjective",
    "CountObjective",
    "CosObjectives",
    "SlsObjectives",
    "parse_sls",
    "offering_defaults",
]

_SECONDS = {"NS": 1e-9, "US": 1e-6, "MS": 1e-3, "SEC": 1.0, "MIN": 60.0, "HOUR": 3600.0, "DAY": 86400.0,
            "WEEK": 604800.0}
_CALENDAR = ("MONTH", "YEAR")  # no fixed length: a month of the calendar, as the schema says
_WORDS = {"NS": "ns", "US": "µs", "MS": "ms", "SEC": "s", "MIN": "min", "HOUR": "h", "DAY": "day",
          "WEEK": "week", "MONTH": "month", "YEAR": "year"}


class SlsError(Unprocessable):
    """An SLS Cadenza cannot assess; `property_path` is the JSON pointer of the value at fault."""

    def __init__(self, path: str, problem: str, *, code: str = "invalidValue") -> None:
        super().__init__(f"{path}: {problem}", code=code, property_path=path)


@dataclass(frozen=True)
class TimeDuration:
    value: int
    units: str

    @property
    def seconds(self) -> float:
        if self.units in _CALENDAR:
            raise ValueError(f"{self} is a calendar duration without a fixed number of seconds")
        return self.value * _SECONDS[self.units]

    def __str__(self) -> str:
        word = _WORDS[self.units]
        plural = "s" if self.value != 1 and self.units in ("DAY", "WEEK", "MONTH", "YEAR") else ""
        return f"{self.value} {word}{plural}"


Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DelayObjective:
    """Frame delay (percentile set), mean frame delay (percentile None) or frame delay range."""

    objective_ms: float
    percentile: float | None
    pairs: Pairs


@dataclass(frozen=True)
class IfdvObjective:
    objective_ms: float
    percentile: float
    delta_tau_s: float
    pairs: Pairs


@dataclass(frozen=True)
class RatioObjective:
    """Frame loss ratio (at most) or availability (at least), in percent."""

    objective_percent: float
    pairs: Pairs


@dataclass(frozen=True)
class CountObjective:
    """High loss intervals, or consecutive high loss intervals with p: at most `objective` Δt's."""

    objective: int
    pairs: Pairs
    p: int | None = None


@dataclass(frozen=True)
class CosObjectives:
    cos_name: str
    delta_t_s: int
    threshold_c: float
    consecutive_n: int
    frame_delay: tuple[DelayObjective, ...] = ()
    mean_frame_delay: tuple[DelayObjective, ...] = ()
    frame_delay_range: tuple[DelayObjective, ...] = ()
    ifdv: tuple[IfdvObjective, ...] = ()
    frame_loss_ratio: tuple[RatioObjective, ...] = ()
    availability: tuple[RatioObjective, ...] = ()
    high_loss_intervals: tuple[CountObjective, ...] = ()
    consecutive_high_loss_intervals: tuple[CountObjective, ...] = ()
    unassessed: tuple[str, ...] = ()

    def plan(self, *, probe_spacing_s: float) -> MetricPlan:
        """The metrics to compute for this CoS; Δτ is turned into probe spacings here."""
        return MetricPlan(
            threshold_c=self.threshold_c, consecutive_n=self.consecutive_n,
            fd_percentiles=tuple(sorted({o.percentile for o in self.frame_delay if o.percentile})),
            fdr_percentiles=tuple(sorted({o.percentile for o in self.frame_delay_range if o.percentile})),
            ifdv=tuple(sorted({(o.percentile, probe_lag(o.delta_tau_s, probe_spacing_s=probe_spacing_s))
                               for o in self.ifdv})),
            chli_p=tuple(sorted({o.p for o in self.consecutive_high_loss_intervals if o.p})))


@dataclass(frozen=True)
class SlsObjectives:
    by_cos: Mapping[str, CosObjectives]
    start_time: str | None = None
    time_duration: TimeDuration | None = None  # T; None: the report's own interval is T


def offering_defaults(*, cos_names: tuple[str, ...] = ("default",)) -> SlsObjectives:
    """What an offering promises when the product has no SLS, for every CoS: Δt 10 s, C 0.5
    (half the frames of a Δt lost is high loss), n 10 (100 s of high loss to become unavailable),
    frame delay 99.9th percentile ≤ 10 ms and mean ≤ 5 ms (a metro path with queueing), FLR ≤ 0.1 %,
    availability ≥ 99.95 %. No IFDV, HLI or CHLI objective: without an SLS nobody agreed on Δτ or p.
    All over ordered pairs not named (empty `pairs`: every pair of the service)."""
    entry = {"delta_t_s": 10, "threshold_c": 0.5, "consecutive_n": 10,
             "frame_delay": (DelayObjective(10.0, 99.9, ()),), "mean_frame_delay": (DelayObjective(5.0, None, ()),),
             "frame_loss_ratio": (RatioObjective(0.1, ()),), "availability": (RatioObjective(99.95, ()),)}
    return SlsObjectives({name: CosObjectives(cos_name=name, **entry) for name in cos_names})


def parse_sls(document: Any, *, path: str = "/carrierEthernetSls") -> SlsObjectives | None:
    """`document` as typed objectives, or None for an empty list (the product has no SLS)."""
    if isinstance(document, list):
        if len(document) > 1:
            raise SlsError(path, f"at most one SLS, not {len(document)}")
        if not document:
            return None
        document, path = document[0], f"{path}/0"
    sls = _object(document, path)
    entries = _list(sls, "slsCosNameEntry", path)
    if not entries:
        raise SlsError(f"{path}/slsCosNameEntry", "at least one CoS entry is required", code="missingProperty")
    by_cos: dict[str, CosObjectives] = {}
    for index, raw in enumerate(entries):
        where = f"{path}/slsCosNameEntry/{index}"
        entry = _cos_entry(_object(raw, where), where)
        if entry.cos_name in by_cos:
            raise SlsError(f"{where}/cosName", f"cosName {entry.cos_name!r} has another entry before this one")
        by_cos[entry.cos_name] = entry
    duration = _duration(sls, "timeDuration", path, required=False)
    if duration is not None and duration.units not in _CALENDAR:
        longest = max(by_cos.values(), key=lambda entry: entry.delta_t_s)
        if duration.seconds < longest.delta_t_s:
            raise SlsError(f"{path}/timeDuration", f"T = {duration} is shorter than deltaT = {longest.delta_t_s} s "
                           f"of CoS {longest.cos_name}")
    start = sls.get("startTime")
    if start is not None and not isinstance(start, str):
        raise SlsError(f"{path}/startTime", "an ISO 8601 date-time string")
    return SlsObjectives(by_cos, start_time=start, time_duration=duration)


def _cos_entry(raw: dict[str, Any], path: str) -> CosObjectives:
    name = raw.get("cosName")
    if not isinstance(name, str) or not name:
        raise SlsError(f"{path}/cosName", "a non-empty CoS name is required", code="missingProperty")
    delta_t = _number(raw, "deltaT", path, low=1, integer=True)
    threshold_c = _number(raw, "thresholdC", path, low=0, high=1)
    n = _number(raw, "consecutiveIntervalN", path, low=1, integer=True)
    metrics: dict[str, Any] = {}
    for key, field_name, read in _METRICS:
        seen: dict[Any, int] = {}
        found = []
        for index, item in enumerate(_list(raw, key, path)):
            where = f"{path}/{key}/{index}"
            objective = read(_object(item, where), where)
            identity = (*(v for k, v in vars(objective).items() if k not in ("objective", "objective_ms",
                                                                             "objective_percent", "pairs")),
                        frozenset(objective.pairs))
            if identity in seen:
                raise SlsError(where, f"the same parameters as {key}/{seen[identity]}: one of them must differ")
            seen[identity] = index
            found.append(objective)
        metrics[field_name] = tuple(found)
    for chli_index, chli in enumerate(metrics["consecutive_high_loss_intervals"]):
        if chli.p >= n:
            raise SlsError(f"{path}/oneWayConsecutiveHighLossIntervalsPmMetric/{chli_index}/consecutiveNumberP",
                           f"p = {chli.p} must be below consecutiveIntervalN = {n}: n high-loss Δt's in a row "
                           "make the pair unavailable, so a run of p could never be counted")
    unassessed = tuple(f"{path}/{key}" for key in ("oneWayCompositePmMetric", "oneWayGroupAvailabilityPmMetric")
                       if _list(raw, key, path))
    return CosObjectives(cos_name=name, delta_t_s=int(delta_t), threshold_c=float(threshold_c),
                         consecutive_n=int(n), unassessed=unassessed, **metrics)


def _frame_delay(raw: dict[str, Any], path: str) -> DelayObjective:
    return DelayObjective(_delay_ms(raw, "oneWayFdObjective", path),
                          _number(raw, "oneWayFdPercentile", path, low=0, high=100, low_open=True),
                          _pairs(raw, path))


def _mean_frame_delay(raw: dict[str, Any], path: str) -> DelayObjective:
    return DelayObjective(_delay_ms(raw, "oneWayMfdObjective", path), None, _pairs(raw, path))


def _frame_delay_range(raw: dict[str, Any], path: str) -> DelayObjective:
    return DelayObjective(_delay_ms(raw, "oneWayFdrObjective", path),
                          _number(raw, "oneWayFdrPercentile", path, low=0, high=100, low_open=True),
                          _pairs(raw, path))


def _ifdv(raw: dict[str, Any], path: str) -> IfdvObjective:
    # The schema spells it oneWayIfdvPencentile; a corrected spelling is read too, if it agrees.
    spellings = [key for key in ("oneWayIfdvPencentile", "oneWayIfdvPercentile") if key in raw]
    if len(spellings) == 2 and raw[spellings[0]] != raw[spellings[1]]:
        raise SlsError(f"{path}/oneWayIfdvPercentile", f"{raw[spellings[1]]} contradicts "
                       f"oneWayIfdvPencentile = {raw[spellings[0]]}")
    percentile = _number(raw, spellings[0] if spellings else "oneWayIfdvPencentile", path, low=0, high=100,
                         low_open=True)
    delta_tau = _duration(raw, "timeDuration", path)
    if delta_tau.units in _CALENDAR or delta_tau.value <= 0:
        raise SlsError(f"{path}/timeDuration", f"Δτ = {delta_tau} must be a positive fixed duration")
    return IfdvObjective(_delay_ms(raw, "oneWayIfdvObjective", path), percentile, delta_tau.seconds,
                         _pairs(raw, path))


def _flr(raw: dict[str, Any], path: str) -> RatioObjective:
    return RatioObjective(_number(raw, "oneWayFlrObjective", path, low=0, high=100), _pairs(raw, path))


def _availability(raw: dict[str, Any], path: str) -> RatioObjective:
    return RatioObjective(_number(raw, "oneWayAvailabilityObjective", path, low=0, high=100), _pairs(raw, path))


def _hli(raw: dict[str, Any], path: str) -> CountObjective:
    return CountObjective(int(_number(raw, "oneWayHighLossIntervalsObjective", path, low=0, integer=True)),
                          _pairs(raw, path))


def _chli(raw: dict[str, Any], path: str) -> CountObjective:
    return CountObjective(int(_number(raw, "oneWayChliObjective", path, low=0, integer=True)), _pairs(raw, path),
                          p=int(_number(raw, "consecutiveNumberP", path, low=1, integer=True)))


_METRICS = (
    ("oneWayFrameDelayPmMetric", "frame_delay", _frame_delay),
    ("oneWayMeanFrameDelayPmMetric", "mean_frame_delay", _mean_frame_delay),
    ("oneWayFrameDelayRangePmMetric", "frame_delay_range", _frame_delay_range),
    ("oneWayInterFrameDelayVariationPmMetric", "ifdv", _ifdv),
    ("oneWayFrameLossRatioPmMetric", "frame_loss_ratio", _flr),
    ("oneWayAvailabilityPmMetric", "availability", _availability),
    ("oneWayHighLossIntervalsPmMetric", "high_loss_intervals", _hli),
    ("oneWayConsecutiveHighLossIntervalsPmMetric", "consecutive_high_loss_intervals", _chli),
)


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SlsError(path, f"an object is expected, not {type(value).__name__}")
    return value


def _list(raw: dict[str, Any], key: str, path: str) -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise SlsError(f"{path}/{key}", f"a list is expected, not {type(value).__name__}")
    return value


def _number(raw: dict[str, Any], key: str, path: str, *, low: float, high: float | None = None,
            low_open: bool = False, integer: bool = False) -> float:
    where = f"{path}/{key}"
    if key not in raw:
        raise SlsError(where, "required", code="missingProperty")
    value = raw[key]
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind):
        raise SlsError(where, f"{'an integer' if integer else 'a number'} is expected, not {value!r}")
    if value < low or (low_open and value == low) or (high is not None and value > high):
        bounds = f"{'(' if low_open else '['}{low}, {high if high is not None else '∞'}{']' if high else ')'}"
        raise SlsError(where, f"{value} is outside {bounds}")
    return value


def _duration(raw: dict[str, Any], key: str, path: str, *, required: bool = True) -> TimeDuration | None:
    where = f"{path}/{key}"
    if key not in raw and not required:
        return None
    value = _object(raw.get(key), where) if key in raw else None
    if value is None:
        raise SlsError(where, "required", code="missingProperty")
    amount = int(_number(value, "timeDurationValue", where, low=0, integer=True))
    units = value.get("timeDurationUnits")
    if units not in _WORDS:
        raise SlsError(f"{where}/timeDurationUnits", f"unknown unit {units!r}: one of {', '.join(_WORDS)}")
    return TimeDuration(amount, units)


def _delay_ms(raw: dict[str, Any], key: str, path: str) -> float:
    duration = _duration(raw, key, path)
    if duration.units in _CALENDAR:
        raise SlsError(f"{path}/{key}/timeDurationUnits", f"{duration} is not a delay: use NS, US, MS or SEC")
    if duration.value <= 0:
        raise SlsError(f"{path}/{key}/timeDurationValue", "a delay objective must be greater than 0")
    return duration.seconds * 1000.0


def _pairs(raw: dict[str, Any], path: str) -> Pairs:
    pairs = _list(raw, "orderedPairList", path)
    if not pairs:
        raise SlsError(f"{path}/orderedPairList", "at least one ordered end-point pair is required",
                       code="invalidValue" if "orderedPairList" in raw else "missingProperty")
    found = []
    for index, pair in enumerate(pairs):
        where = f"{path}/orderedPairList/{index}"
        pair = _object(pair, where)
        ends = (pair.get("fromCarrierEthernetServiceEndPoint"), pair.get("toCarrierEthernetServiceEndPoint"))
        if not all(isinstance(end, str) and end for end in ends):
            raise SlsError(where, "from- and toCarrierEthernetServiceEndPoint are required", code="missingProperty")
        if ends[0] == ends[1]:
            raise SlsError(where, f"an ordered pair of two different end points, not {ends[0]!r} twice")
        found.append(ends)
    return tuple(found)
