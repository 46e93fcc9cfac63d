"""The BUS's LEGATO listener wakes an order's workflow for the events that may tell it something
it has not read, and finds the product order of a service order it placed without a read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cadenza.bus.api.legato_listener import LISTENER_PREFIX, WAKING_EVENT_TYPES, legato_listener_router
from cadenza.core.wakeups import WAKEUPS
from cadenza.interfaces.legato.paths import ORDER_LISTENER_BASE


@dataclass
class Legato:
    """What the listener asks of the SOF: a service order, by id."""

    externals: dict[str, str]
    reads: list[str] = field(default_factory=list)

    def get_service_order(self, service_order_id: str) -> dict[str, Any]:
        self.reads.append(service_order_id)
        return {"id": service_order_id, "externalId": self.externals[service_order_id]}


@dataclass
class Bus:
    legato: Legato
    services: dict[str, str] = field(default_factory=dict)


def post(client: TestClient, event_type: str, service_order_id: str, n: int = 1) -> None:
    reply = client.post(f"{LISTENER_PREFIX}{ORDER_LISTENER_BASE}/listener/{event_type}", json={
        "eventId": f"e-{event_type}-{service_order_id}-{n}", "eventTime": "2026-12-02T00:00:00Z",
        "eventType": event_type, "event": {"id": service_order_id}})
    assert reply.status_code == 204


def listening(bus: Bus) -> TestClient:
    WAKEUPS.start()  # a domain stopped earlier in this process leaves the wake-ups stopped
    app = FastAPI()
    app.include_router(legato_listener_router(bus))  # type: ignore[arg-type]
    return TestClient(app)


def test_a_create_event_wakes_nothing_since_the_first_read_follows_the_create() -> None:
    bus = Bus(Legato({"so-1": "po-1/1"}), services={"so-1": "po-1"})
    client = listening(bus)  # before the watch: it starts the wake-ups a stopped domain left stopped
    with WAKEUPS.watch("bus-order:po-1") as news:
        post(client, "serviceOrderCreateEvent", "so-1")
        assert not news.is_set()
    assert bus.legato.reads == []


def test_the_bus_subscribes_to_the_events_that_can_wake_a_workflow_only() -> None:
    assert "serviceOrderCreateEvent" not in WAKING_EVENT_TYPES
    assert {"serviceOrderStateChangeEvent", "serviceOrderItemStateChangeEvent"} <= set(WAKING_EVENT_TYPES)


def test_state_events_of_a_placed_service_order_wake_its_order_without_a_read() -> None:
    bus = Bus(Legato({"so-1": "po-1/1"}), services={"so-1": "po-1"})
    client = listening(bus)
    for event_type in ("serviceOrderStateChangeEvent", "serviceOrderItemStateChangeEvent"):
        with WAKEUPS.watch("bus-order:po-1") as news:
            post(client, event_type, "so-1")
            assert news.is_set(), event_type
    assert bus.legato.reads == []


def test_an_unknown_service_order_is_read_once_to_find_its_product_order() -> None:
    bus = Bus(Legato({"so-9": "po-9/2"}))  # placed before this process started
    client = listening(bus)
    with WAKEUPS.watch("bus-order:po-9") as news:
        post(client, "serviceOrderStateChangeEvent", "so-9")
        assert news.is_set()
    assert bus.legato.reads == ["so-9"]
