"""The BUS's listener for its SOF's LEGATO service inventory events: a service changed in place
without a product order of the BUS (the customer changed it over ALLEGRO), so its product in
inventory follows (bus/service_change.py). As everywhere on LEGATO the event only names the
service; the product is brought up to date from the service read from the SOF (one read begun
after them answers the events of a service that arrive while it is read: a reroute moves many at
once, core/notifications/latest.py). A handler that fails answers 500 and the SOF's outbox sends
the event again."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from cadenza.bus.api.legato_listener import LISTENER_PREFIX
from cadenza.bus.runtime import Bus
from cadenza.bus.service_change import follow_service
from cadenza.core.notifications.latest import LatestReads
from cadenza.core.notifications.listener import listener_router
from cadenza.interfaces.legato.paths import INVENTORY_LISTENER_BASE

__all__ = ["service_listener_router", "FOLLOWED_SERVICE_EVENTS"]

# What the BUS subscribes to at its SOF's service hub: a change of a live service's attributes.
FOLLOWED_SERVICE_EVENTS = ("serviceAttributeValueChangeEvent",)


def service_listener_router(bus: Bus) -> APIRouter:
    latest = LatestReads()

    async def on_event(_event_type: str, event: dict[str, Any]) -> None:
        service_id = (event.get("event") or {}).get("id")
        if service_id:
            await run_in_threadpool(latest.run, str(service_id),
                                    partial(follow_service, bus.legato, bus.database, str(service_id)))

    return listener_router(f"{LISTENER_PREFIX}{INVENTORY_LISTENER_BASE}", on_event,
                           event_types=set(FOLLOWED_SERVICE_EVENTS))
