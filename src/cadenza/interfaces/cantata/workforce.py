"""Work Order Management v2 and Appointment Management v2 (MEF 137, business requirements in
MEF 113) over CANTATA: base paths, the hubs' API names, the event types and the spec files
(docs/bus-profile.md, "Field work: work orders and appointments").

The BUS serves every operation of both management files; the customers' listeners serve the
notification files. The payloads and event types are the same over SONATA
(interfaces/sonata/workforce.py), under SONATA base paths.
"""

from __future__ import annotations

from pathlib import Path

from cadenza.core.openapi_validation import ServedSpec

__all__ = ["WORK_ORDER_BASE", "WORK_ORDER_LISTENER_BASE", "WORK_ORDER_API", "APPOINTMENT_BASE",
           "APPOINTMENT_LISTENER_BASE", "APPOINTMENT_API", "WORK_ORDER_CREATE_EVENT", "WORK_ORDER_STATE_CHANGE_EVENT",
           "WORK_ORDER_APPOINTMENT_REQUIRED_EVENT", "WORK_ORDER_EVENT_TYPES",
           "APPOINTMENT_ATTRIBUTE_VALUE_CHANGE_EVENT",
           "APPOINTMENT_STATUS_CHANGE_EVENT", "APPOINTMENT_EVENT_TYPES", "WORK_ORDER_SPEC", "APPOINTMENT_SPEC",
           "served_specs"]

_SPECS = Path(__file__).parent / "openapi/productApi/workforce"
WORK_ORDER_SPEC = _SPECS / "workorder/workorderManagement.api.yaml"
APPOINTMENT_SPEC = _SPECS / "appointment/appointmentManagement.api.yaml"

# the servers' URLs of the files, verbatim
WORK_ORDER_BASE = "/mefApi/cantata/workOrderManagement/v2"
WORK_ORDER_LISTENER_BASE = "/mefApi/cantata/workOrderNotification/v2"
WORK_ORDER_API = "cantata.workOrder"
APPOINTMENT_BASE = "/mefApi/cantata/appointment/v2"
APPOINTMENT_LISTENER_BASE = "/mefApi/cantata/appointmentNotification/v2"
APPOINTMENT_API = "cantata.appointment"

# WorkOrderEventType and AppointmentEventType, verbatim (the same over SONATA)
WORK_ORDER_CREATE_EVENT = "workOrderCreateEvent"
WORK_ORDER_STATE_CHANGE_EVENT = "workOrderStateChangeEvent"
WORK_ORDER_APPOINTMENT_REQUIRED_EVENT = "workOrderAppointmentRequiredEvent"
WORK_ORDER_EVENT_TYPES = (WORK_ORDER_CREATE_EVENT, WORK_ORDER_STATE_CHANGE_EVENT, WORK_ORDER_APPOINTMENT_REQUIRED_EVENT)
APPOINTMENT_ATTRIBUTE_VALUE_CHANGE_EVENT = "appointmentAttributeValueChangeEvent"
APPOINTMENT_STATUS_CHANGE_EVENT = "appointmentStatusChangeEvent"
APPOINTMENT_EVENT_TYPES = (APPOINTMENT_ATTRIBUTE_VALUE_CHANGE_EVENT, APPOINTMENT_STATUS_CHANGE_EVENT)


def served_specs() -> list[ServedSpec]:
    return [ServedSpec(WORK_ORDER_SPEC), ServedSpec(APPOINTMENT_SPEC)]
