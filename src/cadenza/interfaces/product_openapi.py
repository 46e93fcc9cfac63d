"""The product APIs CANTATA and SONATA both serve (MEF LSO Grace): the same management files,
each family from its own vendored copy, and the Notification APIs the family's buyer listens
on (below its callback)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cadenza.core.openapi_validation import ServedSpec

__all__ = ["MANAGEMENT_APIS", "served_specs"]

MANAGEMENT_APIS = (
    "productApi/order/productOrderManagement.api.yaml",
    "productApi/inventory/productInventoryManagement.api.yaml",
    "productApi/serviceability/offeringQualification/productOfferingQualificationManagement.api.yaml",
    "productApi/quote/quoteManagement.api.yaml",
    "productApi/catalog/productCatalog.api.yaml",
    "productApi/serviceability/address/geographicAddressManagement.api.yaml",
    "productApi/serviceability/site/geographicSiteManagement.api.yaml",
)


def served_specs(spec_dir: Path, *, notification_apis: Sequence[str] = ()) -> list[ServedSpec]:
    return ([ServedSpec(spec_dir / name) for name in MANAGEMENT_APIS]
            + [ServedSpec(spec_dir / name, prefixed=True) for name in notification_apis])
