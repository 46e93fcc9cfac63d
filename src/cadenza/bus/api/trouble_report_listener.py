"""The BUS's listener for its SOF's trouble report events (MEF 55.0.1 §10.5 step 11, over LEGATO
as Cadenza defines it: interfaces/legato/trouble_report.py): each one brings the ticket up to
date (bus/trouble/diagnosis.py), read from SOF, never from the event; events of one report that
arrive while it is being read are answered by one read begun after them (core/notifications/latest.py:
a diagnosis tells several steps at once). A handler that fails answers 500 and SOF's outbox sends
the event again."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from cadenza.bus.api.legato_listener import LISTENER_PREFIX
from cadenza.bus.runtime import Bus
from cadenza.bus.trouble.desk import TroubleDesk
from cadenza.bus.trouble.diagnosis import hear
from cadenza.core.notifications.latest import LatestReads
from cadenza.core.notifications.listener import listener_router
from cadenza.interfaces.legato.trouble_report import TROUBLE_REPORT_EVENT_TYPES, TROUBLE_REPORT_LISTENER_BASE

__all__ = ["trouble_report_listener_router"]


def trouble_report_listener_router(bus: Bus, desk: TroubleDesk) -> APIRouter:
    latest = LatestReads()

    async def on_event(_event_type: str, event: dict[str, Any]) -> None:
        report_id = (event.get("event") or {}).get("id")
        if report_id:
            await run_in_threadpool(latest.run, str(report_id), partial(hear, bus.legato, desk, bus.database,
                                                                        str(report_id), domain=bus.name))

    return listener_router(f"{LISTENER_PREFIX}{TROUBLE_REPORT_LISTENER_BASE}", on_event,
                           event_types=set(TROUBLE_REPORT_EVENT_TYPES))
