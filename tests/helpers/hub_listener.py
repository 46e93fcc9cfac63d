"""A listener a test registers on an MEF hub: a small HTTP server receiving the hub's events as
the spec's listener API defines them, and what it heard, safe to read while events arrive."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import FastAPI

from cadenza.core.notifications.listener import listener_router
from tests.helpers.servers import serve

__all__ = ["Heard", "Registrar", "hub_listener"]


class Registrar(Protocol):
    """A client of the hub: registers a listener and answers with the hub's subscription."""

    def register_listener(self, callback: str) -> dict[str, Any]: ...


@dataclass
class Heard:
    events: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of(self, event_type: str, entity_id: str | None = None) -> list[dict[str, Any]]:
        """The events of `event_type` heard so far, about the entity `entity_id` when given."""
        with self.lock:
            return [e for e in self.events
                    if e["eventType"] == event_type and entity_id in (None, e["event"].get("id"))]

    def add(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.events.append(event)


@contextmanager
def hub_listener(client: Registrar, base: str, event_types: Collection[str]) -> Iterator[Heard]:
    """Listen at `base` (the spec's listener path) for `event_types` while the block runs; the
    listener is unregistered at the end where the client can (`unregister_listener`)."""
    heard = Heard()
    app = FastAPI()
    app.include_router(listener_router(base, lambda _event_type, event: heard.add(event), event_types=event_types))
    with serve(app) as callback:
        subscription = client.register_listener(callback)
        try:
            yield heard
        finally:
            unregister = getattr(client, "unregister_listener", None)
            if unregister is not None:
                unregister(subscription["id"])
