"""Trouble Ticket and Incident Management v4 (MEF 124) over CANTATA: base paths, the hub's API
name, the event types and the spec files (docs/bus-profile.md, "Trouble tickets", "Incidents").

The BUS serves every operation of the file: the trouble ticket ones (MEF 124 Table 4), the
incident ones (Table 5) and the hub. The customers' listeners serve the notification file.
"""

from __future__ import annotations

from pathlib import Path

from cadenza.core.openapi_validation import ServedSpec

__all__ = ["TROUBLE_TICKET_BASE", "TROUBLE_TICKET_LISTENER_BASE", "TROUBLE_TICKET_API", "INCIDENT_CREATE_EVENT",
           "INCIDENT_ATTRIBUTE_VALUE_CHANGE_EVENT", "INCIDENT_STATUS_CHANGE_EVENT", "INCIDENT_EVENT_TYPES",
           "TICKET_ATTRIBUTE_VALUE_CHANGE_EVENT", "TICKET_INFORMATION_REQUIRED_EVENT", "TICKET_RESOLVED_EVENT",
           "TICKET_STATUS_CHANGE_EVENT", "TICKET_EVENT_TYPES", "TROUBLE_TICKET_SPEC",
           "TROUBLE_TICKET_NOTIFICATION_SPEC", "incident_path", "ticket_path", "served_specs"]

_SPECS = Path(__file__).parent / "openapi/productApi/troubleTicket"
TROUBLE_TICKET_SPEC = _SPECS / "troubleTicketManagement.api.yaml"
TROUBLE_TICKET_NOTIFICATION_SPEC = _SPECS / "troubleTicketNotification.api.yaml"

TROUBLE_TICKET_BASE = "/mefApi/cantata/troubleTicket/v4"
TROUBLE_TICKET_LISTENER_BASE = "/mefApi/cantata/troubleTicketNotification/v4"
TROUBLE_TICKET_API = "cantata.troubleTicket"

# IncidentEventType, verbatim
INCIDENT_CREATE_EVENT = "incidentCreateEvent"
INCIDENT_ATTRIBUTE_VALUE_CHANGE_EVENT = "incidentAttributeValueChangeEvent"
INCIDENT_STATUS_CHANGE_EVENT = "incidentStatusChangeEvent"
INCIDENT_EVENT_TYPES = (INCIDENT_CREATE_EVENT, INCIDENT_ATTRIBUTE_VALUE_CHANGE_EVENT, INCIDENT_STATUS_CHANGE_EVENT)
# TroubleTicketEventType, verbatim (the same for SONATA)
TICKET_ATTRIBUTE_VALUE_CHANGE_EVENT = "troubleTicketAttributeValueChangeEvent"
TICKET_INFORMATION_REQUIRED_EVENT = "troubleTicketInformationRequiredEvent"
TICKET_RESOLVED_EVENT = "troubleTicketResolvedEvent"
TICKET_STATUS_CHANGE_EVENT = "troubleTicketStatusChangeEvent"
TICKET_EVENT_TYPES = (TICKET_ATTRIBUTE_VALUE_CHANGE_EVENT, TICKET_INFORMATION_REQUIRED_EVENT, TICKET_RESOLVED_EVENT,
                      TICKET_STATUS_CHANGE_EVENT)


def incident_path(incident_id: str) -> str:
    return f"{TROUBLE_TICKET_BASE}/incident/{incident_id}"


def ticket_path(ticket_id: str, base: str = TROUBLE_TICKET_BASE) -> str:
    return f"{base}/troubleTicket/{ticket_id}"


def served_specs() -> list[ServedSpec]:
    """The customers' listeners serve the notification file, not the BUS."""
    return [ServedSpec(TROUBLE_TICKET_SPEC)]
