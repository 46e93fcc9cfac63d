"""Trouble Ticket and Incident Management v4, the trouble ticket part (MEF 124 Table 4, use
cases 1-6): over CANTATA for the SP's customers, over SONATA for a provider buying from this
domain (the SP at its partner). A buyer sees and touches its own tickets only
(docs/bus-profile.md, "Trouble tickets"). Thin: parse, authorise, call the desk, render."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Response

from cadenza.bus.runtime import Bus
from cadenza.bus.trouble import desk as trouble
from cadenza.bus.trouble.store import DATES, tickets
from cadenza.bus.trouble.ticket import TicketApi
from cadenza.bus.trouble.views import ticket_find_view
from cadenza.core.auth import Principal, require
from cadenza.core.errors import NotFound
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, Windows, date_windows, page_params, set_count_headers
from cadenza.interfaces.cantata.trouble_ticket import TICKET_EVENT_TYPES

__all__ = ["trouble_ticket_router"]

TICKET_DATES = date_windows(*DATES)


def trouble_ticket_router(bus: Bus, desk: trouble.TroubleDesk, api: TicketApi,
                          hub_store: HubStore | None = None) -> APIRouter:
    """`hub_store`: serve the API's hub here too (over CANTATA the incident router serves the
    one hub of tickets and incidents)."""
    router = APIRouter(prefix=api.base, tags=[f"{api.family} trouble ticket"])
    caller = Depends(require(api.scope))

    @router.post("/troubleTicket", status_code=201, operation_id=f"{api.family}.createTroubleTicket")
    def create_trouble_ticket(payload: Any = Body(...), principal: Principal = caller) -> dict:
        with bus.database.transaction() as session:
            return trouble.open_ticket(session, desk, api, principal.party, payload).document

    @router.get("/troubleTicket", operation_id=f"{api.family}.listTroubleTicket")
    def list_trouble_tickets(response: Response, page: Page = Depends(page_params),
                             dates: Windows = Depends(TICKET_DATES), status: str | None = None,
                             external_id: str | None = Query(None, alias="externalId"),
                             priority: str | None = None, severity: str | None = None,
                             seller_priority: str | None = Query(None, alias="sellerPriority"),
                             seller_severity: str | None = Query(None, alias="sellerSeverity"),
                             ticket_type: str | None = Query(None, alias="ticketType"),
                             observed_impact: str | None = Query(None, alias="observedImpact"),
                             related_entity_id: str | None = Query(None, alias="relatedEntityId"),
                             related_entity_type: str | None = Query(None, alias="relatedEntityType"),
                             principal: Principal = caller) -> list[dict]:
        # buyerId and sellerId select nothing: the domain is one seller, a caller sees its own only
        equal = {"externalId": external_id, "priority": priority, "sellerPriority": seller_priority,
                 "severity": severity, "sellerSeverity": seller_severity, "ticketType": ticket_type,
                 "observedImpact": observed_impact, "relatedEntityId": related_entity_id,
                 "relatedEntityType": related_entity_type}
        with bus.database.read() as session:
            rows, total = tickets.list(session, principal.owner_filter, state=status, offset=page.offset,
                                       limit=page.limit, family=api.family, equal=equal, within=dates)
            found = [ticket_find_view(row.document) for row in rows]
        set_count_headers(response, total=total, returned=len(found))
        return found

    def _mine(session: Any, ticket_id: str, principal: Principal) -> Any:
        row = tickets.get(session, ticket_id, principal.owner_filter, for_update=True)
        if row.family != api.family:
            raise tickets_not_found(ticket_id)
        return row

    @router.get("/troubleTicket/{id}", operation_id=f"{api.family}.retrieveTroubleTicket")
    def retrieve_trouble_ticket(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with bus.database.read() as session:
            row = tickets.get(session, id, principal.owner_filter)
            if row.family != api.family:
                raise tickets_not_found(id)
            return row.document

    @router.patch("/troubleTicket/{id}", operation_id=f"{api.family}.patchTroubleTicket")
    def patch_trouble_ticket(id: str, payload: Any = Body(...), principal: Principal = caller) -> dict:  # noqa: A002
        with bus.database.transaction() as session:
            row = _mine(session, id, principal)
            trouble.patch_ticket(session, desk, row, payload)
            return row.document

    @router.post("/troubleTicket/{id}/cancel", status_code=204, operation_id=f"{api.family}.cancelTroubleTicket")
    def cancel_trouble_ticket(id: str, principal: Principal = caller) -> Response:  # noqa: A002
        with bus.database.transaction() as session:
            trouble.cancel(session, desk, _mine(session, id, principal))
        return Response(status_code=204)

    @router.post("/troubleTicket/{id}/close", status_code=204, operation_id=f"{api.family}.closeTroubleTicket")
    def close_trouble_ticket(id: str, principal: Principal = caller) -> Response:  # noqa: A002
        with bus.database.transaction() as session:
            trouble.close(session, desk, _mine(session, id, principal))
        return Response(status_code=204)

    @router.post("/troubleTicket/{id}/reopen", status_code=204, operation_id=f"{api.family}.reopenTroubleTicket")
    def reopen_trouble_ticket(id: str, payload: Any = Body(...), principal: Principal = caller) -> Response:  # noqa: A002
        with bus.database.transaction() as session:
            trouble.reopen(session, desk, _mine(session, id, principal), payload["reason"])
        return Response(status_code=204)

    if hub_store is not None:
        router.include_router(hub_router(api=api.api, base_path="", scope=api.scope, event_types=TICKET_EVENT_TYPES,
                                         hub_store=hub_store))
    return router


def tickets_not_found(ticket_id: str) -> NotFound:
    # a ticket opened over the other family is not one this API serves
    return NotFound(f"No trouble ticket with id '{ticket_id}'")
