"""The OpenAPI files INTERLUDE is validated with. Service ordering is Cadenza's profile of the
Legato v5 payloads under INTERLUDE base paths (docs/interlude-profile.md): the official Legato
files validate it there. Performance Monitoring v2 is MEF's own, verbatim from MEF LSO
(interlude/serviceApi/pm)."""

from __future__ import annotations

from pathlib import Path

from cadenza.core.openapi_validation import ServedSpec
from cadenza.interfaces.interlude import paths, pm_paths
from cadenza.interfaces.legato import openapi as legato

__all__ = ["SPEC_DIR", "PERFORMANCE_MONITORING", "PERFORMANCE_NOTIFICATION", "PM_NOT_SERVED", "served_specs"]

SPEC_DIR = Path(__file__).parent
PERFORMANCE_MONITORING = SPEC_DIR / "serviceApi/pm/performanceMonitoring.api.yaml"
PERFORMANCE_NOTIFICATION = SPEC_DIR / "serviceApi/pm/performanceNotification.api.yaml"

# What Cadenza does not serve of Performance Monitoring v2 (docs/interlude-profile.md); the
# Legato v2 file has the same operations.
PM_NOT_SERVED = frozenset({
    ("POST", "/performanceJobComplexQuery"), ("POST", "/performanceReportComplexQuery"),
    ("PATCH", "/performanceProfile/{id}"),
})


def served_specs() -> list[ServedSpec]:
    return [
        ServedSpec(legato.ORDERING, base=paths.ORDERING_BASE),
        ServedSpec(legato.INVENTORY, base=paths.INVENTORY_BASE),
        ServedSpec(legato.ORDER_NOTIFICATION, base=paths.ORDER_LISTENER_BASE, prefixed=True),
        ServedSpec(legato.INVENTORY_NOTIFICATION, base=paths.INVENTORY_LISTENER_BASE, prefixed=True),
        ServedSpec(PERFORMANCE_MONITORING, base=pm_paths.PM_BASE, skip=PM_NOT_SERVED),
        # a buyer SOF hears its partners' PM events below its callback
        ServedSpec(PERFORMANCE_NOTIFICATION, base=pm_paths.PM_LISTENER_BASE, prefixed=True),
    ]
