"""A service's performance end to end, assembled from its segments (MEF 55.0.1 §10.4 steps 3-5,
§10.6 steps 1-3).

SOF determines what it needs (the service's segments in each SP network domain; the partner's
segment comes over INTERLUDE), asks each ICM for its segment's PM history over PRESTO (the ICM
answers from its store and fetches only what it lacks from the elements), and composes the
segments step by step in each direction: frames offered at the service's ingress, delivered
with the product of each segment's delivery ratio, each delay probe the sum of the segments'
probes of the same index (lost if lost in any). The MEF 10.4 metrics of each interval are then
computed on the composed steps with the SLS's own Δt, C and n (core/pm/metrics.py), so
availability is the service's, not any one segment's.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cadenza.core.clock import iso_at
from cadenza.core.pm.metrics import DeltaTSeries, IntervalMetrics, measure
from cadenza.sof.rows import ServiceRow
from cadenza.sof.sls.objectives import CosObjectives, SlsObjectives, offering_defaults, parse_sls

__all__ = ["probe_spacing_s", "A_TO_Z", "Z_TO_A", "SegmentSteps", "SegmentHistory", "DirectionPm", "ServicePm",
           "HistorySource", "service_pm", "service_objectives", "rate_at"]

A_TO_Z, Z_TO_A = "a-to-z", "z-to-a"
_LOST = {4: 0xFFFF_FFFF, 2: 0xFFFF}  # a lost probe in `probe-delay-us`, by `probe-delay-bytes`

# (network domain, connectivity service uuid, from, to) -> the PRESTO pm-history output
HistorySource = Callable[[str, str, str, str], Mapping[str, Any]]


@dataclass(frozen=True)
class SegmentSteps:
    """A segment's steps in one direction (PRESTO `cadenza-steps`, unpacked): per step its
    interval number and position in it, green frames sent and received, all frames sent, and
    the probe delays in ms (NaN: lost) [steps, probes]."""

    interval: np.ndarray
    index: np.ndarray
    green_tx: np.ndarray
    all_tx: np.ndarray
    green_rx: np.ndarray
    delays_ms: np.ndarray

    @property
    def probes_per_step(self) -> int:
        return int(self.delays_ms.shape[1])

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


def service_pm(row: ServiceRow, history: HistorySource, *, start_s: float, end_s: float,
               cos: CosObjectives | None = None) -> ServicePm:
    cos = cos or next(iter(service_objectives(row).by_cos.values()))
    start, end = iso_at(start_s), iso_at(end_s)
    by_direction: dict[str, list[SegmentHistory]] = {A_TO_Z: [], Z_TO_A: []}
    missing: list[str] = []
    interval_s = step_s = 0
    network_time = None
    for segment in row.design.get("segments", []):
        try:
            answer = history(segment["networkDomain"], segment["uuid"], start, end)
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
                SegmentSteps.of(packed) if packed else None))
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
    if not numbers or not step_s or any(s.steps is None for s in segments):
        return result
    per_interval = interval_s // step_s
    probes = segments[0].steps.probes_per_step or 1  # type: ignore[union-attr] - checked above
    span = numbers[-1] - numbers[0] + 1
    tx = np.zeros(span * per_interval)
    kept = np.ones(span * per_interval)
    only = segments[0].steps
    assert only is not None
    # a segment alone with every step of every interval, in order: its probes are the service's
    # as they are (no copy of 2.6 million probes a direction for 30 days)
    alone = (len(segments) == 1 and len(numbers) == span and only.probes_per_step == probes
             and _every_step(only, numbers[0], span * per_interval, per_interval))
    delays = only.delays_ms if alone else np.zeros((span * per_interval, probes))
    measured = np.zeros(span * per_interval, dtype=bool)
    wanted = np.asarray(numbers, dtype=np.int64)
    present = np.zeros(span, dtype=bool)  # of the span's intervals, those every segment has
    present[wanted - numbers[0]] = True
    for position, segment in enumerate(segments):
        steps = segment.steps
        assert steps is not None
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
    per = max(1, cos.delta_t_s // step_s)
    k = span * per_interval // per
    rx = np.floor(tx * kept)
    series = DeltaTSeries(start=float(numbers[0] * interval_s), delta_t_s=float(per * step_s),
                          tx_frames=tx.reshape(k, per).sum(axis=1).astype(np.int64),
                          rx_frames=rx.reshape(k, per).sum(axis=1).astype(np.int64),
                          delays_ms=delays.reshape(k, per * probes),
                          maintenance=~measured.reshape(k, per).any(axis=1))
    metrics = measure(series, cos.plan(probe_spacing_s=step_s / probes), interval_len=per_interval // per)
    result.metrics = _select(metrics, present)
    cirs = cirs_of(numbers)  # an interval is measured against the CIR it ran at (its midpoint's)
    if not any(cirs):
        result.utilisation_percent = result.peak_utilisation_percent = [0.0] * len(numbers)
        return result
    first = segments[0].steps
    assert first is not None
    slot = first.interval - numbers[0]
    inside = (slot >= 0) & (slot < span)
    present_steps = np.bincount(slot[inside], minlength=span)[wanted - numbers[0]]
    busiest = np.zeros(span)
    np.maximum.at(busiest, slot[inside], first.all_tx[inside])
    views = segments[0].intervals
    # the interval's mean load over the steps the service existed in, as a share of its CIR
    result.utilisation_percent = [
        round(100 * float(views[n]["all-frames-fw-tx"]) / (125.0 * step_s * max(1, int(c))) / cir, 3) if cir else 0.0
        for n, c, cir in zip(numbers, present_steps.tolist(), cirs, strict=True)]
    step_frames_per_mbit = 125.0 * step_s
    result.peak_utilisation_percent = [round(100 * b / step_frames_per_mbit / cir, 3) if cir else 0.0
                                       for b, cir in zip(busiest[wanted - numbers[0]].tolist(), cirs, strict=True)]
    return result


def _every_step(steps: SegmentSteps | None, first: int, count: int, per_interval: int) -> bool:
    """The steps are every one of `count` from interval `first` on, in order."""
    if steps is None or len(steps.index) != count:
        return False
    at = (steps.interval - first) * per_interval + steps.index
    return bool(at[0] == 0 and (np.diff(at) == 1).all())


def probe_spacing_s(pm: ServicePm, direction: DirectionPm, i: int) -> float:
    """Time between two delay probes of interval `i` (IFDV's Δτ is counted in these)."""
    steps = direction.segments[0].steps
    return pm.step_s / max(1, steps.probes_per_step if steps is not None else 1)


def _select(metrics: IntervalMetrics, keep: np.ndarray) -> IntervalMetrics:
    """The metrics of the intervals present (gaps between them were only there to keep time)."""
    def pick(values: np.ndarray) -> np.ndarray:
        return np.asarray(values)[keep]

    return IntervalMetrics(
        availability_percent=pick(metrics.availability_percent), flr_percent=pick(metrics.flr_percent),
        hli_count=pick(metrics.hli_count), mean_fd_ms=pick(metrics.mean_fd_ms),
        fd_ms={p: pick(v) for p, v in metrics.fd_ms.items()}, fdr_ms={p: pick(v) for p, v in metrics.fdr_ms.items()},
        ifdv_ms={p: pick(v) for p, v in metrics.ifdv_ms.items()},
        chli_count={p: pick(v) for p, v in metrics.chli_count.items()}, final=pick(metrics.final),
        qualified_probes=pick(metrics.qualified_probes))
