"""Schemathesis runs of the official CANTATA and SONATA OpenAPI files against the running
domains: no 5xx, every status code documented, every response body as the spec describes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Parties
from tests.helpers.mef import MEF_LSO

pytestmark = pytest.mark.slow

APIS = [
    ("productApi/order/productOrderManagement.api.yaml", "productOrderingManagement", {"cantata": "v5",
                                                                                       "sonata": "v10"}),
    ("productApi/inventory/productInventoryManagement.api.yaml", "productInventory", {"cantata": "v1",
                                                                                     "sonata": "v7"}),
    ("productApi/serviceability/offeringQualification/productOfferingQualificationManagement.api.yaml",
     "productOfferingQualification", {"cantata": "v1", "sonata": "v7"}),
    ("productApi/quote/quoteManagement.api.yaml", "quoteManagement", {"cantata": "v2", "sonata": "v8"}),
    ("productApi/catalog/productCatalog.api.yaml", "productCatalog", {"cantata": "v2", "sonata": "v2"}),
    ("productApi/serviceability/address/geographicAddressManagement.api.yaml", "geographicAddressManagement",
     {"cantata": "v1", "sonata": "v7"}),
    ("productApi/serviceability/site/geographicSiteManagement.api.yaml", "geographicSiteManagement",
     {"cantata": "v1", "sonata": "v7"}),
]
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"


@pytest.mark.parametrize("family", ["cantata", "sonata"])
@pytest.mark.parametrize(("spec", "api", "versions"), APIS, ids=[a[1] for a in APIS])
def test_the_running_domain_conforms_to_the_official_spec(parties: Parties, family: str, spec: str, api: str,
                                                          versions: dict[str, str]) -> None:
    # CANTATA: a customer at the Service Provider; SONATA: the Service Provider buying at a partner.
    client = parties.acme if family == "cantata" else parties.sp_at_partner_a
    run = subprocess.run(
        [str(Path(sys.executable).parent / "st"), "run", str(MEF_LSO / family / spec),
         "--url", f"{client.base_url}/mefApi/{family}/{api}/{versions[family]}",
         "-H", f"Authorization: {client.headers['Authorization']}", "-c", CHECKS, "-n", "10",
         "--phases", "examples,fuzzing", "--seed", "7", "--no-color"],
        capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout[-5000:]
