"""The BUS's listener for its SOF's SLS degradation events (MEF 55.0.1 §10.6 step 6, over
LEGATO as Cadenza defines it: interfaces/legato/degradation.py): each one brings the one incident
of the customer's product up to date (bus/incident/follow.py) with every degradation of its
service, read from the SOF, never from the event. The events of the two directions of a service
may be handled at once: they follow the incident one after the other (bus/incident/follow.py
`_product_of`); events of one degradation arriving while it is read are answered by one read begun
after them (core/notifications/latest.py). A handler that fails answers 500 and the SOF's outbox
sends the event again."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from cadenza.bus.api.legato_listener import LISTENER_PREFIX
from cadenza.bus.incident.follow import Desk, hear
from cadenza.bus.runtime import Bus
from cadenza.core.notifications.latest import LatestReads
from cadenza.core.notifications.listener import listener_router
from cadenza.interfaces.legato.degradation import DEGRADATION_EVENT_TYPES, DEGRADATION_LISTENER_BASE

__all__ = ["degradation_listener_router", "DEGRADATION_CALLBACK_PREFIX"]

DEGRADATION_CALLBACK_PREFIX = LISTENER_PREFIX  # the callback the BUS registers at its SOF's degradation hub


def degradation_listener_router(bus: Bus, desk: Desk) -> APIRouter:
    latest = LatestReads()

    async def on_event(_event_type: str, event: dict[str, Any]) -> None:
        degradation_id = (event.get("event") or {}).get("id")
        if degradation_id:
            await run_in_threadpool(latest.run, str(degradation_id),
                                    partial(hear, bus.legato, desk, bus.database, str(degradation_id)))

    return listener_router(f"{DEGRADATION_CALLBACK_PREFIX}{DEGRADATION_LISTENER_BASE}", on_event,
                           event_types=set(DEGRADATION_EVENT_TYPES))
