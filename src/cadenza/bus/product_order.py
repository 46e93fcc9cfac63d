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
    "ITEM_FINAL",
    "orders",
    "cancellations",
    "transition_to",
    "order_transition",
    "item_transition",
    "set_expected_completion",
    "add_milestone",
    "IllegalOrderTransition",
]

# MEFProductOrderStateType and its moves, as MEF 123 draws them (productOrderFlow.puml; a
# choice node stands for the states it leads to). tests/unit/bus/test_order_state_diagrams.py
# parses the diagrams and compares. held.assessingCharge and pending.assessingModification
# belong to charges and delivery-date assessments, which Cadenza settles at once (it raises no
# charges before completion), so it never enters them; `rejected` and `partial` are never
# reached either: a bad order is refused with a 422 before it exists, and an order is atomic.
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    "acknowledged": frozenset({"inProgress", "rejected"}),
    "inProgress": frozenset({"pending.assessingModification", "completed", "failed", "partial", "held.assessingCharge",
                             "assessingCancellation", "pendingCancellation"}),
    "pending.assessingModification": frozenset({"inProgress"}),
    "held.assessingCharge": frozenset({"inProgress"}),
    "assessingCancellation": frozenset({"inProgress", "pendingCancellation"}),
    "pendingCancellation": frozenset({"cancelled"}),
    "completed": frozenset(),
    "failed": frozenset(),
    "partial": frozenset(),
    "rejected": frozenset(),
    "cancelled": frozenset(),
}
# MEFProductOrderItemStateType and its moves (productOrderItemFlow.puml). An item is `pending`
# while its order's cancellation is assessed and `cancelled` once the order is
# pendingCancellation; `held` while it waits for a partner (docs/bus-profile.md).
ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    "acknowledged": frozenset({"inProgress", "rejected", "rejected.validated", "rejected.unassessed"}),
    "inProgress": frozenset({"completed", "failed", "held", "pending"}),
    "held": frozenset({"inProgress", "failed"}),
    "pending": frozenset({"inProgress", "failed", "cancelled"}),
    "completed": frozenset(),
    "failed": frozenset(),
    "cancelled": frozenset(),
    "rejected": frozenset(),
    "rejected.validated": frozenset(),
    "rejected.unassessed": frozenset(),
}
ITEM_FINAL = frozenset(s for s, nexts in ITEM_TRANSITIONS.items() if not nexts)
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


def transition_to(session: Session, row: BusResourceRow, target: str, *, item_id: str | None = None,
                  reason: str | None = None, error: dict[str, Any] | None = None,
                  wake: Callable[[], None] | None = None) -> None:
    """The one way an order (`item_id` None) or one of its items changes state: only along the
    declared transitions, noted in `stateChange`, published as the spec's state change event.
    Moving to the state it is already in does nothing (a replayed step)."""
    if item_id is None:
        _order_to(session, row, target, reason=reason, wake=wake)
    else:
        _item_to(session, row, item_id, target, reason=reason, error=error, wake=wake)


def order_transition(session: Session, row: BusResourceRow, target: str, *, reason: str | None = None,
                     wake: Callable[[], None] | None = None) -> None:
    transition_to(session, row, target, reason=reason, wake=wake)


def item_transition(session: Session, row: BusResourceRow, item_id: str, target: str, *,
                    reason: str | None = None, error: dict[str, Any] | None = None,
                    wake: Callable[[], None] | None = None) -> None:
    transition_to(session, row, target, item_id=item_id, reason=reason, error=error, wake=wake)


def _order_to(session: Session, row: BusResourceRow, target: str, *, reason: str | None,
              wake: Callable[[], None] | None) -> None:
    if row.state == target:
        return
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


def _item_to(session: Session, row: BusResourceRow, item_id: str, target: str, *, reason: str | None,
             error: dict[str, Any] | None, wake: Callable[[], None] | None) -> None:
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


def _change_item(row: BusResourceRow, item_id: str, change: Callable[[dict[str, Any]], bool]) -> bool:
    """Apply `change` to a copy of the item and store it if it says something changed."""
    document = dict(row.document)
    items = [dict(i) for i in document["productOrderItem"]]
    item = next(i for i in items if i["id"] == item_id)
    if not change(item):
        return False
    document["productOrderItem"] = items
    orders.save(row, document)
    return True


def set_expected_completion(session: Session, row: BusResourceRow, item_id: str, date: str, *,
                            wake: Callable[[], None] | None = None) -> None:
    """The Seller's expected completion date of an item (from the lead-time model), published as
    productOrderItemExpectedCompletionDateSet whenever it is set or changes."""
    def change(item: dict[str, Any]) -> bool:
        if item.get("expectedCompletionDate") == date:
            return False
        item["expectedCompletionDate"] = date
        return True

    if _change_item(row, item_id, change):
        fam = family(row.family)
        publish(session, api=fam.events_api, event_type="productOrderItemExpectedCompletionDateSet",
                resource={**_event(row, fam), "orderItemId": item_id}, listener_base_path=fam.listener_base,
                party=row.owner, wake=wake)


def add_milestone(session: Session, row: BusResourceRow, item_id: str, name: str, note: str, *,
                  wake: Callable[[], None] | None = None) -> None:
    """A product-specific milestone the item reached (MEFMilestone), published as
    productSpecificProductOrderItemMilestoneEvent. A milestone already noted is not noted twice."""
    def change(item: dict[str, Any]) -> bool:
        if any(m.get("name") == name for m in item.get("milestone", []) or []):
            return False
        item["milestone"] = [*item.get("milestone", []), {"name": name, "date": iso(), "note": note}]
        return True

    if _change_item(row, item_id, change):
        fam = family(row.family)
        publish(session, api=fam.events_api, event_type="productSpecificProductOrderItemMilestoneEvent",
                resource={**_event(row, fam), "orderItemId": item_id, "milestoneName": name},
                listener_base_path=fam.listener_base, party=row.owner, wake=wake)
