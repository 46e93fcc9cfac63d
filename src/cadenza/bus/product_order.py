"""The product order (MEF 57.2 / Sonata & Cantata Product Ordering): states, transitions and
the events each transition publishes.

One module serves both families: a customer's order over CANTATA and a buying provider's
order over SONATA have the same shape and states; only the base paths and listener paths
differ (`Family`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus.keys import cancellation_keys, order_keys
from cadenza.bus.rows import BusResourceRow
from cadenza.bus.store import ResourceStore
from cadenza.core.clock import iso
from cadenza.core.errors import Conflict
from cadenza.core.notifications.outbox import publish

__all__ = [
    "Family",
    "CANTATA",
    "SONATA",
    "family",
    "ORDER_TRANSITIONS",
    "ITEM_TRANSITIONS",
    "TERMINAL",
    "orders",
    "cancellations",
    "order_transition",
    "item_transition",
    "IllegalOrderTransition",
]

# MEFProductOrderStateType, verbatim. held.assessingCharge and pending.assessingModification
# belong to charge and modification negotiation, which Cadenza does not need: it never charges
# for changes before completion, so it never enters them.
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    "acknowledged": frozenset({"inProgress", "rejected", "assessingCancellation"}),
    "inProgress": frozenset({"completed", "failed", "partial", "assessingCancellation"}),
    "assessingCancellation": frozenset({"pendingCancellation", "inProgress", "acknowledged"}),
    "pendingCancellation": frozenset({"cancelled"}),
    "held.assessingCharge": frozenset({"inProgress", "assessingCancellation"}),
    "pending.assessingModification": frozenset({"inProgress"}),
    "completed": frozenset(),
    "failed": frozenset(),
    "partial": frozenset(),
    "rejected": frozenset(),
    "cancelled": frozenset(),
}
ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    "acknowledged": frozenset({"inProgress", "rejected", "cancelled", "failed"}),
    "inProgress": frozenset({"completed", "failed", "cancelled", "pending", "held"}),
    "pending": frozenset({"inProgress", "cancelled", "failed"}),
    "held": frozenset({"inProgress", "cancelled", "failed"}),
    "completed": frozenset(),
    "failed": frozenset(),
    "cancelled": frozenset(),
    "rejected": frozenset(),
    "rejected.validated": frozenset(),
    "rejected.unassessed": frozenset(),
}
TERMINAL = frozenset(s for s, nexts in ORDER_TRANSITIONS.items() if not nexts)


@dataclass(frozen=True, slots=True)
class Family:
    name: str  # "cantata" or "sonata"
    order_base: str
    listener_base: str
    inventory_base: str
    inventory_listener_base: str
    scope: str

    @property
    def events_api(self) -> str:
        return f"{self.name}.productOrder"

    @property
    def inventory_events_api(self) -> str:
        return f"{self.name}.productInventory"


CANTATA = Family("cantata", "/mefApi/cantata/productOrderingManagement/v5",
                 "/mefApi/cantata/productOrderingNotification/v5", "/mefApi/cantata/productInventory/v1",
                 "/mefApi/cantata/productInventoryNotification/v1", "cantata")
SONATA = Family("sonata", "/mefApi/sonata/productOrderingManagement/v10",
                "/mefApi/sonata/productOrderingNotification/v10", "/mefApi/sonata/productInventory/v7",
                "/mefApi/sonata/productInventoryNotification/v7", "sonata")


def family(name: str) -> Family:
    return {"cantata": CANTATA, "sonata": SONATA}[name]


orders = ResourceStore("productOrder", label="product order", keys=order_keys)
cancellations = ResourceStore("cancelProductOrder", label="cancel product order request", keys=cancellation_keys)


class IllegalOrderTransition(Conflict):
    pass


def _event(row: BusResourceRow, fam: Family) -> dict[str, Any]:
    return {"id": row.id, "href": f"{fam.order_base}/productOrder/{row.id}"}


def order_transition(session: Session, row: BusResourceRow, target: str, *, reason: str | None = None,
                     wake: Callable[[], None] | None = None) -> None:
    """Move the order to `target`, note it in `stateChange`, publish productOrderStateChangeEvent."""
    if target not in ORDER_TRANSITIONS[row.state]:
        raise IllegalOrderTransition(f"Product order {row.id} is {row.state}; it cannot become {target}")
    document = dict(row.document)
    change: dict[str, Any] = {"state": target, "changeDate": iso()}
    if reason:
        change["changeReason"] = reason[:1000]
    document["stateChange"] = [*document.get("stateChange", []), change]
    document["state"] = target
    if target in ("completed", "failed", "partial"):
        document["completionDate"] = change["changeDate"]
    if target == "cancelled":
        document["cancellationDate"] = change["changeDate"]
    orders.save(row, document, state=target)
    fam = family(row.family)
    publish(session, api=fam.events_api, event_type="productOrderStateChangeEvent", resource=_event(row, fam),
            listener_base_path=fam.listener_base, party=row.owner, wake=wake)


def item_transition(session: Session, row: BusResourceRow, item_id: str, target: str, *,
                    reason: str | None = None, error: dict[str, Any] | None = None,
                    wake: Callable[[], None] | None = None) -> None:
    document = dict(row.document)
    items = [dict(i) for i in document["productOrderItem"]]
    item = next(i for i in items if i["id"] == item_id)
    if item["state"] == target:
        return  # replayed step: already there
    if target not in ITEM_TRANSITIONS[item["state"]]:
        raise IllegalOrderTransition(f"Item {item_id} of order {row.id} is {item['state']}; it cannot become {target}")
    change: dict[str, Any] = {"state": target, "changeDate": iso()}
    if reason:
        change["changeReason"] = reason[:1000]
    item["stateChange"] = [*item.get("stateChange", []), change]
    item["state"] = target
    if target == "completed":
        item["completionDate"] = change["changeDate"]
    if error:
        item["terminationError"] = [*item.get("terminationError", []), error]
    document["productOrderItem"] = items
    orders.save(row, document)
    fam = family(row.family)
    publish(session, api=fam.events_api, event_type="productOrderItemStateChangeEvent",
            resource={**_event(row, fam), "orderItemId": item_id},
            listener_base_path=fam.listener_base, party=row.owner, wake=wake)
