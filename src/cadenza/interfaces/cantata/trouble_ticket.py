"""Trouble Ticket and Incident Management v4 (MEF 124) over CANTATA: base paths, the hub's API
name, the event types and the spec files (docs/bus-profile.md, "Incidents").

Of the file, the BUS serves the incident operations (MEF 124 Table 5: `GET /incident`, `GET
/incident/{id}`) and the hub. The trouble ticket operations (a customer opening a ticket) are
not built yet (issue 13): they are no route of the domain, answer 404 `notFound`, and are left
out of the validated operations.
"""

from __future__ import annotations

from pathlib import Path

from cadenza.core.openapi_validation import ServedSpec

__all__ = ["TROUBLE_TICKET_BASE", "TROUBLE_TICKET_LISTENER_BASE", "TROUBLE_TICKET_API", "INCIDENT_CREATE_EVENT",
           "INCIDENT_ATTRIBUTE_VALUE_CHANGE_EVENT", "INCIDENT_STATUS_CHANGE_EVENT", "INCIDENT_EVENT_TYPES",
           "TICKET_EVENT_TYPES", "TROUBLE_TICKET_SPEC", "TROUBLE_TICKET_NOTIFICATION_SPEC", "incident_path",
           "served_specs"]

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
# TroubleTicketEventType: one hub serves tickets and incidents, so a registration may name these;
# with no ticket built, none is ever sent
TICKET_EVENT_TYPES = ("troubleTicketAttributeValueChangeEvent", "troubleTicketInformationRequiredEvent",
                      "troubleTicketResolvedEvent", "troubleTicketStatusChangeEvent")

_NOT_SERVED = frozenset({
    ("GET", "/troubleTicket"), ("POST", "/troubleTicket"), ("GET", "/troubleTicket/{id}"),
    ("PATCH", "/troubleTicket/{id}"), ("POST", "/troubleTicket/{id}/cancel"), ("POST", "/troubleTicket/{id}/close"),
    ("POST", "/troubleTicket/{id}/reopen"),
})


def incident_path(incident_id: str) -> str:
    return f"{TROUBLE_TICKET_BASE}/incident/{incident_id}"


def served_specs() -> list[ServedSpec]:
    """The customers' listeners serve the notification file, not the BUS."""
    return [ServedSpec(TROUBLE_TICKET_SPEC, skip=_NOT_SERVED)]
