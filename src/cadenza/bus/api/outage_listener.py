"""The BUS's listener for its SOF's alarms over LEGATO (Alarm Management v3 at the LEGATO base,
interfaces/legato/alarm.py): an outage raised or cleared on a service brings the incident of the
customer's product up to date (bus/incident/outage.py), the alarm read from the SOF, never from
the event. A handler that fails answers 500 and the SOF's outbox sends the event again."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from cadenza.bus.api.legato_listener import LISTENER_PREFIX
from cadenza.bus.incident.follow import Desk
from cadenza.bus.incident.outage import hear
from cadenza.bus.runtime import Bus
from cadenza.core.notifications.latest import LatestReads
from cadenza.core.notifications.listener import listener_router
from cadenza.interfaces.allegro.alarm_paths import ALARM_CREATE_EVENT, ALARM_STATE_CHANGE_EVENT
from cadenza.interfaces.legato.alarm import LEGATO_ALARM_LISTENER_BASE

__all__ = ["outage_listener_router", "OUTAGE_EVENT_TYPES"]

# raised, and cleared: what opens and closes an incident (a changed specificProblem does neither)
OUTAGE_EVENT_TYPES = (ALARM_CREATE_EVENT, ALARM_STATE_CHANGE_EVENT)


def outage_listener_router(bus: Bus, desk: Desk) -> APIRouter:
    latest = LatestReads()

    async def on_event(_event_type: str, event: dict[str, Any]) -> None:
        alarm_id = (event.get("event") or {}).get("id") or ((event.get("event") or {}).get("alarm") or {}).get("id")
        if alarm_id:
            await run_in_threadpool(latest.run, str(alarm_id),
                                    partial(hear, bus.legato, desk, bus.database, str(alarm_id)))

    return listener_router(f"{LISTENER_PREFIX}{LEGATO_ALARM_LISTENER_BASE}", on_event,
                           event_types=set(OUTAGE_EVENT_TYPES))
