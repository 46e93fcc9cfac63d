"""The Product Offering Qualification API (MEF 87 SONATA v7, CANTATA v1) with its hub.

    app.include_router(poq_router(qualifications, hub_store))   # family from the service

A customer (CANTATA) or buying provider (SONATA) sees only its own POQs; an operator sees all.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Response, params
from fastapi.responses import JSONResponse

from cadenza.bus.api import answer
from cadenza.bus.poq import Qualifications
from cadenza.core.auth import Principal, require
from cadenza.core.errors import BadRequest
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.listener import EventHandler, listener_router
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, Windows, date_windows, page_params, set_count_headers
from cadenza.interfaces.sonata.paths import POQ_EVENTS, Family, poq_base, poq_listener_base

__all__ = ["poq_router", "poq_listener"]

PoqState = Literal["acknowledged", "terminatedWithError", "inProgress", "done.unableToProvide", "done.ready"]

POQ_DATES = date_windows("requestedPOQCompletionDate")


def _object(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise BadRequest("The request body must be a JSON object (a ProductOfferingQualification_Create)")
    return payload


def poq_router(qualifications: Qualifications, hub_store: HubStore) -> APIRouter:
    family = qualifications.family
    base = poq_base(family)
    caller = require(family)
    router = APIRouter(tags=["productOfferingQualification"])

    @router.post(f"{base}/productOfferingQualification", status_code=201,
                 operation_id=f"{family}.createProductOfferingQualification")
    def create_poq(payload: Any = Body(...), principal: Principal = Depends(caller)) -> JSONResponse:
        return answer(lambda: qualifications.create(_object(payload), party=principal.party), status=201)

    @router.get(f"{base}/productOfferingQualification", operation_id=f"{family}.listProductOfferingQualification")
    def list_poq(response: Response, page: Page = Depends(page_params),
                 state: PoqState | None = None,
                 externalId: str | None = None, projectId: str | None = None,  # noqa: N803 - spec names
                 dates: Windows = Depends(POQ_DATES),
                 principal: Principal = Depends(caller)) -> list[dict[str, Any]]:
        items, total = qualifications.list(party=principal.owner_filter, state=state, offset=page.offset,
                                           limit=page.limit, filters={"externalId": externalId,
                                                                      "projectId": projectId}, within=dates)
        set_count_headers(response, total=total, returned=len(items))
        return items

    @router.get(f"{base}/productOfferingQualification/{{id}}",
                operation_id=f"{family}.retrieveProductOfferingQualification")
    def retrieve_poq(id: str, principal: Principal = Depends(caller)) -> dict[str, Any]:  # noqa: A002
        return qualifications.get(id, party=principal.owner_filter)

    router.include_router(hub_router(api=f"{family}.poq", base_path=base, scope=family, event_types=POQ_EVENTS,
                                     hub_store=hub_store))
    return router


def poq_listener(family: Family, on_event: EventHandler, *,
                 dependencies: list[params.Depends] | None = None) -> APIRouter:
    """The Buyer's side: `{POQ Notification base}/listener/{eventType}` for a Seller's POQ events."""
    return listener_router(poq_listener_base(family), on_event, event_types=POQ_EVENTS, dependencies=dependencies)
