"""Cancelling a product order in flight (cancelProductOrder): the request resource and the
rule for when an order can still be cancelled."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus.product_order import Family, cancellations, order_transition, orders
from cadenza.bus.rows import BusResourceRow
from cadenza.core.errors import Unprocessable
from cadenza.core.ids import new_id
from cadenza.core.notifications.outbox import publish

__all__ = ["CANCELLABLE", "request_cancellation"]

CANCELLABLE = frozenset({"acknowledged", "inProgress"})


def request_cancellation(session: Session, *, fam: Family, party: str, payload: dict[str, Any],
                         wake: Any, base_url: str = "") -> tuple[BusResourceRow, BusResourceRow]:
    """Store the request; the order goes to assessingCancellation and its workflow rolls back."""
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
    document = dict(order.document)
    document["cancellationReason"] = payload.get("cancellationReason", "requested by the buyer")
    orders.save(order, document)
    order_transition(session, order, "assessingCancellation", reason="cancellation requested", wake=wake)
    # No charge applies before completion, so the request is accepted at once.
    cancellations.save(request, {**request.document, "state": "done"}, state="done")
    publish(session, api=f"{fam.name}.productOrder", event_type="cancelProductOrderStateChangeEvent",
            resource={"id": request.id, "href": request.document["href"]}, listener_base_path=fam.listener_base,
            party=party, wake=wake)
    return request, order
