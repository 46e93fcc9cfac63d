"""Where SOF's resources are served and where their events go, per reference point: the
BUS hears about its orders over LEGATO, a buyer SOF about its orders over INTERLUDE, and the
customer a service is for about that service over ALLEGRO."""

from __future__ import annotations

from dataclasses import dataclass

from cadenza.interfaces.allegro import inventory_paths as allegro
from cadenza.interfaces.allegro import ordering_paths as allegro_ordering
from cadenza.interfaces.interlude import paths as interlude
from cadenza.interfaces.legato import paths as legato

__all__ = ["Channel", "ORDERS", "SERVICES", "CUSTOMER_SERVICES", "LEGATO", "INTERLUDE", "ALLEGRO"]

LEGATO = "legato"
INTERLUDE = "interlude"
ALLEGRO = "allegro"  # the orders a customer places itself to change its services (sof/control)


@dataclass(frozen=True, slots=True)
class Channel:
    api: str  # the hub name subscriptions are stored under
    base_path: str  # where the resource is served (its href)
    listener_base: str  # the Notification API base path appended to a callback
    # Allegro's state change events carry the new state; Legato's and Interlude's name the resource only
    states_in_events: bool = False

    def href(self, collection: str, resource_id: str) -> str:
        return f"{self.base_path}/{collection}/{resource_id}"


ORDERS = {
    LEGATO: Channel("legato.serviceOrder", legato.ORDERING_BASE, legato.ORDER_LISTENER_BASE),
    INTERLUDE: Channel("interlude.serviceOrder", interlude.ORDERING_BASE, interlude.ORDER_LISTENER_BASE),
}
SERVICES = {
    LEGATO: Channel("legato.service", legato.INVENTORY_BASE, legato.INVENTORY_LISTENER_BASE),
    INTERLUDE: Channel("interlude.service", interlude.INVENTORY_BASE, interlude.INVENTORY_LISTENER_BASE),
}
# Whoever ordered it, a service is also its customer's, over ALLEGRO Service Inventory v2.
CUSTOMER_SERVICES = Channel(allegro.INVENTORY_API, allegro.INVENTORY_BASE, allegro.INVENTORY_LISTENER_BASE, True)
ORDERS[ALLEGRO] = Channel(allegro_ordering.ORDERING_API, allegro_ordering.ORDERING_BASE,
                          allegro_ordering.ORDER_LISTENER_BASE, True)
SERVICES[ALLEGRO] = CUSTOMER_SERVICES  # what an ALLEGRO order's items name
