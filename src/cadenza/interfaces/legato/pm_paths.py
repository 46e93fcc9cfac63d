"""LEGATO Performance Monitoring v2 (BUS -> SOF): the Interlude v2 API at LEGATO paths (the two
official files differ only in their server URLs)."""

from __future__ import annotations

from cadenza.interfaces.interlude.pm_paths import PM_EVENT_TYPES

__all__ = ["PM_BASE", "PM_LISTENER_BASE", "PM_HUB", "SCOPE", "PM_EVENT_TYPES"]

PM_BASE = "/mefApi/legato/performanceMonitoring/v2"
PM_LISTENER_BASE = "/mefApi/legato/performanceNotification/v2"
PM_HUB = "legato.performanceMonitoring"
SCOPE = "legato"
