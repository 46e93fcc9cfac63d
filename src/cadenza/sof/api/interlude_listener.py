"""The SOF's listener for a partner SOF's INTERLUDE notifications (step 9b, first option).

A service event names the partner's service, which is our reference for the segment; an order
event names the partner's service order, whose item names the service. Either only wakes the
step waiting for that segment: the step reads the segment's state from the partner itself.
A service event on the segment of an active service of ours has the segment read again from the
partner, its operational state kept and the service's alarm follow (sof/partner_state.py).
A PM event tells of a report of one of our jobs on a segment (sof/sls/partner_reports.py) or of
a threshold crossing on it (sof/partner_crossings.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from cadenza.core.notifications.listener import listener_router
from cadenza.core.wakeups import WAKEUPS
from cadenza.interfaces.interlude.paths import INVENTORY_LISTENER_BASE, ORDER_LISTENER_BASE
from cadenza.interfaces.interlude.pm_paths import PM_LISTENER_BASE, THRESHOLD_CROSSING_EVENT
from cadenza.sof import partner_crossings, partner_state
from cadenza.sof.interlude_access import InterludeAccess
from cadenza.sof.partner_access import partner_news
from cadenza.sof.service import Sof
from cadenza.sof.sls.partner_reports import on_partner_report

__all__ = ["interlude_listener_routers", "interlude_callback"]

INTERLUDE_LISTENER_PREFIX = "/cadenza/sof/interlude"
# what a partner says when its service's operational state or lifecycle changed
_STATE_EVENTS = frozenset({"serviceAttributeValueChangeEvent", "serviceStateChangeEvent", "serviceDeleteEvent"})


def interlude_callback(public_url: str, party: str) -> str:
    """The callback this SOF registers at `party`'s INTERLUDE hubs."""
    return f"{public_url}{INTERLUDE_LISTENER_PREFIX}/{party}"


def interlude_listener_routers(access: InterludeAccess, sof: Sof | None = None) -> list[APIRouter]:
    base = f"{INTERLUDE_LISTENER_PREFIX}/{access.party}"

    async def on_service_event(event_type: str, event: dict[str, Any]) -> None:
        service_id = (event.get("event") or {}).get("id")
        if isinstance(service_id, str):
            WAKEUPS.notify(partner_news(access.party, service_id))
            if sof is not None and event_type in _STATE_EVENTS:  # a segment of an active service of ours
                await run_in_threadpool(partner_state.follow_partner_segment, sof, access.party, service_id)

    async def on_order_event(_event_type: str, event: dict[str, Any]) -> None:
        order_id = (event.get("event") or {}).get("id")
        if isinstance(order_id, str):
            for service_id in await run_in_threadpool(access.services_of_order, order_id):
                WAKEUPS.notify(partner_news(access.party, service_id))

    async def on_pm_event(event_type: str, event: dict[str, Any]) -> None:
        if sof is None:
            return
        if event_type == THRESHOLD_CROSSING_EVENT:
            await run_in_threadpool(partner_crossings.hear_partner_crossing, sof, access.party, event)
        else:
            await run_in_threadpool(on_partner_report, sof, access.party, event)

    return [listener_router(f"{base}{INVENTORY_LISTENER_BASE}", on_service_event),
            listener_router(f"{base}{ORDER_LISTENER_BASE}", on_order_event),
            listener_router(f"{base}{PM_LISTENER_BASE}", on_pm_event)]
