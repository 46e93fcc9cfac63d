"""INTERLUDE base paths of Cadenza's service ordering profile (docs/interlude-profile.md).

MEF's Interlude SDK defines only performance monitoring; ordering between SOFs is "to be
defined", so Cadenza reuses the Legato v5 service order and service inventory payloads here.
"""

from __future__ import annotations

__all__ = ["ORDERING_BASE", "INVENTORY_BASE", "ORDER_LISTENER_BASE", "INVENTORY_LISTENER_BASE"]

ORDERING_BASE = "/mefApi/interlude/serviceOrderingManagement/v1"
INVENTORY_BASE = "/mefApi/interlude/serviceInventory/v1"
ORDER_LISTENER_BASE = "/mefApi/interlude/serviceOrderingNotification/v1"
INVENTORY_LISTENER_BASE = "/mefApi/interlude/serviceInventoryNotification/v1"
