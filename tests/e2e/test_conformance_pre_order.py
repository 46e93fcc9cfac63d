"""Schemathesis runs of the official CANTATA and SONATA pre-order APIs (product offering
qualification, quote, address and site) against running domains of their own: no 5xx, every
status code documented, every response body as the spec describes, every request that violates
the spec refused. The ordering, inventory and catalog APIs run in test_conformance.py."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Parties
from tests.helpers.product_api_conformance import assert_product_api_conforms

LANDSCAPE_PARTNERS = ("partner-a",)  # Beta Fibre is not asked here

pytestmark = pytest.mark.slow

APIS = [
    ("productApi/serviceability/offeringQualification/productOfferingQualificationManagement.api.yaml",
     "productOfferingQualification", {"cantata": "v1", "sonata": "v7"}),
    ("productApi/quote/quoteManagement.api.yaml", "quoteManagement", {"cantata": "v2", "sonata": "v8"}),
    ("productApi/serviceability/address/geographicAddressManagement.api.yaml", "geographicAddressManagement",
     {"cantata": "v1", "sonata": "v7"}),
    ("productApi/serviceability/site/geographicSiteManagement.api.yaml", "geographicSiteManagement",
     {"cantata": "v1", "sonata": "v7"}),
]


@pytest.mark.timeout(3000)
@pytest.mark.parametrize(("spec", "api", "versions"), APIS, ids=[a[1] for a in APIS])
def test_the_running_domains_conform_to_the_official_pre_order_spec(parties: Parties, spec: str, api: str,
                                                                    versions: dict[str, str]) -> None:
    assert_product_api_conforms(parties, spec, api, versions)
