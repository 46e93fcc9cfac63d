"""Service Level Specification: the objectives of a product's `carrierEthernetSls`
(`objectives`) and their assessment against the MEF 10.4 metrics of an interval (`assessment`)."""

from __future__ import annotations

from cadenza.sof.sls.assessment import (
    MetricAssessment,
    assess,
    breach_matrix,
    metric_columns,
    objective_columns,
)
from cadenza.sof.sls.objectives import (
    CosObjectives,
    CountObjective,
    DelayObjective,
    IfdvObjective,
    RatioObjective,
    SlsError,
    SlsObjectives,
    TimeDuration,
    offering_defaults,
    parse_sls,
)

__all__ = [
    "CosObjectives",
    "CountObjective",
    "DelayObjective",
    "IfdvObjective",
    "MetricAssessment",
    "RatioObjective",
    "SlsError",
    "SlsObjectives",
    "TimeDuration",
    "assess",
    "breach_matrix",
    "metric_columns",
    "objective_columns",
    "offering_defaults",
    "parse_sls",
]
