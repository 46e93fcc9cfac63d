"""The partner's segment composed with the SP's, interval by interval (MEF 55.0.1 §10.4 step 5
for a service that spans a partner; docs/assurance.md "The partner's segment").

The SP's own segments are composed step by step from the ICMs' samples (service_pm.py). The
partner gives only its segment's MEF 10.4 figures per 15-minute interval and direction (its
INTERLUDE PM report), so the partner's part is added per interval, as bounds that never make
the service look better than it is:

- delays add: the mean frame delay is the sum of the means (exact for independent segments);
  a percentile d_P, a range and an IFDV of the service are taken as ours plus the partner's at
  the same percentile (the sum of two P-percentiles bounds the P-percentile of the sum from
  above); where the partner reports another percentile, its nearest one at or above P is used,
  else its highest;
- delivery ratios multiply: FLR = 100 · (1 − (1 − FLR_sp/100) · (1 − FLR_partner/100));
- a Δt is unavailable if it is in either segment; the partner gives only its share of
  available Δt's, so its unavailable Δt's are taken where ours are available:
  A = max(0, A_sp + A_partner − 100); high-loss counts (HLI, CHLI) add, at most the Δt's of T;
- an interval is final when both are; a figure the partner did not measure (null) leaves the
  service's unmeasured (NaN: never a breach, never a pass).

Only intervals both sides have are kept, as the SP's segments already are.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from cadenza.sof.performance.service_pm import DirectionPm, SegmentHistory

__all__ = ["PartnerPoint", "compose", "segment_view", "percentile_value"]

PartnerPoint = Mapping[str, Any]  # the partner's SLS result data point of one interval and direction


def _number(value: Any) -> float:  # noqa: ANN401 - a JSON number or null
    return math.nan if value is None else float(value)


def percentile_value(by_percentile: Mapping[str, Any], percentile: float) -> float:
    """The partner's figure at `percentile` (its keys are "99.9", or "(99.0, 10)" for IFDV's
    percentile and lag): the nearest at or above, else the highest; NaN if it gave none."""
    known: list[tuple[float, float]] = []
    for key, value in by_percentile.items():
        found = re.search(r"[\d.]+", str(key))
        if found is not None:
            known.append((float(found.group(0)), _number(value)))
    if not known:
        return math.nan
    above = sorted(k for k in known if k[0] >= percentile)
    return (above[0] if above else max(known))[1]


def segment_view(point: PartnerPoint) -> dict[str, Any]:
    """The partner's interval as a segment of the service, in the PRESTO interval view's keys
    (what the assessor compares segments by, and the report lists them with)."""
    mean = point.get("meanFrameDelayMs")
    return {"flr-1-fw-mean": point.get("frameLossRatioPercent"),
            "fd-1-fw-mean": None if mean is None else round(float(mean) * 1000, 3),
            "availability-percent": point.get("availabilityPercent"),
            "suspect-interval-flag": bool(point.get("provisional"))}


def compose(direction: DirectionPm, party: str, reference: str, points: Mapping[int, PartnerPoint], *,
            delta_ts: int) -> DirectionPm:
    """`direction` with the partner's segment added; `points`: the partner's intervals by number;
    `delta_ts`: the Δt's in an interval (the bound of the high-loss counts)."""
    keep = [i for i, n in enumerate(direction.numbers) if n in points]
    numbers = [direction.numbers[i] for i in keep]
    partner = SegmentHistory(party, reference, {n: segment_view(points[n]) for n in numbers})
    result = DirectionPm(direction.direction, numbers, segments=[*direction.segments, partner],
                         utilisation_percent=[direction.utilisation_percent[i] for i in keep],
                         peak_utilisation_percent=[direction.peak_utilisation_percent[i] for i in keep])
    if direction.metrics is None:
        return result
    ours = direction.metrics
    theirs = [points[n] for n in numbers]
    index = np.asarray(keep, dtype=np.int64)

    def column(name: str) -> np.ndarray:
        return np.array([_number(p.get(name)) for p in theirs], dtype=np.float64)

    def by_percentile(name: str, percentile: float) -> np.ndarray:
        return np.array([percentile_value(p.get(name) or {}, percentile) for p in theirs], dtype=np.float64)

    def counts(name: str, key: str | None = None) -> np.ndarray:
        values = [(p.get(name) or {}).get(key, 0) if key is not None else p.get(name, 0) for p in theirs]
        return np.array([v or 0 for v in values], dtype=np.float64)

    def pick(values: np.ndarray) -> np.ndarray:
        return np.asarray(values, dtype=np.float64)[index]

    flr_sp, flr_p = pick(ours.flr_percent), column("frameLossRatioPercent")
    result.metrics = replace(
        ours,
        availability_percent=np.maximum(0.0, pick(ours.availability_percent) + column("availabilityPercent") - 100),
        flr_percent=100 * (1 - (1 - flr_sp / 100) * (1 - flr_p / 100)),
        hli_count=np.minimum(delta_ts, pick(ours.hli_count) + counts("highLossIntervals")),
        mean_fd_ms=pick(ours.mean_fd_ms) + column("meanFrameDelayMs"),
        fd_ms={p: pick(v) + by_percentile("frameDelayMs", p) for p, v in ours.fd_ms.items()},
        fdr_ms={p: pick(v) + by_percentile("frameDelayRangeMs", p) for p, v in ours.fdr_ms.items()},
        ifdv_ms={key: pick(v) + by_percentile("interFrameDelayVariationMs", key[0])
                 for key, v in ours.ifdv_ms.items()},
        chli_count={p: np.minimum(delta_ts, pick(v) + counts("consecutiveHighLossIntervals", str(p)))
                    for p, v in ours.chli_count.items()},
        final=np.asarray(ours.final)[index] & np.array([not p.get("provisional") for p in theirs], dtype=bool),
        qualified_probes=np.asarray(ours.qualified_probes)[index])
    return result
