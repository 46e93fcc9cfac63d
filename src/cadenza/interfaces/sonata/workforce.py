"""Work Order Management v2 and Appointment Management v2 (MEF 137) over SONATA: a Seller (a
partner) shows its Buyer (the SP) the work orders on the Buyer's tickets and books the site
visits with it, as CANTATA does for a customer (interfaces/cantata/workforce.py: the same
payloads and event types), under the SONATA base paths."""

from __future__ import annotations

from pathlib import Path

from cadenza.core.openapi_validation import ServedSpec

__all__ = ["SONATA_WORK_ORDER_BASE", "SONATA_WORK_ORDER_LISTENER_BASE", "SONATA_WORK_ORDER_API",
           "SONATA_APPOINTMENT_BASE", "SONATA_APPOINTMENT_LISTENER_BASE", "SONATA_APPOINTMENT_API",
           "SONATA_WORK_ORDER_SPEC", "SONATA_APPOINTMENT_SPEC", "served_specs"]

_SPECS = Path(__file__).parent / "openapi/productApi/workforce"
SONATA_WORK_ORDER_SPEC = _SPECS / "workorder/workorderManagement.api.yaml"
SONATA_APPOINTMENT_SPEC = _SPECS / "appointment/appointmentManagement.api.yaml"

SONATA_WORK_ORDER_BASE = "/mefApi/sonata/workOrderManagement/v2"
SONATA_WORK_ORDER_LISTENER_BASE = "/mefApi/sonata/workOrderNotification/v2"
SONATA_WORK_ORDER_API = "sonata.workOrder"
SONATA_APPOINTMENT_BASE = "/mefApi/sonata/appointment/v2"
SONATA_APPOINTMENT_LISTENER_BASE = "/mefApi/sonata/appointmentNotification/v2"
SONATA_APPOINTMENT_API = "sonata.appointment"


def served_specs() -> list[ServedSpec]:
    return [ServedSpec(SONATA_WORK_ORDER_SPEC), ServedSpec(SONATA_APPOINTMENT_SPEC)]
