"""Modifying an order item's requested delivery date (modifyProductOrderItemRequestedDeliveryDate,
MEF 123 use case 5): the request resource and what the order goes through.

The request follows the chargeable-task states (bus/cancellation.REQUEST_TRANSITIONS). An
order inProgress is `pending.assessingModification` and the item `pending` while the request
is assessed; as no charge applies, it is accepted at once and both return to `inProgress`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus.cancellation import request_transition
from cadenza.bus.keys import date_change_keys
from cadenza.bus.product_order import Family, orders, transition_to
from cadenza.bus.rows import BusResourceRow
from cadenza.bus.store import ResourceStore
from cadenza.core.clock import iso
from cadenza.core.errors import NotFound, Unprocessable
from cadenza.core.ids import new_id

__all__ = ["date_changes", "EVENT_TYPE", "request_date_change"]

date_changes = ResourceStore("modifyDeliveryDate", label="delivery date change request", keys=date_change_keys)
EVENT_TYPE = "modifyProductOrderItemRequestedDeliveryDateStateChangeEvent"
_CHANGEABLE = ("acknowledged", "inProgress")
_FIELDS = ("requestedCompletionDate", "expediteIndicator")


def request_date_change(session: Session, *, fam: Family, party: str, payload: dict[str, Any], href: str,
                        wake: Any) -> BusResourceRow:
    ref = payload.get("productOrderItem")
    if not isinstance(ref, dict) or not ref.get("productOrderId") or not ref.get("productOrderItemId"):
        raise Unprocessable("Name the item: productOrderItem/productOrderId and productOrderItemId",
                            code="missingProperty", property_path="/productOrderItem")
    try:
        order = orders.get(session, ref["productOrderId"], party, for_update=True)
    except NotFound as exc:
        raise Unprocessable(exc.reason, code="referenceNotFound", property_path="/productOrderItem/productOrderId") \
            from exc
    item_id = ref["productOrderItemId"]
    item = next((i for i in order.document["productOrderItem"] if i["id"] == item_id), None)
    if item is None:
        raise Unprocessable(f"Order {order.id} has no item '{item_id}'", code="referenceNotFound",
                            property_path="/productOrderItem/productOrderItemId")
    if order.state not in _CHANGEABLE:
        raise Unprocessable(f"Order {order.id} is {order.state}: its dates can change only while it is acknowledged "
                            "or inProgress", property_path="/productOrderItem/productOrderId")
    change_id = new_id()
    row = date_changes.add(session, family=fam.name, owner=party, state="acknowledged", resource_id=change_id,
                           document={**{k: payload[k] for k in _FIELDS if k in payload},
                                     "id": change_id, "href": f"{href}/{change_id}", "creationDate": iso(),
                                     "state": "acknowledged", "productOrderItem": ref})
    assessed = order.state == "inProgress"
    paused = assessed and item["state"] == "inProgress"
    if assessed:
        transition_to(session, order, "pending.assessingModification", reason="delivery date change requested",
                      wake=wake)
    if paused:
        transition_to(session, order, "pending", item_id=item_id, reason="delivery date change being assessed",
                      wake=wake)
    document = dict(order.document)
    document["productOrderItem"] = [{**i, **{k: payload[k] for k in _FIELDS if k in payload}} if i["id"] == item_id
                                    else i for i in document["productOrderItem"]]
    orders.save(order, document)
    # No charge applies before completion, so the change is accepted at once.
    request_transition(session, date_changes, row, "done", fam=fam, event_type=EVENT_TYPE, wake=wake)
    if paused:
        transition_to(session, order, "inProgress", item_id=item_id, reason="delivery date changed", wake=wake)
    if assessed:
        transition_to(session, order, "inProgress", reason="delivery date changed", wake=wake)
    return row
