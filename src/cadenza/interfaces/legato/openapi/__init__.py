"""The official LEGATO (v5) OpenAPI files Cadenza serves, verbatim from MEF LSO: service ordering
and inventory at the SOF, their Notification APIs at the BUS (below its callback). INTERLUDE
ordering reuses these payloads under its own base paths (docs/interlude-profile.md), so the same
files validate it there (interfaces/interlude/openapi.py)."""

from __future__ import annotations

from pathlib import Path

from cadenza.core.openapi_validation import ServedSpec

__all__ = ["SPEC_DIR", "ORDERING", "INVENTORY", "ORDER_NOTIFICATION", "INVENTORY_NOTIFICATION",
           "PERFORMANCE_MONITORING", "PERFORMANCE_NOTIFICATION", "served_specs"]

SPEC_DIR = Path(__file__).parent
ORDERING = SPEC_DIR / "serviceApi/order/serviceOrderingManagement.api.yaml"
INVENTORY = SPEC_DIR / "serviceApi/inventory/serviceInventoryManagement.api.yaml"
ORDER_NOTIFICATION = SPEC_DIR / "serviceApi/order/serviceOrderingNotification.api.yaml"
INVENTORY_NOTIFICATION = SPEC_DIR / "serviceApi/inventory/serviceInventoryNotification.api.yaml"
# Performance Monitoring v2 at the SOF for the BUS: the Interlude v2 API at LEGATO paths.
PERFORMANCE_MONITORING = SPEC_DIR / "serviceApi/pm/performanceMonitoring.api.yaml"
PERFORMANCE_NOTIFICATION = SPEC_DIR / "serviceApi/pm/performanceNotification.api.yaml"
# What Cadenza does not serve of it (as at INTERLUDE: docs/legato-profile.md)
_PM_NOT_SERVED = frozenset({
    ("POST", "/performanceJobComplexQuery"), ("POST", "/performanceReportComplexQuery"),
    ("PATCH", "/performanceProfile/{id}"),
})


def served_specs() -> list[ServedSpec]:
    return [
        ServedSpec(ORDERING), ServedSpec(INVENTORY),
        ServedSpec(ORDER_NOTIFICATION, prefixed=True), ServedSpec(INVENTORY_NOTIFICATION, prefixed=True),
        ServedSpec(PERFORMANCE_MONITORING, skip=_PM_NOT_SERVED),
    ]
