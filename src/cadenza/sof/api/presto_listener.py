"""The SOF's listener for its ICMs' PRESTO notifications (steps 9a-10: ICM -> SOF).

An event only says which connectivity service changed; the step waiting on it re-reads the
service over PRESTO, and so does the operational state the SOF keeps of it
(sof/operational.py), so a forged or stale state change event can wake a wait or cause a read but never
change a state. Both read the service at about the same time, and share one reading when
they can (sof/segment_readings.py).

An event saying a service is now `planned` wakes no wait: `planned` is where a service begins
(icm/connectivity_service.py: no transition leads there), and every wait of the SOF on a
segment begins after the ICM answered its create, so its first read already shows it. Nor does
one saying `modifying`: the SOF's wait for a change begins with the ICM's answer to the update,
which shows it, no wait of the SOF ends there, and the service leaves it with an event of its own.

A threshold crossing event raises or clears a TCA alarm as it says (sof/alarms/threshold.py),
has the service's SLS assessed at once and makes the reports of the jobs that asked to be
triggered by it (sof/performance/triggered.py); on a service a buyer SOF bought over INTERLUDE
the buyer is told of it (sof/partner_crossings.py).
PM is not read back over PRESTO, and the listener hears only this domain's own ICMs.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from cadenza.core.notifications.listener import listener_router
from cadenza.core.wakeups import WAKEUPS
from cadenza.interfaces.presto.paths import (
    LISTENER_BASE,
    MODIFYING,
    PLANNED,
    STATE_CHANGE_EVENT,
    THRESHOLD_CROSSING_EVENT,
)
from cadenza.sof import operational, partner_crossings
from cadenza.sof.alarms import threshold
from cadenza.sof.performance import triggered
from cadenza.sof.service import Sof
from cadenza.sof.sls import assessor
from cadenza.sof.steps import segment_news

__all__ = ["presto_listener_router", "PRESTO_LISTENER_PREFIX", "PRESTO_EVENT_TYPES"]

PRESTO_LISTENER_PREFIX = "/cadenza/sof/presto"  # the callback the SOF registers at each ICM's hub
PRESTO_EVENT_TYPES = (STATE_CHANGE_EVENT, THRESHOLD_CROSSING_EVENT)  # what it subscribes to and takes


def presto_listener_router(sof: Sof) -> APIRouter:
    async def on_event(event_type: str, event: dict[str, Any]) -> None:
        body = event.get("event") or {}
        uuid = body.get("id")
        if event_type == THRESHOLD_CROSSING_EVENT:
            # a TCA alarm on the segment's service (sof/alarms), then its SLS assessed at once
            await run_in_threadpool(threshold.hear_crossing, sof, body)
            # a service a buyer SOF bought from us over INTERLUDE: the buyer hears of it too
            await run_in_threadpool(partner_crossings.tell_buyer, sof, body)
            if isinstance(uuid, str) and body.get("threshold-crossing") == "THRESHOLD_ABOVE":
                await run_in_threadpool(assessor.assess_on_crossing, sof, uuid, str(event.get("eventId")))
                await run_in_threadpool(triggered.on_crossing, sof, body)  # reports jobs asked for on it
            return
        if isinstance(uuid, str):
            heard_at = time.monotonic()
            if body.get("state") not in (PLANNED, MODIFYING):
                WAKEUPS.notify(segment_news(uuid))
            await run_in_threadpool(operational.follow_segment, sof, uuid, body.get("operational-state"), heard_at)

    return listener_router(f"{PRESTO_LISTENER_PREFIX}{LISTENER_BASE}", on_event, event_types=set(PRESTO_EVENT_TYPES))
