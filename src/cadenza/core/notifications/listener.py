"""The receiving end: `POST {base_path}/listener/{eventType}` for a buyer or a test.

Delivery is at least once, so the same event can arrive twice (a retry after a lost answer,
a dispatcher restarted mid-round). The listener remembers `eventId`s and hands each event
to `on_event` once; a failing handler answers 500 and forgets the id, so the sender's retry
gets a second chance.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any, Protocol

from fastapi import APIRouter, Request, Response, params
from fastapi.responses import JSONResponse

from cadenza.core.errors import error_body

__all__ = ["Deduplicator", "MemoryDeduplicator", "EventHandler", "listener_router"]

log = logging.getLogger(__name__)

EventHandler = Callable[[str, dict[str, Any]], Awaitable[None] | None]


class Deduplicator(Protocol):
    def reserve(self, event_id: str) -> bool:
        """True the first time `event_id` is seen (and from then on it counts as seen)."""

    def release(self, event_id: str) -> None:
        """Forget `event_id`, because handling it failed."""


class MemoryDeduplicator:
    """The most recent `capacity` event ids, in memory; enough for retries within a process life."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def reserve(self, event_id: str) -> bool:
        with self._lock:
            if event_id in self._seen:
                return False
            self._seen[event_id] = None
            if len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
            return True

    def release(self, event_id: str) -> None:
        with self._lock:
            self._seen.pop(event_id, None)


def _bad(reason: str) -> JSONResponse:
    return JSONResponse(error_body("invalidBody", reason), status_code=400)


def listener_router(base_path: str, on_event: EventHandler, *, event_types: Collection[str] | None = None,
                    dedupe: Deduplicator | None = None,
                    dependencies: Sequence[params.Depends] | None = None) -> APIRouter:
    """Accept the events of one Notification API at `{base_path}/listener/{eventType}`.

    `on_event(event_type, event)` gets the whole Event body; `event_types` limits the paths
    served (others answer 404); `dependencies` can require the sender's credentials.
    """
    router = APIRouter(prefix="/" + base_path.strip("/"), tags=["Notification listeners"],
                       dependencies=list(dependencies or ()))
    seen = dedupe or MemoryDeduplicator()

    @router.post("/listener/{event_type}", status_code=204, response_class=Response)
    async def listen(event_type: str, request: Request) -> Response:
        if event_types is not None and event_type not in event_types:
            return JSONResponse(error_body("notFound", f"No listener for event type '{event_type}'"), status_code=404)
        try:
            event = await request.json()
        except ValueError:
            return _bad("The request body is not valid JSON")
        if not isinstance(event, dict) or not isinstance(event.get("eventId"), str) or "event" not in event:
            return _bad("An Event needs at least 'eventId' (a string), 'eventTime' and 'event'")
        if event.get("eventType", event_type) != event_type:
            return _bad(f"The body's eventType '{event.get('eventType')}' does not match the path '{event_type}'")
        event_id = event["eventId"]
        if not seen.reserve(event_id):
            return Response(status_code=204)
        try:
            result = on_event(event_type, event)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:  # the sender retries; this copy must not count as handled
            seen.release(event_id)
            log.exception("listener failed on event %s", event_id)
            return JSONResponse(error_body("internalError", f"Handling the event failed: {type(exc).__name__}"),
                                status_code=500)
        return Response(status_code=204)

    return router
