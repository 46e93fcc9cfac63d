"""The service ordering and inventory routes, shared by LEGATO and the INTERLUDE profile
(the same Legato payloads at each reference point's base paths). Thin: parse, authorise,
call the SOF, render."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from cadenza.core.auth import Principal, require
from cadenza.core.errors import Unprocessable
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, page_params, paginate_query
from cadenza.interfaces.legato.models import ServiceOrderCreate
from cadenza.interfaces.legato.paths import ORDER_EVENT_TYPES, SERVICE_EVENT_TYPES
from cadenza.sof import fulfilment
from cadenza.sof.channels import ORDERS, SERVICES
from cadenza.sof.service import Sof
from cadenza.sof.views import order_view, service_view

__all__ = ["ordering_router", "parse_order", "JSON"]

JSON = "application/json;charset=utf-8"


def parse_order(payload: Any) -> ServiceOrderCreate:  # noqa: ANN401 - JSON as received
    try:
        return ServiceOrderCreate.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/" + "/".join(str(p) for p in first["loc"])
        raise Unprocessable(f"{where}: {first['msg']}", property_path=where,
                            code="missingProperty" if first["type"] == "missing" else "invalidValue") from exc


def ordering_router(sof: Sof, interface: str, *, scope: str, tag: str,
                   hub_store: HubStore | None = None) -> APIRouter:
    orders_base, services_base = ORDERS[interface].base_path, SERVICES[interface].base_path
    router = APIRouter(tags=[tag])
    caller = Depends(require(scope))

    def render_in(session: Session, order_id: str, party: str | None) -> dict[str, Any]:
        order = sof.order(session, order_id, party, interface)
        items = sof.items(session, order.id)
        services = {i.service_id: sof.service(session, i.service_id, None) for i in items}
        return order_view(order, items, services)

    def render(order_id: str, party: str | None) -> dict[str, Any]:
        with sof.database.read() as session:
            return render_in(session, order_id, party)

    @router.post(f"{orders_base}/serviceOrder", status_code=201, response_model=None,
                 operation_id=f"{interface}.createServiceOrder")
    def create_service_order(payload: Any = Body(..., media_type=JSON),
                             principal: Principal = caller) -> dict | JSONResponse:
        try:
            order = sof.accept(interface, principal.party, parse_order(payload))
        except Unprocessable as exc:
            # createServiceOrder is the one Legato operation whose 422 body is a list of errors
            return JSONResponse([exc.body()], status_code=422)
        # the reply shows the order as accepted; read before fulfilment starts, which may move
        # it on before the reply is written
        accepted = render(order.id, None)
        fulfilment.submit(sof, order.id)
        return accepted

    @router.get(f"{orders_base}/serviceOrder", operation_id=f"{interface}.listServiceOrder")
    def list_service_order(response: Response, page: Page = Depends(page_params), state: str | None = None,
                           external_id: str | None = Query(None, alias="externalId"),
                           principal: Principal = caller) -> list[dict]:
        query = sof.orders(principal.owner_filter, interface, {"state": state, "externalId": external_id})
        with sof.database.read() as session:  # one read for the page: its orders as of one moment
            return [render_in(session, row.id, None) for row in paginate_query(session, query, page, response)]

    @router.get(f"{orders_base}/serviceOrder/{{id}}", operation_id=f"{interface}.retrieveServiceOrder")
    def retrieve_service_order(id: str, principal: Principal = caller) -> dict:
        return render(id, principal.owner_filter)

    @router.post(f"{orders_base}/serviceOrder/{{id}}/cancel", operation_id=f"{interface}.cadenzaCancelServiceOrder",
                 summary="Cadenza profile: cancel an order still in progress")
    def cancel_service_order(id: str, principal: Principal = caller) -> dict:
        sof.cancel(id, principal.owner_filter, interface)
        return render(id, None)

    @router.get(f"{services_base}/service", operation_id=f"{interface}.listService")
    def list_service(response: Response, page: Page = Depends(page_params), state: str | None = None,
                     service_type: str | None = Query(None, alias="serviceType"),
                     external_id: str | None = Query(None, alias="externalId"),
                     order_id: str | None = Query(None, alias="serviceOrder.id"),
                     principal: Principal = caller) -> list[dict]:
        query = sof.services(principal.owner_filter, interface, {
            "state": state, "serviceType": service_type, "externalId": external_id, "serviceOrder.id": order_id})
        with sof.database.read() as session:
            return [service_view(row) for row in paginate_query(session, query, page, response)]

    @router.get(f"{services_base}/service/{{id}}", operation_id=f"{interface}.retrieveService")
    def retrieve_service(id: str, principal: Principal = caller) -> dict:
        with sof.database.read() as session:
            return service_view(sof.service(session, id, principal.owner_filter, interface))

    hubs = hub_store or HubStore(sof.database)
    router.include_router(hub_router(api=ORDERS[interface].api, base_path=orders_base, scope=scope,
                                     event_types=ORDER_EVENT_TYPES, hub_store=hubs))
    router.include_router(hub_router(api=SERVICES[interface].api, base_path=services_base, scope=scope,
                                     event_types=SERVICE_EVENT_TYPES, hub_store=hubs))
    return router
