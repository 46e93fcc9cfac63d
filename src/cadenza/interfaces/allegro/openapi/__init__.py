"""The official ALLEGRO OpenAPI files Cadenza serves, verbatim from MEF LSO (allegro/serviceApi):
each domain validates every request to these operations against them (landscape/domain.py)."""

from __future__ import annotations

from pathlib import Path

from cadenza.core.openapi_validation import ServedSpec

__all__ = ["SPEC_DIR", "PERFORMANCE_MONITORING", "PERFORMANCE_NOTIFICATION", "served_specs"]

SPEC_DIR = Path(__file__).parent
PERFORMANCE_MONITORING = SPEC_DIR / "serviceApi/pm/performanceMonitoring.api.yaml"
PERFORMANCE_NOTIFICATION = SPEC_DIR / "serviceApi/pm/performanceNotification.api.yaml"


# What Cadenza's SOF does not serve of Performance Monitoring v5 (docs/allegro-profile.md).
_PM_NOT_SERVED = frozenset({
    ("POST", "/modifyPerformanceJob"), ("GET", "/modifyPerformanceJob"), ("GET", "/modifyPerformanceJob/{id}"),
    ("POST", "/performanceJobComplexQuery"), ("POST", "/performanceReportComplexQuery"),
    ("PATCH", "/performanceProfile/{id}"),
})


def served_specs() -> list[ServedSpec]:
    """The customers' listeners serve the notification APIs (PERFORMANCE_NOTIFICATION, ...), not the SOF."""
    return [ServedSpec(PERFORMANCE_MONITORING, skip=_PM_NOT_SERVED),
            ServedSpec(SPEC_DIR / "serviceApi/inventory/serviceInventoryManagement.api.yaml"),
            ServedSpec(SPEC_DIR / "serviceApi/order/serviceOrderingManagement.api.yaml")]
