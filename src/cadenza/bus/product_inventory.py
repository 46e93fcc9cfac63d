"""Product instances (MEF Product Inventory): what a customer or buyer owns, with the status
the spec names and the allowed moves between them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus.keys import product_keys
from cadenza.bus.rows import BusResourceRow
from cadenza.bus.store import ResourceStore
from cadenza.core.clock import iso
from cadenza.core.errors import Conflict

__all__ = ["STATUS_TRANSITIONS", "products", "new_product", "product_transition", "serving_service"]

# MEFProductStatusType, verbatim.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    "pendingActive": frozenset({"active", "cancelled"}),
    "active": frozenset({"active.pendingChange", "pendingTerminate", "suspended"}),
    "active.pendingChange": frozenset({"active", "pendingTerminate"}),
    "suspended": frozenset({"active", "suspendedPendingTerminate"}),
    "suspendedPendingTerminate": frozenset({"terminated"}),
    "pendingTerminate": frozenset({"terminated", "active"}),
    "terminated": frozenset(),
    "cancelled": frozenset(),
}

products = ResourceStore("product", label="product", keys=product_keys)


def new_product(session: Session, *, family: str, owner: str, base: str, order_id: str, item: dict[str, Any],
                product_id: str | None = None) -> BusResourceRow:
    """A product in `pendingActive`, created when its order item starts being delivered."""
    product = item.get("product", {})
    document: dict[str, Any] = {
        "status": "pendingActive",
        "startDate": iso(),
        "lastUpdateDate": iso(),
        "productOffering": product.get("productOffering"),
        "productConfiguration": product.get("productConfiguration"),
        "productRelationship": product.get("productRelationship", []),
        "productOrderItem": [{"productOrderId": order_id, "productOrderItemId": item["id"]}],
        "statusChange": [{"status": "pendingActive", "changeDate": iso()}],
    }
    places = [p for p in product.get("place", []) if p.get("@type") == "GeographicSiteRef"]
    if places:
        document["relatedSite"] = [{"id": p["id"], "role": p.get("role", "INSTALL_LOCATION")} for p in places]
    row = products.add(session, family=family, owner=owner, state="pendingActive", document=document,
                       resource_id=product_id)
    row.document = {**document, "id": row.id, "href": f"{base}/product/{row.id}"}
    return row


def product_transition(row: BusResourceRow, target: str, *, reason: str | None = None) -> None:
    if row.state == target:
        return
    if target not in STATUS_TRANSITIONS[row.state]:
        raise Conflict(f"Product {row.id} is {row.state}; it cannot become {target}")
    document = dict(row.document)
    change = {"status": target, "changeDate": iso()}
    if reason:
        change["changeReason"] = reason
    document["statusChange"] = [*document.get("statusChange", []), change]
    document["status"] = target
    document["lastUpdateDate"] = change["changeDate"]
    if target == "terminated":
        document["terminationDate"] = change["changeDate"]
    products.save(row, document, state=target)


def serving_service(row: BusResourceRow) -> str | None:
    """The SOF service instance that realises the product (kept as the row's external key)."""
    return row.external_key
