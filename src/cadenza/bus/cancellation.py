"""Cancelling a product order in flight (cancelProductOrder): the request resource, its states,
and what the order and its items go through.

The request's states are MEFChargeableTaskStateType as MEF 123 draws them for a Cancel
Product Order (useCase8CancelStates.puml) and, identically, for a Modify Product Order Item
Requested Delivery Date (useCase5ModifyStates.puml): a request is acknowledged, then done,
rejected, or first assessed for charges. Cadenza raises no charges before completion, so an
acknowledged request is decided at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus.product_order import Family, cancellations, orders, transition_to
from cadenza.bus.rows import BusResourceRow
from cadenza.bus.store import ResourceStore
from cadenza.core.errors import Conflict, Unprocessable
from cadenza.core.ids import new_id
from cadenza.core.notifications.outbox import publish

__all__ = ["CANCELLABLE", "REQUEST_TRANSITIONS", "request_transition", "request_cancellation", "pause_items",
           "resume_items"]

REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    "acknowledged": frozenset({"done", "rejected", "inProgress.assessingCharge"}),
    "inProgress.assessingCharge": frozenset({"done", "done.declined"}),
    "done": frozenset(),
    "done.declined": frozenset(),
    "rejected": frozenset(),
}
CANCELLABLE = frozenset({"acknowledged", "inProgress"})


def request_transition(session: Session, store: ResourceStore, row: BusResourceRow, target: str, *, fam: Family,
                       event_type: str, wake: Callable[[], None] | None = None) -> None:
    """Move a cancel or delivery-date request to `target` along REQUEST_TRANSITIONS; publish it."""
    if row.state == target:
        return
    if target not in REQUEST_TRANSITIONS[row.state]:
        raise Conflict(f"{store.label} {row.id} is {row.state}; it cannot become {target}")
    store.save(row, {**row.document, "state": target}, state=target)
    publish(session, api=fam.events_api, event_type=event_type, resource={"id": row.id, "href": row.document["href"]},
            listener_base_path=fam.listener_base, party=row.owner, wake=wake)


def pause_items(session: Session, order: BusResourceRow, reason: str, wake: Any) -> None:
    """Every item still being worked on stops (`pending`) while a request about the order is
    assessed; a `held` item passes through inProgress, the only way the item diagram allows."""
    for item_id in _item_ids(order):
        if _item_state(order, item_id) == "held":
            transition_to(session, order, "inProgress", item_id=item_id, reason=reason, wake=wake)
        if _item_state(order, item_id) == "inProgress":
            transition_to(session, order, "pending", item_id=item_id, reason=reason, wake=wake)


def resume_items(session: Session, order: BusResourceRow, target: str, reason: str, wake: Any) -> None:
    """Every `pending` item moves on: back `inProgress`, or `cancelled` with its order."""
    for item_id in _item_ids(order):
        if _item_state(order, item_id) == "pending":
            transition_to(session, order, target, item_id=item_id, reason=reason, wake=wake)


def _item_ids(order: BusResourceRow) -> list[str]:
    return [i["id"] for i in order.document["productOrderItem"]]


def _item_state(order: BusResourceRow, item_id: str) -> str:
    return next(i["state"] for i in order.document["productOrderItem"] if i["id"] == item_id)


def request_cancellation(session: Session, *, fam: Family, party: str, payload: dict[str, Any],
                         wake: Any, base_url: str = "") -> tuple[BusResourceRow, BusResourceRow]:
    """Store the request and decide it: the order goes assessingCancellation (its items
    pending), then, the request done, pendingCancellation (its items cancelled); its workflow
    sees that, releases what was delivered and ends the order `cancelled`."""
    order_id = (payload.get("productOrder") or {}).get("productOrderId")
    order = orders.get(session, order_id, party, for_update=True)
    if order.state not in CANCELLABLE:
        raise Unprocessable(f"Product order {order_id} is {order.state}; only an acknowledged or inProgress order "
                            "can be cancelled", code="invalidValue", property_path="/productOrder/productOrderId")
    request_id = new_id()
    request = cancellations.add(session, family=fam.name, owner=party, state="acknowledged", resource_id=request_id,
                                document={
        **{k: payload[k] for k in ("cancellationReason", "cancellationReasonType", "relatedContactInformation")
           if k in payload},
        "id": request_id, "href": f"{base_url}{fam.order_base}/cancelProductOrder/{request_id}",
        "productOrder": {"productOrderId": order_id,
                         "productOrderHref": f"{base_url}{fam.order_base}/productOrder/{order_id}"},
        "state": "acknowledged",
    })
    orders.save(order, {**order.document,
                        "cancellationReason": payload.get("cancellationReason", "requested by the buyer")})
    if order.state == "acknowledged":
        # Accepted, but its workflow has not begun: MEF 123 cancels an order inProgress, so it
        # (and its items) get there first; the workflow then finds nothing left to begin.
        transition_to(session, order, "inProgress", reason="accepted", wake=wake)
        for item_id in _item_ids(order):
            transition_to(session, order, "inProgress", item_id=item_id, reason="accepted", wake=wake)
    transition_to(session, order, "assessingCancellation", reason="cancellation requested", wake=wake)
    pause_items(session, order, "the order's cancellation is being assessed", wake)
    # No charge applies before completion, so the request is accepted at once.
    request_transition(session, cancellations, request, "done", fam=fam,
                       event_type="cancelProductOrderStateChangeEvent", wake=wake)
    transition_to(session, order, "pendingCancellation",
                  reason="cancellation accepted: what was delivered for the order is being released", wake=wake)
    resume_items(session, order, "cancelled", "the order is being cancelled", wake)
    return request, order
