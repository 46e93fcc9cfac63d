"""A report's content (Allegro PM v5 `ReportContentPerMonitoredObject`) from a service's
assembled performance (service_pm.py): one item per 15-minute interval, and in it, per
direction, the MEF 10.4 metrics against the SLS (Cadenza's result type, with the segments they
were composed of) and the utilisation in the MEF Carrier Ethernet PM results schema."""

from __future__ import annotations

import math
from typing import Any

from cadenza.core.clock import iso_at
from cadenza.interfaces.allegro.pm_paths import CE_PM_RESULTS_TYPE, SLS_RESULTS_TYPE
from cadenza.sof.performance.service_pm import A_TO_Z, DirectionPm, ServicePm, probe_spacing_s
from cadenza.sof.sls.assessment import assess

__all__ = ["report_content", "ServiceEnds"]

ServiceEnds = tuple[str, str]  # the service's a and z end points (edge points), as the customer knows them


def _value(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 6)


def report_content(pm: ServicePm, service_ref: dict[str, Any], ends: ServiceEnds) -> list[dict[str, Any]]:
    items: dict[int, list[dict[str, Any]]] = {}
    for direction in pm.directions:
        for i, number in enumerate(direction.numbers):
            items.setdefault(number, []).extend(_direction_results(pm, direction, i, ends))
    content = [{"measurementTime": {"measurementStartDate": iso_at(number * pm.interval_s),
                                    "measurementEndDate": iso_at((number + 1) * pm.interval_s)},
                "measurementData": data} for number, data in sorted(items.items())]
    return [{"monitoredObject": service_ref, "reportContentItem": content}]


def _direction_results(pm: ServicePm, direction: DirectionPm, i: int, ends: ServiceEnds) -> list[dict[str, Any]]:
    metrics = direction.metrics
    assert metrics is not None
    cos = pm.cos
    source, target = ends if direction.direction == A_TO_Z else (ends[1], ends[0])
    assessed = assess(cos, metrics, interval_s=pm.interval_s, at=(i,),
                      probe_spacing_s=probe_spacing_s(pm, direction, i))
    number = direction.numbers[i]
    sls = {
        "@type": SLS_RESULTS_TYPE, "direction": direction.direction, "fromEndPoint": source, "toEndPoint": target,
        "cosName": cos.cos_name, "deltaTSeconds": cos.delta_t_s,
        "availabilityPercent": _value(metrics.availability_percent[i]),
        "frameLossRatioPercent": _value(metrics.flr_percent[i]),
        "meanFrameDelayMs": _value(metrics.mean_fd_ms[i]),
        "frameDelayMs": {str(p): _value(v[i]) for p, v in metrics.fd_ms.items()},
        "frameDelayRangeMs": {str(p): _value(v[i]) for p, v in metrics.fdr_ms.items()},
        "interFrameDelayVariationMs": {str(p): _value(v[i]) for p, v in metrics.ifdv_ms.items()},
        "highLossIntervals": int(metrics.hli_count[i]),
        "consecutiveHighLossIntervals": {str(p): int(v[i]) for p, v in metrics.chli_count.items()},
        "provisional": not bool(metrics.final[i]),
        "objectives": [{"metric": a.metric, "value": _value(a.value), "objective": a.objective, "unit": a.unit,
                        "status": a.status, "text": a.sentence} for a in assessed],
        "segments": [_segment(s.name, s.intervals[number]) for s in direction.segments],
        "missingSegments": pm.missing,
    }
    utilisation = min(100.0, direction.utilisation_percent[i])
    first = direction.segments[0].intervals[number]
    peak = min(100.0, direction.peak_utilisation_percent[i])
    # utilisation of the CIR at the ingress (the schema's percentages stop at 100: above the CIR is yellow)
    ce = {"@type": CE_PM_RESULTS_TYPE, "interface": source, "utilizationIn": round(utilisation, 3),
          "peakUtilizationIn": round(peak, 3), "rxForwardNum": int(first["all-frames-fw-tx"])}
    return [sls, ce]


def _segment(name: str, interval: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "frameLossRatioPercent": interval.get("flr-1-fw-mean"),
            "meanFrameDelayUs": interval.get("fd-1-fw-mean"),
            "availabilityPercent": interval.get("availability-percent"),
            "suspect": interval.get("suspect-interval-flag")}

