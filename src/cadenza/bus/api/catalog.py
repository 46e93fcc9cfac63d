"""Product Catalog Management (Cantata/Sonata productCatalog v2): offerings, specifications,
categories and the catalog's notification hub."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response

from cadenza.bus import product_schemas as ps
from cadenza.bus.api import CATALOG_BASE, href
from cadenza.bus.catalog import CATALOG_DATE, Catalog, Category, Family, Offering
from cadenza.core.auth import Principal, require
from cadenza.core.clock import iso
from cadenza.core.errors import NotFound
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, page_params, paginate

__all__ = ["CATALOG_EVENT_TYPES", "catalog_router"]

# productCatalogNotification.api.yaml defines category, productOffering and productSpecification
# Create / AttributeValueChange / StatusChange events. This catalog is part of the release
# (bus/catalog.py: no configuration, no operator API changes it while a domain runs), so none of
# them can happen and the hub offers none: a subscription asking for one is refused
# (docs/catalog.md). Offer them here once something can change the catalog, and publish them there.
CATALOG_EVENT_TYPES: tuple[str, ...] = ()
_SDK = {"cantata": "https://github.com/MEF-GIT/MEF-LSO-Cantata-SDK/blob/grace/productSchema/",
        "sonata": "https://github.com/MEF-GIT/MEF-LSO-Sonata-SDK/blob/grace/productSchema/"}
_SEGMENT = {"cantata": ("Cadenza Standard Terms for Business Customers", "direct", "enterprise"),
            "sonata": ("Cadenza Wholesale Framework Agreement", "wholesale", "wholesale")}


def _offering(o: Offering, request: Request, *, full: bool) -> dict[str, Any]:
    agreement, channel, segment = _SEGMENT[o.family]
    base = CATALOG_BASE[o.family]
    view: dict[str, Any] = {
        "id": o.id, "href": href(request, f"{base}/productOffering/{quote(o.id)}"), "name": o.name,
        "description": o.description, "lastUpdate": iso(CATALOG_DATE), "lifecycleStatus": o.lifecycle_status,
        "agreement": agreement, "channel": [channel], "marketSegment": [segment], "region": [],
        "category": [{"id": o.category, "href": href(request, f"{base}/category/{o.category}")}],
        "productSpecification": {"id": o.spec_type,
                                 "href": href(request, f"{base}/productSpecification/{quote(o.spec_type)}")}}
    if full:
        prices = "; ".join(f"{t.mbps} Mbit/s: {t.mrc:g}/month + {t.nrc:g} install" for t in o.tiers)
        view["productOfferingTerm"] = [
            {"name": f"{months} months", "duration": {"amount": months, "units": "calendarMonths"},
             "endOfTermAction": "roll", "rollInterval": {"amount": 1, "units": "calendarMonths"}}
            for months in (12, 36)]
        view["note"] = [{"id": "prices", "author": "Cadenza product catalog", "date": iso(CATALOG_DATE),
                         "source": "seller", "text": f"List prices in USD before the domain's price factor: "
                                                     f"{prices}. Lead time {o.lead_days_on_net} days on-net, "
                                                     f"{o.lead_days_off_net} days via a partner."}]
    return view


def _specification(o: Offering, request: Request, *, full: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": o.spec_type, "href": href(request, f"{CATALOG_BASE[o.family]}/productSpecification/"
                                                 f"{quote(o.spec_type)}"),
        "name": o.spec_name, "lifecycleStatus": "published", "lastUpdate": iso(CATALOG_DATE)}
    if full:
        view["description"] = f"{o.spec_name}: the MEF product schema {o.spec_type}"
        view["sourceSchema"] = {"schemaLocation": _SDK[o.family] + ps.schema_file(o.spec_type)}
    return view


def _category(c: Category, offerings: list[Offering], request: Request, family: Family) -> dict[str, Any]:
    return {"id": c.id, "href": href(request, f"{CATALOG_BASE[family]}/category/{c.id}"), "name": c.name,
            "description": c.description, "lastUpdate": iso(CATALOG_DATE),
            "productOffering": [{"id": o.id, "href": href(request, f"{CATALOG_BASE[family]}/productOffering/{o.id}")}
                                for o in offerings if o.category == c.id]}


def _updated_within(gt: datetime | None, lt: datetime | None) -> bool:
    # A date-time without an offset is read as UTC rather than refused.
    gt, lt = (d.replace(tzinfo=d.tzinfo or UTC) if d else None for d in (gt, lt))
    return (gt is None or gt < CATALOG_DATE) and (lt is None or lt > CATALOG_DATE)


def catalog_router(catalog: Catalog, *, api_family: Family, hub_store: HubStore | None = None) -> APIRouter:
    """The catalog at the family's base path, with the spec's `/hub` when a hub store is given."""
    base = CATALOG_BASE[api_family]
    router = APIRouter(prefix=base, tags=[f"{api_family} product catalog"])
    caller = Depends(require(api_family))
    op = f"{api_family}.productCatalog."

    @router.get("/productOffering", operation_id=op + "listProductOffering")
    def list_product_offering(
        request: Request, response: Response, page: Page = Depends(page_params), name: str | None = None,
        lifecycle_status: str | None = Query(None, alias="lifecycleStatus"),
        category_id: str | None = Query(None, alias="category.id"),
        specification_id: str | None = Query(None, alias="productSpecification.id"),
        agreement: str | None = None, channel: str | None = None,
        market_segment: str | None = Query(None, alias="marketSegment"),
        last_update_gt: datetime | None = Query(None, alias="lastUpdate.gt"),
        last_update_lt: datetime | None = Query(None, alias="lastUpdate.lt"), _: Principal = caller,
    ) -> list[dict[str, Any]]:
        own_agreement, own_channel, segment = _SEGMENT[api_family]
        found = [o for o in catalog.offerings(api_family)
                 if name in (None, o.name) and lifecycle_status in (None, o.lifecycle_status)
                 and category_id in (None, o.category) and specification_id in (None, o.spec_type)
                 and agreement in (None, own_agreement) and channel in (None, own_channel)
                 and market_segment in (None, segment)
                 and _updated_within(last_update_gt, last_update_lt)]
        return [_offering(o, request, full=False) for o in paginate(found, page, response)]

    @router.get("/productOffering/{id}", operation_id=op + "retrieveProductOffering")
    def retrieve_product_offering(id: str, request: Request, _: Principal = caller) -> dict[str, Any]:
        return _offering(catalog.offering(id, api_family), request, full=True)

    def _specs() -> list[Offering]:
        return list({o.spec_type: o for o in catalog.offerings(api_family)}.values())

    @router.get("/productSpecification", operation_id=op + "listProductSpecification")
    def list_product_specification(
        request: Request, response: Response, page: Page = Depends(page_params), name: str | None = None,
        lifecycle_status: str | None = Query(None, alias="lifecycleStatus"),
        last_update_gt: datetime | None = Query(None, alias="lastUpdate.gt"),
        last_update_lt: datetime | None = Query(None, alias="lastUpdate.lt"), _: Principal = caller,
    ) -> list[dict[str, Any]]:
        found = [o for o in _specs() if name in (None, o.spec_name) and lifecycle_status in (None, "published")
                 and _updated_within(last_update_gt, last_update_lt)]
        return [_specification(o, request, full=False) for o in paginate(found, page, response)]

    @router.get("/productSpecification/{id}", operation_id=op + "retrieveProductSpecification")
    def retrieve_product_specification(id: str, request: Request, _: Principal = caller) -> dict[str, Any]:
        spec = next((o for o in _specs() if o.spec_type == id), None)
        if spec is None:
            raise NotFound(f"No product specification '{id}' here; see GET {base}/productSpecification")
        return _specification(spec, request, full=True)

    @router.get("/category", operation_id=op + "listCategory")
    def list_category(
        request: Request, response: Response, page: Page = Depends(page_params),
        parent_id: str | None = Query(None, alias="parentCategory.id"),
        last_update_gt: datetime | None = Query(None, alias="lastUpdate.gt"),
        last_update_lt: datetime | None = Query(None, alias="lastUpdate.lt"), _: Principal = caller,
    ) -> list[dict[str, Any]]:
        # The catalog's categories are all top level: filtering by a parent finds none.
        found = [] if parent_id else [c for c in catalog.categories(api_family)
                                      if _updated_within(last_update_gt, last_update_lt)]
        offerings = catalog.offerings(api_family)
        return [_category(c, offerings, request, api_family) for c in paginate(found, page, response)]

    @router.get("/category/{id}", operation_id=op + "retrieveCategory")
    def retrieve_category(id: str, request: Request, _: Principal = caller) -> dict[str, Any]:
        category = next((c for c in catalog.categories(api_family) if c.id == id), None)
        if category is None:
            raise NotFound(f"No product category '{id}' here; see GET {base}/category")
        return _category(category, catalog.offerings(api_family), request, api_family)

    if hub_store is None:
        return router
    outer = APIRouter()
    outer.include_router(router)
    outer.include_router(hub_router(api=f"{api_family}.productCatalog", base_path=base, scope=api_family,
                                    event_types=CATALOG_EVENT_TYPES, hub_store=hub_store))
    return outer
