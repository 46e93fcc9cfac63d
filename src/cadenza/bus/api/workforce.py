"""Work Order Management and Appointment Management v2 (MEF 137): over CANTATA for the SP's
customers, over SONATA for a provider buying from this domain. A buyer sees and touches only the
work orders and appointments of its own tickets (docs/bus-profile.md, "Field work"). Thin:
parse, authorise, call bus/workforce/booking.py, render."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Response

from cadenza.bus.rows import BusResourceRow
from cadenza.bus.workforce import booking
from cadenza.bus.workforce.apis import WorkforceApi
from cadenza.bus.workforce.force import Workforce
from cadenza.bus.workforce.store import appointments, work_orders
from cadenza.bus.workforce.views import (
    appointment_find_view,
    appointment_view,
    work_order_find_view,
    work_order_view,
)
from cadenza.core.auth import Principal, require
from cadenza.core.errors import NotFound
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, page_params, set_count_headers
from cadenza.interfaces.cantata.workforce import APPOINTMENT_EVENT_TYPES, WORK_ORDER_EVENT_TYPES

__all__ = ["work_order_router", "appointment_router"]


def _of_family(row: BusResourceRow, api: WorkforceApi, label: str, resource_id: str) -> BusResourceRow:
    if row.family != api.family:  # one opened over the other family is not one this API serves
        raise NotFound(f"No {label} with id '{resource_id}'")
    return row


def work_order_router(workforce: Workforce, api: WorkforceApi, hub_store: HubStore) -> APIRouter:
    router = APIRouter(prefix=api.work_order_base, tags=[f"{api.family} work order"])
    caller = Depends(require(api.scope))
    database = workforce.database

    @router.get("/workorder/{id}", operation_id=f"{api.family}.retrieveWorkOrder")
    def retrieve_work_order(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with database.read() as session:
            row = _of_family(work_orders.get(session, id, principal.owner_filter), api, "work order", id)
            return work_order_view(row.document)

    # The file answers one WorkOrder_Find; its guide (use case 13, R51) and every other list
    # operation answer a list of them, as this one does (docs/bus-profile.md, "Field work").
    @router.get("/workorder", operation_id=f"{api.family}.listWorkOrder")
    def list_work_orders(response: Response, page: Page = Depends(page_params), state: str | None = None,
                         site_id: str | None = Query(None, alias="geographicalSiteId"),
                         address_id: str | None = Query(None, alias="geographicalAddressId"),
                         related_entity_type: str | None = Query(None, alias="relatedEntityType"),
                         related_entity_id: str | None = Query(None, alias="relatedEntityId"),
                         appointment_required: bool | None = Query(None, alias="appointmentRequired"),
                         principal: Principal = caller) -> list[dict]:
        equal = {"geographicSiteId": site_id, "geographicAddressId": address_id,
                 "relatedEntityType": related_entity_type, "relatedEntityId": related_entity_id,
                 "appointmentRequired": appointment_required}
        with database.read() as session:
            rows, total = work_orders.list(session, principal.owner_filter, state=state, offset=page.offset,
                                           limit=page.limit, family=api.family, equal=equal)
            found = [work_order_find_view(row.document) for row in rows]
        set_count_headers(response, total=total, returned=len(found))
        return found

    router.include_router(hub_router(api=api.work_order_api, base_path="", scope=api.scope,
                                     event_types=WORK_ORDER_EVENT_TYPES, hub_store=hub_store))
    return router


def appointment_router(workforce: Workforce, api: WorkforceApi, hub_store: HubStore) -> APIRouter:
    router = APIRouter(prefix=api.appointment_base, tags=[f"{api.family} appointment"])
    caller = Depends(require(api.scope))
    database = workforce.database

    def _mine(session: Any, appointment_id: str, principal: Principal) -> BusResourceRow:
        row = appointments.get(session, appointment_id, principal.owner_filter, for_update=True)
        return _of_family(row, api, "appointment", appointment_id)

    @router.post("/searchTimeSlot", status_code=201, operation_id=f"{api.family}.createSearchTimeSlot")
    def search_time_slot(payload: Any = Body(...), principal: Principal = caller) -> dict:
        with database.read() as session:
            return booking.search_time_slot(session, workforce, api, principal.party, payload)

    @router.post("/appointment", status_code=201, operation_id=f"{api.family}.createAppointment")
    def create_appointment(payload: Any = Body(...), principal: Principal = caller) -> dict:
        with database.transaction() as session:
            return appointment_view(booking.create_appointment(session, workforce, api, principal.party,
                                                               payload).document)

    @router.get("/appointment", operation_id=f"{api.family}.listAppointment")
    def list_appointments(response: Response, page: Page = Depends(page_params), status: str | None = None,
                          work_order_id: str | None = Query(None, alias="workOrderId"),
                          after: datetime | None = Query(None, alias="validFor.gt"),
                          before: datetime | None = Query(None, alias="validFor.lt"),
                          site_id: str | None = Query(None, alias="geographicSiteId"),
                          address_id: str | None = Query(None, alias="geographicAddressId"),
                          principal: Principal = caller) -> list[dict]:
        equal = {"workOrderId": work_order_id, "geographicSiteId": site_id, "geographicAddressId": address_id}
        with database.read() as session:
            rows, total = appointments.list(session, principal.owner_filter, state=status, offset=page.offset,
                                            limit=page.limit, family=api.family, equal=equal,
                                            within={"validForStart": (after, None), "validForEnd": (None, before)})
            found = [appointment_find_view(row.document) for row in rows]
        set_count_headers(response, total=total, returned=len(found))
        return found

    @router.get("/appointment/{id}", operation_id=f"{api.family}.retrieveAppointment")
    def retrieve_appointment(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with database.read() as session:
            row = _of_family(appointments.get(session, id, principal.owner_filter), api, "appointment", id)
            return appointment_view(row.document)

    @router.patch("/appointment/{id}", operation_id=f"{api.family}.patchAppointment")
    def patch_appointment(id: str, payload: Any = Body(...), principal: Principal = caller) -> dict:  # noqa: A002
        with database.transaction() as session:
            row = _mine(session, id, principal)
            booking.patch_appointment(session, workforce, row, payload)
            return appointment_view(row.document)

    @router.post("/appointment/{id}/cancel", status_code=204, operation_id=f"{api.family}.cancelAppointment")
    def cancel_appointment(id: str, principal: Principal = caller) -> Response:  # noqa: A002
        with database.transaction() as session:
            booking.cancel_appointment(session, workforce, _mine(session, id, principal))
        return Response(status_code=204)

    router.include_router(hub_router(api=api.appointment_api, base_path="", scope=api.scope,
                                     event_types=APPOINTMENT_EVENT_TYPES, hub_store=hub_store))
    return router
