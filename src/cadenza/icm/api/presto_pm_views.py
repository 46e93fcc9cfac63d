"""Rendering a PM history in the PRESTO profile: per direction and interval, the counters and
measurements under the names of nrm-oam.yang (MEF 35.1), `fw` being the direction of the
session (from its ingress); see docs/presto-profile.md."""

from __future__ import annotations

import base64
import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from cadenza.core.clock import iso_at
from cadenza.icm.pm_history import Availability, DirectionPm, IntervalPm
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.interfaces.adagio.contract import LOST_PROBE

__all__ = ["pm_history_view"]

_LOST_OFFSET = 0xFFFF  # a lost probe among uint16 delay offsets


def _us(ms: float | None) -> int | None:
    return None if ms is None or math.isnan(ms) else int(round(ms * 1000))


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 6)


def _interval(pm: IntervalPm, iso: Callable[[int], str], flr_min: float | None, flr_max: float | None
              ) -> dict[str, Any]:
    row = pm.row
    view: dict[str, Any] = {
        "interval-number": row.number, "start": iso(row.start), "end": iso(row.start + row.interval_s),
        "suspect-interval-flag": not row.complete,
        "all-frames-fw-tx": row.green + row.yellow, "all-frames-fw-rx": row.rx_green + row.rx_yellow,
        "green-frames-fw-tx": row.green, "green-frames-fw-rx": row.rx_green, "frames-dropped-at-ingress": row.red,
        "soam-pm-frames-tx": row.probes, "soam-pm-frames-rx": row.probes - row.probes_lost,
        "fd-1-fw-min": _us(row.delay_min_ms), "fd-1-fw-mean": _us(row.delay_mean_ms),
        "fd-1-fw-max": _us(row.delay_max_ms), "fd-1-fw-p99": _us(pm.fd_p99_ms), "fdr-1-fw-p99": _us(pm.fdr_p99_ms),
        "ifdv-1-fw-p99": _us(pm.ifdv_p99_ms),
        "flr-1-fw-min": None if flr_min is None else round(100 * flr_min, 6),
        "flr-1-fw-max": None if flr_max is None else round(100 * flr_max, 6),
        "flr-1-fw-mean": _number(pm.flr_percent),
        "available-intervals-fw": pm.available_delta_ts, "unavailable-intervals-fw": pm.unavailable_delta_ts,
        "availability-percent": _number(pm.availability_percent), "availability-final": pm.final,
        "hli-count-fw": pm.hli_count, "chli-count-fw": pm.chli_count,
    }
    return view


def pm_history_view(service: ConnectivityServiceRow, directions: list[DirectionPm], availability: Availability, *,
                    start_s: float, end_s: float, include_steps: bool) -> dict[str, Any]:
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
                           "interval": _intervals(d, iso),
                           **({"cadenza-steps": _steps(d)} if include_steps and d.intervals else {})}
                          for d in directions]}


def _intervals(direction: DirectionPm, iso: Callable[[int], str]) -> list[dict[str, Any]]:
    """The direction's intervals; the least and greatest Δt FLR of all at once (the Δt's of a
    direction's intervals are as many in each)."""
    flr = [pm.delta_t_flr for pm in direction.intervals]
    if flr and flr[0].size and all(f.size == flr[0].size for f in flr):
        stacked = np.stack(flr)
        lows, highs = stacked.min(axis=1).tolist(), stacked.max(axis=1).tolist()
    else:
        lows = [float(f.min()) if f.size else None for f in flr]
        highs = [float(f.max()) if f.size else None for f in flr]
    return [_interval(pm, iso, low, high) for pm, low, high in zip(direction.intervals, lows, highs, strict=True)]


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
    steps = [pm.steps for pm in intervals]
    green = np.concatenate([s.column("green") for s in steps])
    all_tx = green + np.concatenate([s.column("yellow") for s in steps])
    green_rx = np.concatenate([s.column("rx_green") for s in steps])
    count = "<u4" if max(int(all_tx.max(initial=0)), int(green_rx.max(initial=0))) <= 0xFFFF_FFFF else "<u8"
    delays = np.concatenate([s.delays_us for s in steps])
    lost = delays == LOST_PROBE
    delivered = delays[~lost]
    base = int(delivered.min()) if delivered.size else 0
    narrow = not delivered.size or int(delivered.max()) - base < _LOST_OFFSET
    packed_delays = ({"probe-delay-bytes": 2, "probe-delay-base-us": base,
                      "probe-delay-us": _packed(np.where(lost, _LOST_OFFSET, delays - np.uint32(base)), "<u2")}
                     if narrow else {"probe-delay-bytes": 4, "probe-delay-us": _packed(delays, "<u4")})
    return {
        "first-interval": first.number, "steps-per-interval": per_interval,
        "probes-per-step": int(steps[0].delays_us.shape[1]),
        "step": _packed(np.concatenate([(pm.row.number - first.number) * per_interval + pm.steps.index.astype(np.int64)
                                        for pm in intervals]), "<u4"),
        "count-bytes": int(count[-1]), "green-tx": _packed(green, count), "all-tx": _packed(all_tx, count),
        "green-rx": _packed(green_rx, count), **packed_delays}
