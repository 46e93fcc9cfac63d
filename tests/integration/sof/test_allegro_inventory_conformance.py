"""Schemathesis against the running SP domain: the official Service Inventory v2 file, with a
customer's token and a service of its own in the list, finds no server error, no response
outside the spec's schemas and no status the spec does not document."""

from __future__ import annotations

import pytest

from cadenza.core.client_credentials import ClientCredentials
from cadenza.interfaces.allegro.inventory_paths import INVENTORY_BASE
from tests.helpers.mef import MEF_LSO
from tests.helpers.schemathesis import run_schemathesis
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.test_allegro_service_inventory import _order

INVENTORY_SPEC = MEF_LSO / "allegro/serviceApi/inventory/serviceInventoryManagement.api.yaml"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Conformance is about HTTP, not storage: one database is enough here."""
    return sqlite_url


def test_service_inventory_spec_finds_no_server_error_and_no_schema_violation(sof_landscape: SofLandscape) -> None:
    _order(sof_landscape, "uni-east-1-1", "uni-west-3-1", 432, "acme-corp")
    token = ClientCredentials(sof_landscape.base_url, "acme", "acme-demo-secret")
    run = run_schemathesis(INVENTORY_SPEC, f"{sof_landscape.base_url}{INVENTORY_BASE}", f"Bearer {token()}")
    assert run.returncode == 0, run.stdout[-6000:]
    assert "passed" in run.stdout
