"""Product instances (MEF Product Inventory): what a customer or buyer owns, with the status
the spec names and the allowed moves between them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.bus.keys import product_keys, text
from cadenza.bus.order_plans import offnet_uni
from cadenza.bus.rows import BusResourceKeyRow, BusResourceRow
from cadenza.bus.store import ResourceStore
from cadenza.core.clock import iso
from cadenza.core.errors import Conflict, NotFound, Unprocessable

__all__ = ["STATUS_TRANSITIONS", "IN_SERVICE", "products", "new_product", "product_transition", "serving_service",
           "uni_place", "uni_at_site", "users_of"]

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
# A product in one of these holds network resources (or is about to), so what it relies on must stay.
IN_SERVICE = ("pendingActive", "active", "active.pendingChange", "suspended", "pendingTerminate")


def new_product(session: Session, *, family: str, owner: str, base: str, order_id: str, item: dict[str, Any],
                product_id: str | None = None, site: str | None = None) -> BusResourceRow:
    """A product in `pendingActive`, created when its order item starts being delivered. `site`:
    the site of ours the product is at, whatever form its place was given in (a UNI's)."""
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
    elif site is not None:
        document["relatedSite"] = [{"id": site, "role": "INSTALL_LOCATION"}]
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


def uni_place(session: Session, product_id: str, party: str | None, *, pointer: str,
              is_uni: Callable[[str | None], bool]) -> tuple[dict[str, Any], str | None]:
    """The place of the buyer's UNI product `product_id`, for an EVC that connects to it (the MEF
    125 form naming an existing UNI in `productRelationship`), and the partner that provides it
    when it is a partner's UNI with an access line in service (the further EVC's line is then
    that partner's too); a 422 at `pointer` otherwise. A partner's UNI whose last EVC is gone
    lost its line with it: the place is then just its address, served as any off-net address."""
    try:
        row = products.get(session, product_id, party)
    except NotFound as exc:
        raise Unprocessable(f"{pointer}: you have no product '{product_id}'; name one of your UNI products, or add "
                            "the UNI as an item of this request", code="referenceNotFound",
                            property_path=pointer) from exc
    offering = (row.document.get("productOffering") or {}).get("id")
    if not is_uni(offering):
        raise Unprocessable(f"{pointer}: product {product_id} is a '{offering}', not a UNI", property_path=pointer)
    if row.state not in ("active", "active.pendingChange"):
        raise Unprocessable(f"{pointer}: UNI {product_id} is {row.state}; an EVC can connect to an active UNI only",
                            property_path=pointer)
    sites = row.document.get("relatedSite") or []
    if sites:
        return {"@type": "GeographicSiteRef", "id": sites[0]["id"], "role": "INSTALL_LOCATION"}, None
    found = offnet_uni(session, row, users_of(session, row.id, row.owner))
    if found is None:
        raise Unprocessable(f"{pointer}: UNI {product_id} has no record of where it is; order the EVC with a new UNI "
                            "item there", property_path=pointer)
    return {"@type": "FieldedAddress", "role": "INSTALL_LOCATION", **found.address}, found.partner


def users_of(session: Session, product_id: str, owner: str) -> list[BusResourceRow]:
    """The owner's products in service that name `product_id` in their productRelationship (the
    EVCs on a UNI), found through the indexed `relatedProductId` key the store keeps."""
    related = select(BusResourceKeyRow.resource_id).where(BusResourceKeyRow.name == "relatedProductId",
                                                          BusResourceKeyRow.value == text(product_id))
    query = select(BusResourceRow).where(
        BusResourceRow.kind == products.kind, BusResourceRow.owner == owner, BusResourceRow.state.in_(IN_SERVICE),
        BusResourceRow.id.in_(related))
    return list(session.scalars(query))


def uni_at_site(session: Session, site: str, *, is_uni: Callable[[str | None], bool]) -> BusResourceRow | None:
    """The UNI product in service at one of our sites, whoever owns it: a site's edge point is one UNI."""
    at_site = select(BusResourceKeyRow.resource_id).where(BusResourceKeyRow.name == "geographicalSiteId",
                                                          BusResourceKeyRow.value == text(site))
    query = select(BusResourceRow).where(BusResourceRow.kind == products.kind, BusResourceRow.state.in_(IN_SERVICE),
                                         BusResourceRow.id.in_(at_site)).order_by(BusResourceRow.id)
    return next((row for row in session.scalars(query)
                 if is_uni((row.document.get("productOffering") or {}).get("id"))), None)
