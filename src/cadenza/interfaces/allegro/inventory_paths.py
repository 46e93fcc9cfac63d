"""ALLEGRO Service Inventory v2 (Customer -> SOF): base paths, the hub's API name, the event
types and the spec files (docs/allegro-profile.md, "Service Inventory")."""

from __future__ import annotations

from pathlib import Path

__all__ = ["INVENTORY_BASE", "INVENTORY_LISTENER_BASE", "INVENTORY_API", "INVENTORY_EVENT_TYPES",
           "INVENTORY_SPEC", "INVENTORY_NOTIFICATION_SPEC", "service_href"]

_SPECS = Path(__file__).parent / "openapi/serviceApi/inventory"
INVENTORY_SPEC = _SPECS / "serviceInventoryManagement.api.yaml"
INVENTORY_NOTIFICATION_SPEC = _SPECS / "serviceInventoryNotification.api.yaml"

INVENTORY_BASE = "/mefApi/allegro/serviceInventory/v2"
INVENTORY_LISTENER_BASE = "/mefApi/allegro/serviceInventoryNotification/v2"
INVENTORY_API = "allegro.service"

INVENTORY_EVENT_TYPES = ("serviceCreateEvent", "serviceStateChangeEvent", "serviceAttributeValueChangeEvent",
                         "serviceDeleteEvent")


def service_href(service_id: str) -> str:
    return f"{INVENTORY_BASE}/service/{service_id}"
