"""Product Inventory (Cantata v1 / Sonata v7), and Cadenza's acceptance extension (step 15)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Response

from cadenza.bus.billing import accept_product
from cadenza.bus.product_inventory import products
from cadenza.bus.product_order import Family
from cadenza.bus.runtime import Bus
from cadenza.core.auth import Principal, require
from cadenza.core.paging import Page, Windows, date_windows, page_params, set_count_headers

__all__ = ["product_inventory_router"]

ProductStatus = Literal["active", "active.pendingChange", "cancelled", "pendingActive", "pendingTerminate",
                        "suspended", "suspendedPendingTerminate", "terminated"]

PRODUCT_DATES = date_windows("startDate", "lastUpdateDate")


def product_inventory_router(bus: Bus, fam: Family) -> APIRouter:
    router = APIRouter(prefix=fam.inventory_base, tags=[f"{fam.name} product inventory"])
    caller = Depends(require(fam.scope))

    @router.get("/product")
    def list_products(response: Response, status: ProductStatus | None = None,
                      productOrderId: str | None = None, productOfferingId: str | None = None,  # noqa: N803
                      productSpecificationId: str | None = None, externalId: str | None = None,  # noqa: N803
                      geographicalSiteId: str | None = None, relatedProductId: str | None = None,  # noqa: N803
                      billingAccountId: str | None = None, dates: Windows = Depends(PRODUCT_DATES),  # noqa: N803
                      page: Page = Depends(page_params), principal: Principal = caller) -> list[dict]:
        equal = {"productOrderId": productOrderId, "productOfferingId": productOfferingId,
                 "productSpecificationId": productSpecificationId, "externalId": externalId,
                 "geographicalSiteId": geographicalSiteId, "relatedProductId": relatedProductId,
                 "billingAccountId": billingAccountId}
        with bus.database.read() as session:
            rows, total = products.list(session, principal.owner_filter, state=status, offset=page.offset,
                                        limit=page.limit, family=fam.name, equal=equal, within=dates)
            documents = [r.document for r in rows]
        set_count_headers(response, total=total, returned=len(documents))
        return documents

    @router.get("/product/{id}")
    def retrieve_product(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with bus.database.transaction() as session:
            return products.get(session, id, principal.owner_filter).document

    @router.post("/product/{id}/acceptance", status_code=201, tags=["Cadenza extension"])
    def accept(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        """MEF 55.0.1 step 15: the customer has tested the product and accepts it; billing starts."""
        with bus.database.transaction() as session:
            return accept_product(session, bus, id, principal.party)

    return router
