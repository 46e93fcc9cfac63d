"""The BUS's listener for its SOF's LEGATO notifications (step 13: SOF -> LEGATO -> BUS).

An event only says which service order changed; the workflow waiting on it re-reads the
order from the SOF, so a forged or stale event can wake a workflow but never change a state.

A workflow reads the service order once per wake-up, so an event wakes it only when it may
say something that workflow has not read: a create event never does (see `on_event`), and the
events of one delivery round are handed over without a thread hop in between, so that they
all land before the woken workflow reads (one read for the round rather than one per event).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from cadenza.bus import fulfilment
from cadenza.bus.runtime import Bus
from cadenza.core.notifications.listener import listener_router
from cadenza.interfaces.legato.paths import ORDER_CREATE_EVENT, ORDER_EVENT_TYPES, ORDER_LISTENER_BASE

__all__ = ["legato_listener_router", "LISTENER_PREFIX", "WAKING_EVENT_TYPES"]

log = logging.getLogger(__name__)
LISTENER_PREFIX = "/cadenza/bus/legato"  # the callback the BUS registers at its SOF's hub
# What the BUS subscribes to at its SOF's hub: the events that can wake a workflow. A create
# event never does (see `on_event`); a subscription made before it was left out still sends
# them, and they are answered.
WAKING_EVENT_TYPES = tuple(t for t in ORDER_EVENT_TYPES if t != ORDER_CREATE_EVENT)


def legato_listener_router(bus: Bus) -> APIRouter:
    def product_order_of(service_order_id: str) -> str | None:
        external = bus.legato.get_service_order(service_order_id).get("externalId") or ""
        return external.split("/", 1)[0] or None

    async def on_event(event_type: str, event: dict[str, Any]) -> None:
        service_order_id = (event.get("event") or {}).get("id")
        if not service_order_id or event_type == ORDER_CREATE_EVENT:
            # Every wait on a service order begins with a read made after the SOF answered its
            # create (bus/fulfilment.request_service), so that read already shows what a create
            # event announces: waking for it would only read the same order again.
            return
        # A service order this process placed is known without a read: looked up here, on the
        # event loop, so that the events of one round all wake before the workflow reads.
        order_id = bus.services.get(service_order_id)
        if order_id is None:
            order_id = await run_in_threadpool(product_order_of, service_order_id)
        if order_id is not None:
            # does not block: a lock, and the relay's queue (core/wakeup_relay.py)
            fulfilment.service_order_event(order_id, service_order_id)

    return listener_router(f"{LISTENER_PREFIX}{ORDER_LISTENER_BASE}", on_event, event_types=set(ORDER_EVENT_TYPES))
