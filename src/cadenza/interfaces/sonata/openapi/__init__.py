"""The official SONATA OpenAPI files Cadenza serves, verbatim from MEF LSO (Grace): the Seller's
management APIs, and the product order Notification API the Buyer listens on (below its callback)."""

from __future__ import annotations

from pathlib import Path

from cadenza.core.openapi_validation import ServedSpec

__all__ = ["SPEC_DIR", "MANAGEMENT_APIS", "NOTIFICATION_APIS", "served_specs"]

SPEC_DIR = Path(__file__).parent
MANAGEMENT_APIS = (
    "productApi/order/productOrderManagement.api.yaml",
    "productApi/inventory/productInventoryManagement.api.yaml",
    "productApi/serviceability/offeringQualification/productOfferingQualificationManagement.api.yaml",
    "productApi/quote/quoteManagement.api.yaml",
    "productApi/catalog/productCatalog.api.yaml",
    "productApi/serviceability/address/geographicAddressManagement.api.yaml",
    "productApi/serviceability/site/geographicSiteManagement.api.yaml",
)
NOTIFICATION_APIS = ("productApi/order/productOrderNotification.api.yaml",)


def served_specs() -> list[ServedSpec]:
    return ([ServedSpec(SPEC_DIR / name) for name in MANAGEMENT_APIS]
            + [ServedSpec(SPEC_DIR / name, prefixed=True) for name in NOTIFICATION_APIS])
