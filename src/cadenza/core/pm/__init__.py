"""Performance monitoring shared by the entities: the MEF 10.4 metrics over Δt counters and
delay probes (`metrics`). Pure numpy; no entity package is imported here."""

from __future__ import annotations

from cadenza.core.pm.metrics import (
    AvailabilityStates,
    DeltaTBatch,
    DeltaTSeries,
    IntervalMetrics,
    MetricPlan,
    availability_states,
    consecutive_high_loss,
    frame_loss_ratio,
    high_loss,
    measure,
    percentile_of,
    probe_lag,
)

__all__ = [
    "AvailabilityStates",
    "DeltaTBatch",
    "DeltaTSeries",
    "IntervalMetrics",
    "MetricPlan",
    "availability_states",
    "consecutive_high_loss",
    "frame_loss_ratio",
    "high_loss",
    "measure",
    "percentile_of",
    "probe_lag",
]
