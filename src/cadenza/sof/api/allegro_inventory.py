"""ALLEGRO Service Inventory v2 (Customer -> SOF): a customer's services, and only theirs
(those whose LEGATO order named it as the customer), with the hub for their events. Requests
are checked against the official file before these routes run (core/request_guard.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import Select, select

from cadenza.core.auth import Principal, require
from cadenza.core.errors import NotFound
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, page_params, paginate, paginate_query, within
from cadenza.interfaces.allegro.inventory_paths import INVENTORY_API, INVENTORY_BASE, INVENTORY_EVENT_TYPES
from cadenza.sof.channels import ALLEGRO
from cadenza.sof.customer_view import customer_service_view
from cadenza.sof.rows import ServiceOrderItemRow, ServiceOrderRow, ServiceRow
from cadenza.sof.service import Sof

__all__ = ["allegro_inventory_router"]

SCOPE = "allegro"
Moment = Annotated[datetime | None, Query()]


def allegro_inventory_router(sof: Sof, *, hub_store: HubStore) -> APIRouter:
    router = APIRouter(prefix=INVENTORY_BASE, tags=["ALLEGRO service inventory"])
    caller = Depends(require(SCOPE))

    def mine(principal: Principal) -> Select[tuple[ServiceRow]]:
        query = select(ServiceRow).where(ServiceRow.customer.is_not(None))
        if principal.owner_filter is not None:
            query = query.where(ServiceRow.customer == principal.owner_filter)
        return query

    @router.get("/service")
    def list_service(response: Response, state: str | None = None,  # noqa: PLR0913 - the spec's filters
                     service_type: Annotated[str | None, Query(alias="serviceType")] = None,
                     start_before: Annotated[datetime | None, Query(alias="startDate.lt")] = None,
                     start_after: Annotated[datetime | None, Query(alias="startDate.gt")] = None,
                     end_before: Annotated[datetime | None, Query(alias="endDate.lt")] = None,
                     end_after: Annotated[datetime | None, Query(alias="endDate.gt")] = None,
                     order_id: Annotated[str | None, Query(alias="serviceOrder.id")] = None,
                     order_item_id: Annotated[str | None, Query(alias="serviceOrderItem.id")] = None,
                     external_id: Annotated[str | None, Query(alias="externalId")] = None,
                     type_: Annotated[str | None, Query(alias="@type")] = None,
                     page: Page = Depends(page_params), principal: Principal = caller) -> list[dict]:
        query = mine(principal)
        if state is not None:
            query = query.where(ServiceRow.state == state)
        if service_type is not None:
            query = query.where(ServiceRow.service_type == service_type)
        query = within(query, ServiceRow.start_date, (start_after, start_before))
        query = within(query, ServiceRow.end_date, (end_after, end_before))
        if order_id or order_item_id:
            # the customer's own ALLEGRO service orders (its changes): the services their items name
            items = select(ServiceOrderItemRow.service_id).join(
                ServiceOrderRow, ServiceOrderRow.id == ServiceOrderItemRow.order_id).where(
                ServiceOrderRow.interface == ALLEGRO)
            if principal.owner_filter is not None:
                items = items.where(ServiceOrderRow.party == principal.owner_filter)
            if order_id:
                items = items.where(ServiceOrderItemRow.order_id == order_id)
            if order_item_id:
                items = items.where(ServiceOrderItemRow.item_id == order_item_id)
            query = query.where(ServiceRow.id.in_(items))
        if external_id:
            # the external id SOF holds is the BUS's, not the customer's: nothing the customer names matches
            query = query.where(False)
        query = query.order_by(ServiceRow.created_at, ServiceRow.id)
        with sof.database.read() as session:
            if type_ is None:
                return [customer_service_view(row) for row in paginate_query(session, query, page, response)]
            # the @type lives in the MEF document: a customer's few services are filtered here, then paged
            found = [customer_service_view(row) for row in session.scalars(query)]
        return paginate([s for s in found if s["serviceConfiguration"].get("@type") == type_], page, response)

    @router.get("/service/{id}")
    def get_service(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            row = session.scalars(mine(principal).where(ServiceRow.id == id)).first()
            if row is None:
                raise NotFound(f"No service with id '{id}' for this customer")
            return customer_service_view(row)

    router.include_router(hub_router(api=INVENTORY_API, base_path="", scope=SCOPE, event_types=INVENTORY_EVENT_TYPES,
                                     hub_store=hub_store))
    return router

