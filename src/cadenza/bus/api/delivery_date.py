"""The order's chargeable side requests: modifying an item's requested delivery date, and
charges. Cadenza never charges for a change before completion, so the charge list is empty
and a delivery date change is accepted at once (state `done`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Response

from cadenza.bus.api import unprocessable_list
from cadenza.bus.keys import date_change_keys
from cadenza.bus.product_order import TERMINAL, Family, orders
from cadenza.bus.runtime import Bus
from cadenza.bus.store import ResourceStore
from cadenza.core.auth import Principal
from cadenza.core.clock import iso
from cadenza.core.errors import NotFound, Unprocessable
from cadenza.core.ids import new_id
from cadenza.core.paging import Page, Windows, date_windows, page_params, set_count_headers

__all__ = ["delivery_date_router", "date_changes"]

date_changes = ResourceStore("modifyDeliveryDate", label="delivery date change request",
                             keys=date_change_keys)

DATE_CHANGE_DATES = date_windows("requestedCompletionDate", "creationDate")


def delivery_date_router(bus: Bus, fam: Family, caller: Any) -> APIRouter:
    router = APIRouter()
    path = "/modifyProductOrderItemRequestedDeliveryDate"

    @router.post(path, status_code=201)
    def modify_delivery_date(response: Response, payload: Any = Body(...), principal: Principal = caller) -> Any:
        try:
            ref = (payload or {}).get("productOrderItem") if isinstance(payload, dict) else None
            if not isinstance(ref, dict) or not ref.get("productOrderId") or not ref.get("productOrderItemId"):
                raise Unprocessable("Name the item: productOrderItem/productOrderId and productOrderItemId",
                                    code="missingProperty", property_path="/productOrderItem")
            with bus.database.transaction() as session:
                try:
                    order = orders.get(session, ref["productOrderId"], principal.party)
                except NotFound as exc:
                    raise Unprocessable(exc.reason, code="referenceNotFound",
                                        property_path="/productOrderItem/productOrderId") from exc
                items = [dict(i) for i in order.document["productOrderItem"]]
                target = next((i for i in items if i["id"] == ref["productOrderItemId"]), None)
                if target is None:
                    raise Unprocessable(f"Order {order.id} has no item '{ref['productOrderItemId']}'",
                                        code="referenceNotFound", property_path="/productOrderItem/productOrderItemId")
                if order.state in TERMINAL:
                    raise Unprocessable(f"Order {order.id} is {order.state}: its dates can no longer change",
                                        property_path="/productOrderItem/productOrderId")
                for key in ("requestedCompletionDate", "expediteIndicator"):
                    if key in payload:
                        target[key] = payload[key]
                orders.save(order, {**order.document, "productOrderItem": items})
                change_id = new_id()
                row = date_changes.add(session, family=fam.name, owner=principal.party, state="done",
                                       resource_id=change_id, document={
                    **{k: payload[k] for k in ("requestedCompletionDate", "expediteIndicator") if k in payload},
                    "id": change_id, "href": f"{bus.public_url}{fam.order_base}{path}/{change_id}",
                    "creationDate": iso(), "state": "done", "productOrderItem": ref})
                document = row.document
        except Unprocessable as exc:
            return unprocessable_list(exc)
        response.headers["Location"] = document["href"]
        return document

    @router.get(path)
    def list_delivery_date_changes(response: Response, page: Page = Depends(page_params),
                                   productOrderId: str | None = None,  # noqa: N803 - spec names
                                   state: Literal["acknowledged", "done", "done.declined", "inProgress.assessingCharge",
                                                  "rejected"] | None = None,
                                   expediteIndicator: bool | None = None,  # noqa: N803
                                   dates: Windows = Depends(DATE_CHANGE_DATES),
                                   principal: Principal = caller) -> list[dict]:
        with bus.database.read() as session:
            rows, total = date_changes.list(session, principal.owner_filter, family=fam.name, state=state,
                                            offset=page.offset, limit=page.limit, within=dates,
                                            equal={"productOrderId": productOrderId,
                                                   "expediteIndicator": expediteIndicator})
            documents = [r.document for r in rows]
        set_count_headers(response, total=total, returned=len(documents))
        return documents

    @router.get(path + "/{id}")
    def get_delivery_date_change(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with bus.database.transaction() as session:
            return date_changes.get(session, id, principal.owner_filter).document

    @router.get("/charge")
    def list_charges(response: Response, _principal: Principal = caller) -> list[dict]:
        set_count_headers(response, total=0, returned=0)
        return []

    @router.get("/charge/{id}")
    def get_charge(id: str, _principal: Principal = caller) -> dict:  # noqa: A002
        raise NotFound(f"No charge with id '{id}': this seller raises no charges before completion")

    @router.patch("/charge/{id}")
    def patch_charge(id: str, _principal: Principal = caller) -> dict:  # noqa: A002
        raise NotFound(f"No charge with id '{id}': this seller raises no charges before completion")

    return router
