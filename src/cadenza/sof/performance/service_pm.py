"""A service's performance end to end, assembled from its segments (MEF 55.0.1 §10.4 steps 3-5,
§10.6 steps 1-3).

SOF determines what it needs (the service's segments in each SP network domain; the partner's
segment comes over INTERLUDE), asks each ICM for its segment's PM history over PRESTO (the ICM
answers from its store and fetches only what it lacks from the elements), and composes the
segments step by step in each direction: frames offered at the service's ingress, delivered
with the product of each segment's delivery ratio, each delay probe the sum of the segments'
probes of the same index (lost if lost in any). The MEF 10.4 metrics of each interval are then
computed on the composed steps with the SLS's own Δt, C and n (core/pm/compose.py), so
availability is the service's, not any one segment's.

A service of one segment is that segment's steps as they are: the SOF asks its ICM to measure
them with the SLS's parameters (PRESTO `cadenza-measure`), by the same code, instead of having
every step and probe sent to compose them here; several segments are composed here.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from cadenza.core.clock import iso_at
from cadenza.core.pm.compose import StepSeries, compose_steps
from cadenza.core.pm.metrics import IntervalMetrics
from cadenza.sof.rows import ServiceRow
from cadenza.sof.sls.objectives import CosObjectives, SlsObjectives, offering_defaults, parse_sls

__all__ = ["probe_spacing_s", "A_TO_Z", "Z_TO_A", "SegmentSteps", "SegmentHistory", "DirectionPm", "ServicePm",
           "HistorySource", "service_pm", "service_objectives", "rate_at", "measure_request"]

A_TO_Z, Z_TO_A = "a-to-z", "z-to-a"
_LOST = {4: 0xFFFF_FFFF, 2: 0xFFFF}  # a lost probe in `probe-delay-us`, by `probe-delay-bytes`


class HistorySource(Protocol):
    """(network domain, connectivity service uuid, from, to) -> the PRESTO pm-history output, with
    the request's other inputs as `PrestoClient.get_pm_history` takes them: `include_steps`,
    `measure` (`cadenza-measure`) and `fields` (`cadenza-interval-fields`)."""

    def __call__(self, network_domain: str, uuid: str, start: str, end: str, *, include_steps: bool,
                 measure: Mapping[str, Any] | None, fields: Sequence[str]) -> Mapping[str, Any]: ...


# what of each interval a service's performance is made of (utilisation, report content, where a
# breach is): the other figures of the view are not asked for
INTERVAL_FIELDS = ("interval-number", "suspect-interval-flag", "all-frames-fw-tx", "fd-1-fw-mean", "flr-1-fw-mean",
                   "availability-percent")


@dataclass(frozen=True)
class SegmentSteps(StepSeries):
    """A segment's steps in one direction, as PRESTO `cadenza-steps` carries them, unpacked."""

    @classmethod
    def of(cls, packed: Mapping[str, Any]) -> SegmentSteps:
        def unpack(name: str, dtype: str) -> np.ndarray:
            return np.frombuffer(base64.b64decode(packed[name]), dtype=dtype)

        per, probes = int(packed["steps-per-interval"]), int(packed["probes-per-step"])
        # widths as the ICM chose them (docs/presto-profile.md); absent: the wide ones
        count, width = f"<u{int(packed.get('count-bytes', 8))}", int(packed.get("probe-delay-bytes", 4))
        step = unpack("step", "<u4").astype(np.int64)
        raw = unpack("probe-delay-us", f"<u{width}").reshape(len(step), probes)
        # µs to ms in one float64 array, in place: whole µs (and their sum with the base) are
        # exact in a double, so this is the µs / 1000 of each probe
        delays = raw.astype(np.float64)
        if width == 2:  # offsets from the least delivered delay
            delays += float(packed["probe-delay-base-us"])
        delays /= 1000
        delays[raw == _LOST[width]] = np.nan
        return cls(int(packed["first-interval"]) + step // per, step % per,
                   unpack("green-tx", count).astype(np.float64), unpack("all-tx", count).astype(np.float64),
                   unpack("green-rx", count).astype(np.float64), delays)


@dataclass(frozen=True)
class SegmentHistory:
    """One segment's intervals in one direction, as its ICM reported them."""

    name: str  # the network domain, or the partner
    uuid: str
    intervals: Mapping[int, Mapping[str, Any]]  # interval number -> the PRESTO interval view
    steps: SegmentSteps | None = None  # what end-to-end composition needs, step by step
    measured: Mapping[str, Any] | None = None  # `cadenza-metrics`: the ICM measured it with the SLS's parameters

    @property
    def probes_per_step(self) -> int | None:
        if self.steps is not None:
            return self.steps.probes_per_step
        return int(self.measured["probes-per-step"]) if self.measured is not None else None


@dataclass
class DirectionPm:
    direction: str
    numbers: list[int] = field(default_factory=list)  # intervals present in every segment
    metrics: IntervalMetrics | None = None  # arrays over `numbers`
    segments: list[SegmentHistory] = field(default_factory=list)
    utilisation_percent: list[float] = field(default_factory=list)  # of the CIR, per interval
    peak_utilisation_percent: list[float] = field(default_factory=list)  # the busiest step of each interval


@dataclass
class ServicePm:
    service_id: str
    interval_s: int
    step_s: int
    cos: CosObjectives
    network_time: str | None
    directions: list[DirectionPm]
    missing: list[str]  # segments whose PM could not be read, and why


def service_objectives(row: ServiceRow) -> SlsObjectives:
    """The SLS the customer ordered (the configuration's `carrierEthernetSls`), else the offering's."""
    found = _find(row.configuration, "carrierEthernetSls")
    parsed = parse_sls(found) if found is not None else None
    return parsed or offering_defaults()


def _find(document: Any, key: str) -> Any:  # noqa: ANN401 - a JSON document
    if isinstance(document, dict):
        if key in document:
            return document[key]
        for value in document.values():
            if (found := _find(value, key)) is not None:
                return found
    elif isinstance(document, list):
        for value in document:
            if (found := _find(value, key)) is not None:
                return found
    return None


def measure_request(cos: CosObjectives) -> dict[str, Any]:
    """PRESTO `cadenza-measure` of a CoS's SLS: the parameters `CosObjectives.plan` is made of."""
    return {"delta-t-seconds": cos.delta_t_s, "threshold-c": cos.threshold_c, "consecutive-n": cos.consecutive_n,
            "fd-percentiles": sorted({o.percentile for o in cos.frame_delay if o.percentile}),
            "fdr-percentiles": sorted({o.percentile for o in cos.frame_delay_range if o.percentile}),
            "ifdv": [{"percentile": p, "delta-tau-seconds": tau}
                     for p, tau in sorted({(o.percentile, o.delta_tau_s) for o in cos.ifdv})],
            "chli-p": sorted({o.p for o in cos.consecutive_high_loss_intervals if o.p})}


def service_pm(row: ServiceRow, history: HistorySource, *, start_s: float, end_s: float,
               cos: CosObjectives | None = None) -> ServicePm:
    cos = cos or next(iter(service_objectives(row).by_cos.values()))
    start, end = iso_at(start_s), iso_at(end_s)
    by_direction: dict[str, list[SegmentHistory]] = {A_TO_Z: [], Z_TO_A: []}
    missing: list[str] = []
    interval_s = step_s = 0
    network_time = None
    segments = row.design.get("segments", [])
    # one segment is the service: its ICM measures it (the partner's, if any, is composed with
    # the metrics afterwards, partner_compose.py); several are composed here from their steps
    measure = measure_request(cos) if len(segments) == 1 else None
    for segment in segments:
        try:
            answer = history(segment["networkDomain"], segment["uuid"], start, end, include_steps=measure is None,
                             measure=measure, fields=INTERVAL_FIELDS)
        except Exception as exc:  # noqa: BLE001 - any failure of one domain leaves the others' figures
            missing.append(f"{segment['networkDomain']}: {exc}")
            continue
        interval_s, step_s = answer.get("interval-seconds") or interval_s, answer.get("step-seconds") or step_s
        network_time = answer.get("network-time", network_time)
        for direction in answer.get("direction", []):
            forward = direction.get("ingress-service-interface-point") == segment["a"]["edgePoint"]
            packed = direction.get("cadenza-steps")
            by_direction[A_TO_Z if forward else Z_TO_A].append(SegmentHistory(
                segment["networkDomain"], segment["uuid"],
                {i["interval-number"]: i for i in direction.get("interval", [])},
                SegmentSteps.of(packed) if packed else None, direction.get("cadenza-metrics")))
    changes = sorted(row.design.get("rateChanges") or [], key=lambda c: c["atS"])

    def cirs_of(numbers: list[int]) -> list[int]:
        if not changes:
            return [row.bandwidth_mbps] * len(numbers)
        return [rate_at(row.bandwidth_mbps, changes, (n + 0.5) * interval_s) for n in numbers]

    directions = [_compose(name, segments, cos, interval_s, step_s, cirs_of)
                  for name, segments in by_direction.items() if segments]
    return ServicePm(row.id, interval_s, step_s, cos, network_time, directions, missing)


def rate_at(current_mbps: int, changes: Sequence[Mapping[str, Any]], at_s: float) -> int:
    """The CIR the service ran at, at network time `at_s`: the rate before the first change
    made after it (`rateChanges` of the design, sof/steps.settle_service_change), else the current one."""
    for change in sorted(changes, key=lambda c: c["atS"]):
        if at_s < change["atS"]:
            return int(change["fromMbps"])
    return current_mbps


def _compose(name: str, segments: list[SegmentHistory], cos: CosObjectives, interval_s: int, step_s: int,
             cirs_of: Callable[[list[int]], list[int]]) -> DirectionPm:
    numbers = sorted(set.intersection(*(set(s.intervals) for s in segments)))
    result = DirectionPm(name, numbers, segments=segments)
    if not numbers or not step_s:
        return result
    measured = segments[0].measured if len(segments) == 1 else None
    if measured is not None and _measured_as_asked(measured, cos, len(numbers)):
        metrics, steps_present, busiest = _metrics_of(measured)
    elif any(s.steps is None for s in segments):
        return result
    else:
        steps = [s.steps for s in segments]
        probes = steps[0].probes_per_step or 1  # type: ignore[union-attr] - checked above
        composed = compose_steps(numbers, steps, interval_s=interval_s, step_s=step_s,  # type: ignore[arg-type]
                                 delta_t_s=cos.delta_t_s, plan=cos.plan(probe_spacing_s=step_s / probes))
        metrics, steps_present, busiest = composed.metrics, composed.steps_present, composed.busiest_all_tx
    result.metrics = metrics
    cirs = cirs_of(numbers)  # an interval is measured against the CIR it ran at (its midpoint's)
    if not any(cirs):
        result.utilisation_percent = result.peak_utilisation_percent = [0.0] * len(numbers)
        return result
    views = segments[0].intervals
    # the interval's mean load over the steps the service existed in, as a share of its CIR
    result.utilisation_percent = [
        round(100 * float(views[n]["all-frames-fw-tx"]) / (125.0 * step_s * max(1, int(c))) / cir, 3) if cir else 0.0
        for n, c, cir in zip(numbers, steps_present.tolist(), cirs, strict=True)]
    step_frames_per_mbit = 125.0 * step_s
    result.peak_utilisation_percent = [round(100 * b / step_frames_per_mbit / cir, 3) if cir else 0.0
                                       for b, cir in zip(busiest.tolist(), cirs, strict=True)]
    return result


def _measured_as_asked(measured: Mapping[str, Any], cos: CosObjectives, intervals: int) -> bool:
    """The ICM's metrics are of this CoS's Δt, C and n, one figure per interval of its view (in
    the view's order: by interval number)."""
    return len(measured.get("final", ())) == intervals and (
        measured.get("delta-t-seconds"), measured.get("threshold-c"), measured.get("consecutive-n")) == (
        cos.delta_t_s, cos.threshold_c, cos.consecutive_n)


def _metrics_of(measured: Mapping[str, Any]) -> tuple[IntervalMetrics, np.ndarray, np.ndarray]:
    """PRESTO `cadenza-metrics` as the arrays the composition makes (null: NaN, not measured)."""
    def floats(values: Sequence[float | None]) -> np.ndarray:
        return np.array(values, dtype=np.float64)

    def ints(values: Sequence[int]) -> np.ndarray:
        return np.array(values, dtype=np.int64)

    metrics = IntervalMetrics(
        availability_percent=floats(measured["availability-percent"]), flr_percent=floats(measured["flr-percent"]),
        hli_count=ints(measured["hli-count"]), mean_fd_ms=floats(measured["mean-fd-ms"]),
        fd_ms={float(e["percentile"]): floats(e["value"]) for e in measured["fd-ms"]},
        fdr_ms={float(e["percentile"]): floats(e["value"]) for e in measured["fdr-ms"]},
        ifdv_ms={(float(e["percentile"]), int(e["delta-tau-probes"])): floats(e["value"]) for e in measured["ifdv-ms"]},
        chli_count={int(e["p"]): ints(e["value"]) for e in measured["chli-count"]},
        final=np.array(measured["final"], dtype=bool), qualified_probes=ints(measured["qualified-probes"]))
    return metrics, ints(measured["steps-present"]), floats(measured["busiest-step-all-frames"])


def probe_spacing_s(pm: ServicePm, direction: DirectionPm, i: int) -> float:
    """Time between two delay probes of interval `i` (IFDV's Δτ is counted in these)."""
    return pm.step_s / max(1, direction.segments[0].probes_per_step or 1)
