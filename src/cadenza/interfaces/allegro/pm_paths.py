"""ALLEGRO Performance Monitoring v5 (MEF 133.1): base paths, hub, event types, result types."""

from __future__ import annotations

__all__ = ["PM_BASE", "PM_LISTENER_BASE", "PM_HUB", "SCOPE", "PM_EVENT_TYPES", "CE_PM_CONFIGURATION_TYPE",
           "CE_PM_RESULTS_TYPE", "SLS_RESULTS_TYPE"]

PM_BASE = "/mefApi/allegro/performanceMonitoring/v5"
PM_LISTENER_BASE = "/mefApi/allegro/performanceNotification/v5"  # appended to a customer's callback
PM_HUB = "allegro.performanceMonitoring"
SCOPE = "allegro"

PM_EVENT_TYPES = (
    "performanceJobCreateEvent", "performanceJobStateChangeEvent", "performanceJobReportReadyEvent",
    "performanceJobReportPreparationErrorEvent", "cancelPerformanceJobStateChangeEvent",
    "performanceProfileCreateEvent", "performanceProfileDeleteEvent", "performanceReportCreateEvent",
    "performanceReportStateChangeEvent",
)

# The `$id`s of the MEF Carrier Ethernet PM configuration and results schemas
# (legato|interlude/serviceSchema/carrierEthernet/faultPerformanceManagement).
CE_PM_CONFIGURATION_TYPE = "urn:mef:lso:spec:legato:carrier-ethernet-performance-monitoring-configuration:v0.0.1:all"
CE_PM_RESULTS_TYPE = "urn:mef:lso:spec:legato:carrier-ethernet-performance-monitoring-results:v0.0.1:all"
# Cadenza's result type for the MEF 10.4 metrics against the SLS (docs/allegro-profile.md).
SLS_RESULTS_TYPE = "urn:cadenza:pm:carrier-ethernet-sls-results:v1"
