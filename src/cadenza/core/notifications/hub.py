"""The `/hub` resource every MEF management API offers: register, read and remove a listener.

One router factory serves every API; the API's name, base path, scope and event types are
parameters, so `core` stays ignorant of product orders, tickets or alarms.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from fastapi import APIRouter, Body, Depends, Response
from pydantic import BaseModel, Field, ValidationError

from cadenza.core.auth import Principal, require
from cadenza.core.errors import BadRequest, NotFound
from cadenza.core.notifications.callback import CallbackError, check_callback
from cadenza.core.notifications.query import QueryError, parse_event_types
from cadenza.core.notifications.store import HubStore, Subscription

__all__ = ["EventSubscriptionInput", "EventSubscription", "hub_router"]


class EventSubscriptionInput(BaseModel):
    """This class is used to register for Notifications."""

    callback: str = Field(description="The listener host: the Notification API base path and "
                                      "`/listener/{eventType}` are appended to it")
    query: str | None = Field(None, description="`eventType=a,b` to select event types; empty selects all")


class EventSubscription(BaseModel):
    """This resource is used to respond to notification subscriptions."""

    id: str
    callback: str
    query: str | None = None


_EXAMPLES = {"listener": {"summary": "all events of this API",
                          "value": {"callback": "https://buyer.example/listenerEndpoint"}}}


def _view(subscription: Subscription) -> EventSubscription:
    return EventSubscription(id=subscription.id, callback=subscription.callback, query=subscription.query)


def hub_router(*, api: str, base_path: str, scope: str, event_types: Collection[str],
               hub_store: HubStore) -> APIRouter:
    """`POST|GET|DELETE {base_path}/hub` for the API named `api` (e.g. "sonata.productOrder")."""
    router = APIRouter(prefix=base_path.rstrip("/"), tags=["events subscription"])
    known = frozenset(event_types)

    def _missing(subscription_id: str) -> NotFound:
        return NotFound(f"No event subscription with id '{subscription_id}' on this hub")

    @router.post("/hub", status_code=201, response_model=EventSubscription, response_model_exclude_none=True,
                 operation_id=f"{api}.registerListener", summary="Register a listener")
    def register_listener(payload: Any = Body(..., openapi_examples=_EXAMPLES),
                          principal: Principal = Depends(require(scope))) -> EventSubscription:
        # The hub specs document 400 (not 422) for a bad registration, so every problem with
        # the body is an invalidBody whose reason names the field.
        try:
            data = EventSubscriptionInput.model_validate(payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = "/" + "/".join(str(p) for p in first["loc"])
            raise BadRequest(f"{where}: {first['msg']}", code="invalidBody",
                             message="Send {\"callback\": \"https://...\", \"query\": \"eventType=...\"}") from exc
        try:
            callback = check_callback(data.callback)
            hub_store.admit(principal.party, callback)
        except CallbackError as exc:
            raise BadRequest(f"/callback: {exc}", code="invalidBody") from exc
        try:
            types = parse_event_types(data.query, known)
        except QueryError as exc:
            raise BadRequest(f"/query: {exc}", code="invalidBody") from exc
        subscription = hub_store.subscribe(api=api, party=principal.party, callback=callback,
                                           query=data.query, event_types=types)
        return _view(subscription)

    @router.get("/hub/{id}", response_model=EventSubscription, response_model_exclude_none=True,
                operation_id=f"{api}.retrieveHub", summary="Retrieves a Hub by ID")
    def retrieve_hub(id: str, principal: Principal = Depends(require(scope))) -> EventSubscription:
        subscription = hub_store.get(api=api, party=principal.party, subscription_id=id)
        if subscription is None:
            raise _missing(id)
        return _view(subscription)

    @router.delete("/hub/{id}", status_code=204, response_class=Response,
                   operation_id=f"{api}.unregisterListener", summary="Unregister a listener")
    def unregister_listener(id: str, principal: Principal = Depends(require(scope))) -> Response:
        if not hub_store.unsubscribe(api=api, party=principal.party, subscription_id=id):
            raise _missing(id)
        return Response(status_code=204)

    return router
