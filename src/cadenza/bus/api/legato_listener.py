"""The BUS's listener for its SOF's LEGATO notifications (step 13: SOF -> LEGATO -> BUS).

An event only says which service order changed; the workflow waiting on it re-reads the
order from the SOF, so a forged or stale event can wake a workflow but never change a state.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from cadenza.bus import fulfilment
from cadenza.bus.runtime import Bus
from cadenza.core.notifications.listener import listener_router
from cadenza.interfaces.legato.paths import ORDER_EVENT_TYPES, ORDER_LISTENER_BASE

__all__ = ["legato_listener_router", "LISTENER_PREFIX"]

log = logging.getLogger(__name__)
LISTENER_PREFIX = "/cadenza/bus/legato"  # the callback the BUS registers at its SOF's hub


def legato_listener_router(bus: Bus) -> APIRouter:
    def product_order_of(service_order_id: str) -> str | None:
        known = bus.services.get(service_order_id)
        if known is not None:
            return known
        external = bus.legato.get_service_order(service_order_id).get("externalId") or ""
        return external.split("/", 1)[0] or None

    async def on_event(event_type: str, event: dict[str, Any]) -> None:
        service_order_id = (event.get("event") or {}).get("id")
        if not service_order_id:
            return
        order_id = await run_in_threadpool(product_order_of, service_order_id)
        if order_id is not None:
            await run_in_threadpool(fulfilment.service_order_event, order_id, service_order_id)

    return listener_router(f"{LISTENER_PREFIX}{ORDER_LISTENER_BASE}", on_event, event_types=set(ORDER_EVENT_TYPES))
