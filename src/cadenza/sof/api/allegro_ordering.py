"""ALLEGRO Service Ordering v1 (Customer -> SOF, MEF 55.0.1 §10.3 step 2): a customer changes
its own live services (`modify` items) within the bounds of their products, follows its orders
and hears their events on its listener. Requests are checked against the official file before
these routes run (core/request_guard.py); the rules are in sof/control/change_request.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.core.auth import Principal, require
from cadenza.core.errors import Unprocessable
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, page_params, paginate_query, within
from cadenza.interfaces.allegro.ordering_paths import ORDER_EVENT_TYPES, ORDERING_API, ORDERING_BASE
from cadenza.sof.api.orders import JSON, parse_order
from cadenza.sof.channels import ALLEGRO
from cadenza.sof.control import schedule
from cadenza.sof.control.change_request import accept_change, hand_over
from cadenza.sof.rows import ServiceOrderRow
from cadenza.sof.service import Sof
from cadenza.sof.views import order_view

__all__ = ["allegro_ordering_router"]

SCOPE = "allegro"
Moment = Annotated[datetime | None, Query()]


def allegro_ordering_router(sof: Sof, *, hub_store: HubStore) -> APIRouter:
    router = APIRouter(prefix=ORDERING_BASE, tags=["ALLEGRO service ordering"])
    caller = Depends(require(SCOPE))

    def render_in(session: Session, order_id: str, party: str | None) -> dict[str, Any]:
        order = sof.order(session, order_id, party, ALLEGRO)
        items = sof.items(session, order.id)
        return order_view(order, items, {i.service_id: sof.service(session, i.service_id, None) for i in items})

    @router.post("/serviceOrder", status_code=201, response_model=None, operation_id="allegro.createServiceOrder")
    def create_service_order(payload: Any = Body(..., media_type=JSON),  # noqa: ANN401 - validated by the guard
                             principal: Principal = caller) -> dict | JSONResponse:
        try:
            order = accept_change(sof, principal.party, principal.owner_filter, parse_order(payload))
        except Unprocessable as exc:
            return JSONResponse([exc.body()], status_code=422)  # the spec's list of Error422
        with sof.database.read() as session:  # as accepted: fulfilment may move it on before the reply
            accepted = render_in(session, order.id, None)
        hand_over(sof, order.id)
        return accepted

    @router.post("/serviceOrder/{id}/cancel", response_model=None, operation_id="allegro.cadenzaCancelServiceOrder",
                 summary="Cadenza profile: cancel a change still waiting for its requestedStartDate")
    def cancel_service_order(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        schedule.cancel(sof, id, principal.owner_filter)
        with sof.database.read() as session:
            return render_in(session, id, None)

    @router.get("/serviceOrder", operation_id="allegro.listServiceOrder")
    def list_service_order(response: Response, state: str | None = None,  # noqa: PLR0913 - the spec's filters
                           order_after: Annotated[datetime | None, Query(alias="orderDate.gt")] = None,
                           order_before: Annotated[datetime | None, Query(alias="orderDate.lt")] = None,
                           completion_after: Annotated[datetime | None, Query(alias="completionDate.gt")] = None,
                           completion_before: Annotated[datetime | None, Query(alias="completionDate.lt")] = None,
                           expected_after: Annotated[datetime | None, Query(alias="expectedCompletionDate.gt")] = None,
                           expected_before: Annotated[datetime | None,
                                                      Query(alias="expectedCompletionDate.lt")] = None,
                           start_after: Annotated[datetime | None, Query(alias="startDate.gt")] = None,
                           start_before: Annotated[datetime | None, Query(alias="startDate.lt")] = None,
                           page: Page = Depends(page_params), principal: Principal = caller) -> list[dict]:
        query = select(ServiceOrderRow).where(ServiceOrderRow.interface == ALLEGRO)
        if principal.owner_filter is not None:
            query = query.where(ServiceOrderRow.party == principal.owner_filter)
        if state is not None:
            query = query.where(ServiceOrderRow.state == state)
        query = within(query, ServiceOrderRow.order_date, (order_after, order_before))
        query = within(query, ServiceOrderRow.completion_date, (completion_after, completion_before))
        query = within(query, ServiceOrderRow.start_date, (start_after, start_before))
        if expected_after is not None or expected_before is not None:
            query = query.where(False)  # a change is applied at once: the SOF gives no expected completion date
        query = query.order_by(ServiceOrderRow.order_date, ServiceOrderRow.id)
        with sof.database.read() as session:
            return [render_in(session, row.id, None) for row in paginate_query(session, query, page, response)]

    @router.get("/serviceOrder/{id}", operation_id="allegro.retrieveServiceOrder")
    def retrieve_service_order(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            return render_in(session, id, principal.owner_filter)

    router.include_router(hub_router(api=ORDERING_API, base_path="", scope=SCOPE, event_types=ORDER_EVENT_TYPES,
                                     hub_store=hub_store))
    return router
