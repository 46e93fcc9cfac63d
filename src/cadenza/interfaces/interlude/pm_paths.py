"""INTERLUDE Performance Monitoring v2 (MEF W143, the Interlude SDK's serviceApi/pm): base paths,
hub, scope and event types. The Legato v2 file is the same API at LEGATO paths
(interfaces/legato/pm_paths.py)."""

from __future__ import annotations

__all__ = ["PM_BASE", "PM_LISTENER_BASE", "PM_HUB", "SCOPE", "PM_EVENT_TYPES", "THRESHOLD_CROSSING_EVENT",
           "HUB_EVENT_TYPES"]

PM_BASE = "/mefApi/interlude/performanceMonitoring/v2"
PM_LISTENER_BASE = "/mefApi/interlude/performanceNotification/v2"  # appended to a buyer's callback
PM_HUB = "interlude.performanceMonitoring"
SCOPE = "interlude"

# The v2 notification file's event types (performanceNotification.api.yaml).
PM_EVENT_TYPES = (
    "performanceJobCreateEvent", "performanceJobStateChangeEvent", "performanceJobAttributeValueChangeEvent",
    "performanceJobReportReadyEvent", "performanceJobReportPreparationErrorEvent",
    "cancelPerformanceJobStateChangeEvent", "modifyPerformanceJobStateChangeEvent",
    "resumePerformanceJobStateChangeEvent", "suspendPerformanceJobStateChangeEvent",
    "performanceProfileCreateEvent", "performanceProfileStateChangeEvent",
    "performanceProfileAttributeValueChangeEvent", "performanceProfileDeleteEvent",
    "performanceReportCreateEvent", "performanceReportStateChangeEvent",
)

# Cadenza's addition (docs/interlude-profile.md, "Threshold crossings"): v2 defines no event for a
# crossing in the seller's network, so the seller tells its buyer of one on the buyer's service
# with this event at the same hub.
THRESHOLD_CROSSING_EVENT = "cadenzaServiceThresholdCrossingEvent"
HUB_EVENT_TYPES = (*PM_EVENT_TYPES, THRESHOLD_CROSSING_EVENT)
