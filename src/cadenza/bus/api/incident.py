"""Trouble Ticket and Incident Management v4 over CANTATA, the incident part (MEF 124 use cases
15-16) and the hub: a customer lists and retrieves the incidents on its own products and hears
of them (docs/bus-profile.md, "Incidents"). Thin: parse, authorise, query, render."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response

from cadenza.bus.incident.store import DATES, incidents
from cadenza.bus.incident.views import incident_find_view
from cadenza.bus.runtime import Bus
from cadenza.core.auth import Principal, require
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, Windows, date_windows, page_params, set_count_headers
from cadenza.interfaces.cantata.trouble_ticket import (
    INCIDENT_EVENT_TYPES,
    TICKET_EVENT_TYPES,
    TROUBLE_TICKET_API,
    TROUBLE_TICKET_BASE,
)

__all__ = ["incident_router"]

INCIDENT_DATES = date_windows(*DATES)


def incident_router(bus: Bus, hub_store: HubStore) -> APIRouter:
    router = APIRouter(prefix=TROUBLE_TICKET_BASE, tags=["cantata incident"])
    caller = Depends(require("cantata"))

    @router.get("/incident", operation_id="cantata.listIncident", summary="List or find Incident objects")
    def list_incidents(response: Response, page: Page = Depends(page_params), dates: Windows = Depends(INCIDENT_DATES),
                       priority: str | None = None, severity: str | None = None, impact: str | None = None,
                       incident_type: str | None = Query(None, alias="incidentType"), status: str | None = None,
                       related_entity_id: str | None = Query(None, alias="relatedEntityId"),
                       related_entity_type: str | None = Query(None, alias="relatedEntityType"),
                       principal: Principal = caller) -> list[dict]:
        # buyerId and sellerId select nothing: the domain is one seller, a caller sees its own only
        equal = {"priority": priority, "severity": severity, "impact": impact, "incidentType": incident_type,
                 "relatedEntityId": related_entity_id, "relatedEntityType": related_entity_type}
        with bus.database.read() as session:
            rows, total = incidents.list(session, principal.owner_filter, state=status, offset=page.offset,
                                         limit=page.limit, family="cantata", equal=equal, within=dates)
            found = [incident_find_view(row.document) for row in rows]
        set_count_headers(response, total=total, returned=len(found))
        return found

    @router.get("/incident/{id}", operation_id="cantata.retrieveIncident", summary="Retrieves an Incident by ID")
    def retrieve_incident(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with bus.database.read() as session:
            return incidents.get(session, id, principal.owner_filter).document

    # One hub for tickets and incidents (bus/api/trouble_ticket.py serves the tickets).
    router.include_router(hub_router(api=TROUBLE_TICKET_API, base_path="", scope="cantata",
                                     event_types=(*INCIDENT_EVENT_TYPES, *TICKET_EVENT_TYPES), hub_store=hub_store))
    return router
