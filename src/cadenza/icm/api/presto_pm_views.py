"""Rendering a PM history in the PRESTO profile: per direction and interval, the counters and
measurements under the names of nrm-oam.yang (MEF 35.1), `fw` being the direction of the
session (from its ingress); see docs/presto-profile.md."""

from __future__ import annotations

import base64
import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from cadenza.core.clock import iso_at
from cadenza.icm.pm_bins import StepColumns
from cadenza.icm.pm_history import Availability, DirectionPm
from cadenza.icm.pm_measure import SlsParameters, direction_metrics
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.interfaces.adagio.contract import LOST_PROBE
from cadenza.interfaces.presto.models import INTERVAL_FIELDS

__all__ = ["pm_history_view"]

_LOST_OFFSET = 0xFFFF  # a lost probe among uint16 delay offsets


def _us_many(values: Sequence[float | None]) -> list[int | None]:
    """Each delay in ms as whole µs (round half to even, as `round` does), None where not measured."""
    ms = np.array(values, dtype=np.float64)  # None reads as NaN
    known = ~np.isnan(ms)
    us = np.rint(np.where(known, ms, 0.0) * 1000).astype(np.int64).tolist()
    return [u if k else None for u, k in zip(us, known.tolist(), strict=True)]


def _numbers(values: Sequence[float]) -> list[float | None]:
    # a whole number (availability 100, loss 0: most intervals) is its own rounding
    return [None if math.isnan(v) else v if v.is_integer() else round(v, 6) for v in values]


def _percents(fractions: Sequence[float | None]) -> list[float | None]:
    return [None if f is None else _number(100 * f) for f in fractions]


def _number(value: float) -> float:
    return value if value.is_integer() else round(value, 6)


def pm_history_view(service: ConnectivityServiceRow, directions: list[DirectionPm], availability: Availability, *,
                    start_s: float, end_s: float, include_steps: bool, measure: SlsParameters | None = None,
                    fields: Sequence[str] | None = None) -> dict[str, Any]:
    """`measure`: each direction's metrics with a SLS's parameters too (`cadenza-metrics`);
    `fields`: only those figures of each interval (`cadenza-interval-fields`; None: all)."""
    first = next((d.intervals[0].row for d in directions if d.intervals), None)
    iso = functools.cache(iso_at)  # an interval's end is the next one's start: each written once
    # Which edge point each direction enters by, so a SOF can tell a-to-z from z-to-a.
    sips = {f"{end['element']}:{end['port']}": end.get("sip") for end in (service.request["a"], service.request["z"])}
    return {"service-id": service.uuid, "from": iso_at(start_s), "to": iso_at(end_s),
            "interval-seconds": first.interval_s if first else None, "step-seconds": first.step_s if first else None,
            "availability-parameters": {"delta-t-seconds": availability.delta_t_s,
                                        "threshold-c": availability.threshold_c,
                                        "consecutive-n": availability.consecutive_n},
            "direction": [{"ingress": d.ingress, "egress": d.egress,
                           "ingress-service-interface-point": sips.get(d.ingress),
                           "egress-service-interface-point": sips.get(d.egress),
                           "interval": _intervals(d, iso, fields), **_steps_or_metrics(d, include_steps, measure)}
                          for d in directions]}


def _steps_or_metrics(direction: DirectionPm, include_steps: bool, measure: SlsParameters | None) -> dict[str, Any]:
    """The direction's `cadenza-steps` if asked for, its `cadenza-metrics` if asked for; its steps
    where its metrics cannot be measured with the parameters asked (docs/presto-profile.md)."""
    if not direction.intervals:
        return {}
    found: dict[str, Any] = {}
    metrics = direction_metrics(direction, measure) if measure is not None else None
    if metrics is not None:
        found["cadenza-metrics"] = metrics
    if include_steps or (measure is not None and metrics is None):
        found["cadenza-steps"] = _steps(direction)
    return found


def _intervals(direction: DirectionPm, iso: Callable[[int], str], fields: Sequence[str] | None = None
               ) -> list[dict[str, Any]]:
    """The direction's intervals, built from columns: each figure of every interval converted at
    once (a 30-day history is 2,880 intervals of 28 figures a direction); the least and greatest
    Δt FLR of all at once (the Δt's of a direction's intervals are as many in each). `fields`:
    only those figures (with `interval-number`), in the order of INTERVAL_FIELDS; None: all."""
    intervals = direction.intervals
    if not intervals:
        return []
    row = dict(zip(intervals[0].row._fields, zip(*(pm.row for pm in intervals), strict=True), strict=True))

    @functools.cache
    def flr_range() -> tuple[list[float | None], list[float | None]]:
        flr = [pm.delta_t_flr for pm in intervals]
        if flr[0].size and all(f.size == flr[0].size for f in flr):
            stacked = np.stack(flr)
            return stacked.min(axis=1).tolist(), stacked.max(axis=1).tolist()
        return ([float(f.min()) if f.size else None for f in flr], [float(f.max()) if f.size else None for f in flr])

    def plus(a: str, b: str) -> list[int]:
        return [x + y for x, y in zip(row[a], row[b], strict=True)]

    # each column made only if it is wanted
    columns: dict[str, Callable[[], Sequence[Any]]] = {
        "interval-number": lambda: row["number"], "start": lambda: [iso(t) for t in row["start"]],
        "end": lambda: [iso(t + length) for t, length in zip(row["start"], row["interval_s"], strict=True)],
        "suspect-interval-flag": lambda: [not complete for complete in row["complete"]],
        "all-frames-fw-tx": lambda: plus("green", "yellow"), "all-frames-fw-rx": lambda: plus("rx_green", "rx_yellow"),
        "green-frames-fw-tx": lambda: row["green"], "green-frames-fw-rx": lambda: row["rx_green"],
        "frames-dropped-at-ingress": lambda: row["red"], "soam-pm-frames-tx": lambda: row["probes"],
        "soam-pm-frames-rx": lambda: [sent - lost for sent, lost in zip(row["probes"], row["probes_lost"],
                                                                        strict=True)],
        "fd-1-fw-min": lambda: _us_many(row["delay_min_ms"]), "fd-1-fw-mean": lambda: _us_many(row["delay_mean_ms"]),
        "fd-1-fw-max": lambda: _us_many(row["delay_max_ms"]),
        "fd-1-fw-p99": lambda: _us_many([pm.fd_p99_ms for pm in intervals]),
        "fdr-1-fw-p99": lambda: _us_many([pm.fdr_p99_ms for pm in intervals]),
        "ifdv-1-fw-p99": lambda: _us_many([pm.ifdv_p99_ms for pm in intervals]),
        "flr-1-fw-min": lambda: _percents(flr_range()[0]), "flr-1-fw-max": lambda: _percents(flr_range()[1]),
        "flr-1-fw-mean": lambda: _numbers([pm.flr_percent for pm in intervals]),
        "available-intervals-fw": lambda: [pm.available_delta_ts for pm in intervals],
        "unavailable-intervals-fw": lambda: [pm.unavailable_delta_ts for pm in intervals],
        "availability-percent": lambda: _numbers([pm.availability_percent for pm in intervals]),
        "availability-final": lambda: [pm.final for pm in intervals],
        "hli-count-fw": lambda: [pm.hli_count for pm in intervals],
        "chli-count-fw": lambda: [pm.chli_count for pm in intervals],
    }
    wanted = set(fields or INTERVAL_FIELDS) | {"interval-number"}
    names = [name for name in columns if name in wanted]
    made = [columns[name]() for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*made, strict=True)]


def _packed(values: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype=dtype).tobytes()).decode("ascii")


def _steps(direction: DirectionPm) -> dict[str, Any]:
    """Every step of the direction's intervals, packed (docs/presto-profile.md): a SOF composes
    segments step by step, and 900 probes an interval as JSON numbers cost more than the rest.
    Arrays are as narrow as the values allow, losslessly (base64 of 30 MB was a fifth of a
    30-day report): frame counts uint32 when every one fits, delays uint16 offsets from the
    least delivered when the direction's spread is under 65.535 ms."""
    intervals = direction.intervals
    first = intervals[0].row
    per_interval = first.interval_s // first.step_s
    steps = direction.steps or StepColumns.of([pm.steps for pm in intervals])
    green = steps.column("green")
    all_tx = green + steps.column("yellow")
    green_rx = steps.column("rx_green")
    count = "<u4" if max(int(all_tx.max(initial=0)), int(green_rx.max(initial=0))) <= 0xFFFF_FFFF else "<u8"
    delays = steps.delays_us
    lost = delays == LOST_PROBE
    # the least and greatest delivered delay without a copy of the delivered ones: LOST_PROBE is
    # the greatest uint32, so the least of all is the least delivered unless every one was lost
    any_delivered = not lost.all()
    base = int(delays.min()) if any_delivered else 0
    narrow = not any_delivered or int(delays.max(where=~lost, initial=0)) - base < _LOST_OFFSET
    if narrow:
        offsets = (delays - np.uint32(base)).astype("<u2")  # a lost probe's wraps: set below
        offsets[lost] = _LOST_OFFSET
        packed_delays = {"probe-delay-bytes": 2, "probe-delay-base-us": base, "probe-delay-us": _packed(offsets, "<u2")}
    else:
        packed_delays = {"probe-delay-bytes": 4, "probe-delay-us": _packed(delays, "<u4")}
    numbers = np.fromiter((pm.row.number for pm in intervals), dtype=np.int64, count=len(intervals))
    return {
        "first-interval": first.number, "steps-per-interval": per_interval,
        "probes-per-step": int(delays.shape[1]),
        "step": _packed((numbers - first.number)[steps.bin] * per_interval + steps.index.astype(np.int64), "<u4"),
        "count-bytes": int(count[-1]), "green-tx": _packed(green, count), "all-tx": _packed(all_tx, count),
        "green-rx": _packed(green_rx, count), **packed_delays}
