"""Trouble Ticket and Incident Management v4 (MEF 124) over SONATA: a Seller (a partner) serves
its trouble tickets to a Buyer (the SP) as CANTATA does to a customer, with the same payloads
and event types (interfaces/cantata/trouble_ticket.py), under the SONATA base paths.

A Seller built by Cadenza serves the ticket operations and the hub of the file; its incident
operations are not served over SONATA (docs/bus-profile.md, "Trouble tickets")."""

from __future__ import annotations

from pathlib import Path

from cadenza.core.openapi_validation import ServedSpec

__all__ = ["SONATA_TROUBLE_TICKET_BASE", "SONATA_TROUBLE_TICKET_LISTENER_BASE", "SONATA_TROUBLE_TICKET_API",
           "SONATA_TROUBLE_TICKET_SPEC", "SONATA_TROUBLE_TICKET_NOTIFICATION_SPEC", "INCIDENTS_NOT_SERVED",
           "served_specs"]

_SPECS = Path(__file__).parent / "openapi/productApi/troubleTicket"
SONATA_TROUBLE_TICKET_SPEC = _SPECS / "troubleTicketManagement.api.yaml"
SONATA_TROUBLE_TICKET_NOTIFICATION_SPEC = _SPECS / "troubleTicketNotification.api.yaml"

SONATA_TROUBLE_TICKET_BASE = "/mefApi/sonata/troubleTicket/v4"
SONATA_TROUBLE_TICKET_LISTENER_BASE = "/mefApi/sonata/troubleTicketNotification/v4"
SONATA_TROUBLE_TICKET_API = "sonata.troubleTicket"

# incidents of a Seller's network towards its Buyers (a provider buying from us) are not built
INCIDENTS_NOT_SERVED = frozenset({("GET", "/incident"), ("GET", "/incident/{id}")})


def served_specs() -> list[ServedSpec]:
    return [ServedSpec(SONATA_TROUBLE_TICKET_SPEC, skip=INCIDENTS_NOT_SERVED)]
