"""How bad an incident is (ITIL severity, MEF 124 `TroubleTicketSeverityType`) and how soon it
must be handled (priority, `TroubleTicketPriorityType`), from what the SLS degradation breached
and what the SOF could do about it.

- Severity is the impact on the product's traffic: `significant` when frames are lost or the
  service was unavailable (frame loss ratio, availability, high-loss intervals), `moderate`
  when they arrive but late or uneven (the frame delay objectives). One direction of one
  product is never `extensive` (that is many customers' products at once), and a breach of an
  objective the customer bought is never `minor`.
- Priority follows severity (`high` for significant, `medium` for moderate) and goes one step
  up while a person must act (`manualIntervention`): no remedy software could apply worked.
- An incident following both directions of a product takes the worse of their severities, and
  the highest priority of those not resolved yet.
"""

from __future__ import annotations

from collections.abc import Collection

__all__ = ["LOSS_METRICS", "SEVERITIES", "PRIORITIES", "severity_of", "priority_of", "worst"]

LOSS_METRICS = frozenset({"oneWayFrameLossRatioPmMetric", "oneWayAvailabilityPmMetric",
                          "oneWayHighLossIntervalsPmMetric", "oneWayConsecutiveHighLossIntervalsPmMetric"})
# TroubleTicketSeverityType and TroubleTicketPriorityType, least first
SEVERITIES = ("minor", "moderate", "significant", "extensive")
PRIORITIES = ("low", "medium", "high", "critical")
_UP = {"low": "medium", "medium": "high", "high": "critical", "critical": "critical"}


def severity_of(metrics: Collection[str]) -> str:
    return "significant" if LOSS_METRICS & set(metrics) else "moderate"


def priority_of(severity: str, degradation_state: str) -> str:
    base = "high" if severity == "significant" else "medium"
    return _UP[base] if degradation_state == "manualIntervention" else base


def worst(values: Collection[str], scale: tuple[str, ...]) -> str:
    """The worst of `values` on `scale` (SEVERITIES or PRIORITIES)."""
    return max(values, key=scale.index)
