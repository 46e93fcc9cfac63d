"""ALLEGRO Service Ordering v1 (Customer -> SOF): base paths, the hub's API name, the event
types and the spec files (docs/allegro-profile.md, "Service Ordering v1")."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ORDERING_BASE", "ORDER_LISTENER_BASE", "ORDERING_API", "ORDER_EVENT_TYPES", "ORDER_CREATE_EVENT",
           "ORDER_STATE_CHANGE_EVENT", "ORDER_ITEM_STATE_CHANGE_EVENT", "ORDERING_SPEC", "ORDERING_NOTIFICATION_SPEC",
           "CONTROL_POLICY_PATH", "order_href"]

_SPECS = Path(__file__).parent / "openapi/serviceApi/order"
ORDERING_SPEC = _SPECS / "serviceOrderingManagement.api.yaml"
ORDERING_NOTIFICATION_SPEC = _SPECS / "serviceOrderingNotification.api.yaml"

ORDERING_BASE = "/mefApi/allegro/serviceOrderingManagement/v1"
ORDER_LISTENER_BASE = "/mefApi/allegro/serviceOrderingNotification/v1"
ORDERING_API = "allegro.serviceOrder"

ORDER_CREATE_EVENT = "serviceOrderCreateEvent"
ORDER_STATE_CHANGE_EVENT = "serviceOrderStateChangeEvent"
ORDER_ITEM_STATE_CHANGE_EVENT = "serviceOrderItemStateChangeEvent"
ORDER_EVENT_TYPES = (ORDER_CREATE_EVENT, ORDER_STATE_CHANGE_EVENT, ORDER_ITEM_STATE_CHANGE_EVENT,
                     "serviceOrderInformationRequiredEvent")

# Cadenza's profile: the bounds of dynamic control of one of the customer's services (§10.3
# step 1, which the spec has no query for), below the Service Inventory v2 base path.
CONTROL_POLICY_PATH = "/service/{id}/cadenzaControlPolicy"


def order_href(order_id: str) -> str:
    return f"{ORDERING_BASE}/serviceOrder/{order_id}"
