"""A partner SOF's INTERLUDE events wake the step waiting for that partner segment."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cadenza.core.wakeups import WAKEUPS
from cadenza.sof.api.interlude_listener import interlude_callback, interlude_listener_routers
from cadenza.sof.partner_access import partner_news


class PartnerOrders:
    """What the listener asks of the INTERLUDE adapter: which services an order is about."""

    party = "partner-b"

    def services_of_order(self, order_id: str) -> list[str]:
        return {"order-7": ["svc-2"]}.get(order_id, [])


def event(event_type: str, resource_id: str) -> dict[str, Any]:
    return {"eventId": f"e-{event_type}-{resource_id}", "eventTime": "2026-11-27T00:00:00Z", "eventType": event_type,
            "event": {"id": resource_id}}


def test_service_and_order_events_wake_the_waits_for_their_segments() -> None:
    WAKEUPS.start()  # a domain stopped earlier in this process leaves the wake-ups stopped
    app = FastAPI()
    for router in interlude_listener_routers(PartnerOrders()):  # type: ignore[arg-type]
        app.include_router(router)
    client = TestClient(app)
    base = interlude_callback("", "partner-b")
    with WAKEUPS.watch(partner_news("partner-b", "svc-1")) as one, \
            WAKEUPS.watch(partner_news("partner-b", "svc-2")) as two:
        reply = client.post(f"{base}/mefApi/interlude/serviceInventoryNotification/v1/listener/serviceStateChangeEvent",
                            json=event("serviceStateChangeEvent", "svc-1"))
        assert reply.status_code == 204
        assert one.is_set() and not two.is_set()
        reply = client.post(f"{base}/mefApi/interlude/serviceOrderingNotification/v1/listener/"
                            "serviceOrderStateChangeEvent", json=event("serviceOrderStateChangeEvent", "order-7"))
        assert reply.status_code == 204
        assert two.is_set()
