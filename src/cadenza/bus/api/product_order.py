"""Product Ordering Management (Cantata v5 / Sonata v10): thin routers over cadenza.bus."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Response

from cadenza.bus import fulfilment
from cadenza.bus.api import unprocessable_list
from cadenza.bus.api.delivery_date import delivery_date_router
from cadenza.bus.cancellation import request_cancellation
from cadenza.bus.ordering import accept_order
from cadenza.bus.product_order import TERMINAL, Family, cancellations, orders
from cadenza.bus.runtime import Bus
from cadenza.core.auth import Principal, require
from cadenza.core.errors import BadRequest, Conflict, NotFound, Unprocessable
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, Windows, date_windows, page_params, set_count_headers

__all__ = ["product_order_router", "ORDER_EVENT_TYPES", "SONATA_ORDER_EVENT_TYPES", "order_event_types"]

# The productOrderNotification events each family's hub offers: exactly those it publishes.
# The product-specific milestone is the Access E-Line's activation test (bus/fulfilment.py), sold
# over SONATA only; charges are never raised, so their events are not offered.
ORDER_EVENT_TYPES = ("productOrderStateChangeEvent", "productOrderItemStateChangeEvent",
                     "productOrderItemExpectedCompletionDateSet", "cancelProductOrderStateChangeEvent",
                     "modifyProductOrderItemRequestedDeliveryDateStateChangeEvent")
SONATA_ORDER_EVENT_TYPES = (*ORDER_EVENT_TYPES, "productSpecificProductOrderItemMilestoneEvent")


def order_event_types(fam: Family) -> tuple[str, ...]:
    return SONATA_ORDER_EVENT_TYPES if fam.name == "sonata" else ORDER_EVENT_TYPES


OrderState = Literal["acknowledged", "assessingCancellation", "cancelled", "completed", "failed",
                     "held.assessingCharge", "inProgress", "partial", "pending.assessingModification",
                     "pendingCancellation", "rejected"]


# MEFChargeableTaskStateType: the cancel and delivery-date requests' states.
ChargeableTaskState = Literal["acknowledged", "done", "done.declined", "inProgress.assessingCharge", "rejected"]
ORDER_DATES = date_windows("orderDate", "completionDate", "itemRequestedCompletionDate", "itemExpectedCompletionDate",
                           "cancellationDate")
UPDATABLE = ("externalId", "note", "projectId", "relatedContactInformation")


def _check_create(payload: Any) -> dict[str, Any]:
    """The spec's required structure, refused with the field named (the rest is business validation)."""
    if not isinstance(payload, dict):
        raise BadRequest("The body must be a ProductOrder_Create object")
    items = payload.get("productOrderItem")
    if not isinstance(items, list) or not items:
        raise Unprocessable("An order needs at least one productOrderItem", code="missingProperty",
                            property_path="/productOrderItem")
    if not isinstance(payload.get("relatedContactInformation"), list) or not payload["relatedContactInformation"]:
        raise Unprocessable("Name who to contact about the order in relatedContactInformation", code="missingProperty",
                            property_path="/relatedContactInformation")
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise Unprocessable("Each productOrderItem is an object", property_path=f"/productOrderItem/{n}")
        if not isinstance(item.get("id"), str) or not item["id"]:
            raise Unprocessable("Each item needs its 'id' (unique within the order)", code="missingProperty",
                                property_path=f"/productOrderItem/{n}/id")
        if item.get("action") not in ("add", "modify", "delete"):
            raise Unprocessable("action is one of add, modify, delete", code="invalidValue",
                                property_path=f"/productOrderItem/{n}/action")
    return payload


def product_order_router(bus: Bus, fam: Family, hubs: HubStore) -> APIRouter:
    router = APIRouter(prefix=fam.order_base, tags=[f"{fam.name} product ordering"])
    caller = Depends(require(fam.scope))

    @router.post("/productOrder", status_code=201)
    def create_product_order(response: Response, payload: Any = Body(...), principal: Principal = caller) -> Any:
        try:
            body = _check_create(payload)
            with bus.database.transaction() as session:
                row = accept_order(session, config=bus.config, rules=bus.rules, fam=fam, party=principal.party,
                                   payload=body, base_url=bus.public_url, wake=bus.wake)
                document = row.document
        except Unprocessable as exc:  # the spec's 422 is a list of Error422
            return unprocessable_list(exc)
        fulfilment.submit_order(bus, row.id)
        response.headers["Location"] = document["href"]
        return document

    @router.patch("/productOrder/{id}")
    def patch_product_order(id: str, payload: Any = Body(...), principal: Principal = caller) -> dict:  # noqa: A002
        if not isinstance(payload, dict):
            raise BadRequest("The body must be a ProductOrder_Update object")
        if "productOrderItem" in payload:
            raise Conflict("Order items cannot change once the order is accepted: place a modify order instead")
        with bus.database.transaction() as session:
            row = orders.get(session, id, principal.owner_filter)
            if row.state in TERMINAL:
                raise Conflict(f"Product order {id} is {row.state}; a finished order cannot be updated")
            document = {**row.document, **{k: payload[k] for k in UPDATABLE if k in payload}}
            orders.save(row, document)
            return document

    @router.get("/productOrder")
    def list_product_orders(response: Response, state: OrderState | None = None,
                            externalId: str | None = None, projectId: str | None = None,  # noqa: N803
                            dates: Windows = Depends(ORDER_DATES), page: Page = Depends(page_params),
                            principal: Principal = caller) -> list[dict]:
        with bus.database.read() as session:
            rows, total = orders.list(session, principal.owner_filter, state=state, offset=page.offset,
                                      limit=page.limit, family=fam.name,
                                      equal={"externalId": externalId, "projectId": projectId}, within=dates)
            documents = [r.document for r in rows]
        set_count_headers(response, total=total, returned=len(documents))
        return documents

    @router.get("/productOrder/{id}")
    def retrieve_product_order(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with bus.database.read() as session:
            return orders.get(session, id, principal.owner_filter).document

    @router.post("/cancelProductOrder", status_code=201)
    def create_cancel_product_order(response: Response, payload: Any = Body(...),
                                    principal: Principal = caller) -> Any:
        try:
            if not isinstance(payload, dict) or not (payload.get("productOrder") or {}).get("productOrderId"):
                raise Unprocessable("Name the order to cancel: productOrder/productOrderId", code="missingProperty",
                                    property_path="/productOrder/productOrderId")
            with bus.database.transaction() as session:
                request, _order = request_cancellation(session, fam=fam, party=principal.party, payload=payload,
                                                       wake=bus.wake, base_url=bus.public_url)
                document = request.document
        except NotFound as exc:
            return unprocessable_list(Unprocessable(exc.reason, code="referenceNotFound",
                                                    property_path="/productOrder/productOrderId"))
        except Unprocessable as exc:
            return unprocessable_list(exc)
        fulfilment.request_cancel(payload["productOrder"]["productOrderId"])
        response.headers["Location"] = document["href"]
        return document

    @router.get("/cancelProductOrder")
    def list_cancel_product_orders(response: Response, page: Page = Depends(page_params),
                                   productOrderId: str | None = None,  # noqa: N803 - spec names
                                   state: ChargeableTaskState | None = None,
                                   cancellationReasonType: Literal["technical",  # noqa: N803
                                                                   "commercial"] | None = None,
                                   principal: Principal = caller) -> list[dict]:
        with bus.database.read() as session:
            rows, total = cancellations.list(session, principal.owner_filter, offset=page.offset, limit=page.limit,
                                             family=fam.name, state=state,
                                             equal={"productOrderId": productOrderId,
                                                    "cancellationReasonType": cancellationReasonType})
            documents = [r.document for r in rows]
        set_count_headers(response, total=total, returned=len(documents))
        return documents

    @router.get("/cancelProductOrder/{id}")
    def retrieve_cancel_product_order(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with bus.database.read() as session:
            return cancellations.get(session, id, principal.owner_filter).document

    router.include_router(delivery_date_router(bus, fam, caller))
    router.include_router(hub_router(api=fam.events_api, base_path="", scope=fam.scope,
                                     event_types=set(order_event_types(fam)), hub_store=hubs))
    return router
