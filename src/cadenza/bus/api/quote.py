"""The Quote Management API (MEF 115 SONATA v8, CANTATA v2) with its hub.

    app.include_router(quote_router(quotes, hub_store))   # family from the service

A customer (CANTATA) or buying provider (SONATA) sees only its own quotes; an operator sees all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Response, params
from fastapi.responses import JSONResponse

from cadenza.bus.api import answer
from cadenza.bus.quote import Quotes
from cadenza.core.auth import Principal, require
from cadenza.core.errors import BadRequest, Unprocessable
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.listener import EventHandler, listener_router
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, Windows, date_windows, page_params, set_count_headers
from cadenza.interfaces.sonata.paths import QUOTE_EVENTS, Family, quote_base, quote_listener_base

__all__ = ["quote_router", "quote_listener"]

QuoteState = Literal["accepted", "acknowledged", "answered", "approved.orderable", "approved.orderableAlternate",
                     "cancelled", "unableToProvide", "declined", "expired", "inProgress", "inProgress.draft",
                     "rejected"]

QUOTE_DATES = date_windows("quoteDate", "requestedQuoteCompletionDate", "expectedQuoteCompletionDate",
                           "effectiveQuoteCompletionDate")


def _object(payload: Any, what: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise BadRequest(f"The request body must be a JSON object (a {what})")
    return payload


def _operation(payload: Any) -> tuple[str, str | None]:
    data = _object(payload, "QuoteOperationData")
    if not isinstance(data.get("quoteId"), str) or not data["quoteId"]:
        raise Unprocessable("/quoteId: name the quote", code="missingProperty", property_path="/quoteId")
    return data["quoteId"], data.get("reason")


def _close(action: Callable[..., None], payload: Any, principal: Principal) -> Any:
    """cancelQuote and rejectQuote: end the named quote by `action`, answer the request back."""
    def close() -> dict[str, Any]:
        quote_id, reason = _operation(payload)
        action(quote_id, party=principal.party, reason=reason)
        return {"quoteId": quote_id, **({"reason": reason} if reason else {})}

    return answer(close, reference="/quoteId")


def quote_router(quotes: Quotes, hub_store: HubStore) -> APIRouter:
    family = quotes.family
    base = quote_base(family)
    caller = require(family)
    router = APIRouter(tags=["quote"])

    @router.post(f"{base}/quote", status_code=201, operation_id=f"{family}.createQuote")
    def create_quote(payload: Any = Body(...), principal: Principal = Depends(caller)) -> JSONResponse:
        return answer(lambda: quotes.create(_object(payload, "Quote_Create"), party=principal.party), status=201)

    @router.get(f"{base}/quote", operation_id=f"{family}.listQuote")
    def list_quote(response: Response, page: Page = Depends(page_params),
                   state: QuoteState | None = None,
                   externalId: str | None = None, projectId: str | None = None,  # noqa: N803 - spec names
                   quoteLevel: Literal["budgetary", "firmSubjectToFeasibilityCheck", "firm"] | None = None,  # noqa: N803
                   dates: Windows = Depends(QUOTE_DATES),
                   principal: Principal = Depends(caller)) -> list[dict[str, Any]]:
        items, total = quotes.list(party=principal.owner_filter, state=state, offset=page.offset, limit=page.limit,
                                   filters={"externalId": externalId, "projectId": projectId,
                                            "quoteLevel": quoteLevel}, within=dates)
        set_count_headers(response, total=total, returned=len(items))
        return items

    @router.get(f"{base}/quote/{{id}}", operation_id=f"{family}.retrieveQuote")
    def retrieve_quote(id: str, principal: Principal = Depends(caller)) -> dict[str, Any]:  # noqa: A002
        return quotes.get(id, party=principal.owner_filter)

    @router.post(f"{base}/cancelQuote", operation_id=f"{family}.cancelQuote", tags=["quote operations"])
    def cancel_quote(payload: Any = Body(...), principal: Principal = Depends(caller)) -> Any:
        return _close(quotes.cancel, payload, principal)

    @router.post(f"{base}/rejectQuote", operation_id=f"{family}.rejectQuote", tags=["quote operations"])
    def reject_quote(payload: Any = Body(...), principal: Principal = Depends(caller)) -> Any:
        return _close(quotes.decline, payload, principal)

    router.include_router(hub_router(api=f"{family}.quote", base_path=base, scope=family, event_types=QUOTE_EVENTS,
                                     hub_store=hub_store))
    return router


def quote_listener(family: Family, on_event: EventHandler, *,
                   dependencies: list[params.Depends] | None = None) -> APIRouter:
    """The Buyer's side: `{Quote Notification base}/listener/{eventType}` for a Seller's quote events."""
    return listener_router(quote_listener_base(family), on_event, event_types=QUOTE_EVENTS,
                           dependencies=dependencies)
