"""The order's chargeable side requests: modifying an item's requested delivery date, and
charges. Cadenza never charges for a change before completion, so the charge list is empty
and a delivery date change is accepted at once (state `done`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Response

from cadenza.bus.api import unprocessable_list
from cadenza.bus.delivery_date import date_changes, request_date_change
from cadenza.bus.product_order import Family
from cadenza.bus.runtime import Bus
from cadenza.core.auth import Principal
from cadenza.core.errors import NotFound, Unprocessable
from cadenza.core.paging import Page, Windows, date_windows, page_params, set_count_headers

__all__ = ["delivery_date_router"]


DATE_CHANGE_DATES = date_windows("requestedCompletionDate", "creationDate")


def delivery_date_router(bus: Bus, fam: Family, caller: Any) -> APIRouter:
    router = APIRouter()
    path = "/modifyProductOrderItemRequestedDeliveryDate"

    @router.post(path, status_code=201)
    def modify_delivery_date(response: Response, payload: Any = Body(...), principal: Principal = caller) -> Any:
        try:
            if not isinstance(payload, dict):
                raise Unprocessable("The body is a ModifyProductOrderItemRequestedDeliveryDate_Create object",
                                    code="invalidValue", property_path="/")
            with bus.database.transaction() as session:
                row = request_date_change(session, fam=fam, party=principal.party, payload=payload,
                                          href=f"{bus.public_url}{fam.order_base}{path}", wake=bus.wake)
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
