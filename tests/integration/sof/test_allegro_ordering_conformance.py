"""Schemathesis against the running SP domain: the official Service Ordering v1 file, with a
customer's token and a service of its own to change, finds no server error, no response
outside the spec's schemas and no status the spec does not document."""

from __future__ import annotations

import pytest

from cadenza.core.client_credentials import ClientCredentials
from cadenza.interfaces.allegro.ordering_paths import ORDERING_BASE
from tests.helpers.mef import MEF_LSO
from tests.helpers.schemathesis import run_schemathesis
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.test_allegro_service_ordering import active_service

ORDERING_SPEC = MEF_LSO / "allegro/serviceApi/order/serviceOrderingManagement.api.yaml"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Conformance is about HTTP, not storage: one database is enough here."""
    return sqlite_url


def test_service_ordering_spec_finds_no_server_error_and_no_schema_violation(sof_landscape: SofLandscape) -> None:
    active_service(sof_landscape, "uni-east-1-1", "uni-west-3-1", 450, "acme-corp")
    token = ClientCredentials(sof_landscape.base_url, "acme", "acme-demo-secret")
    # positive_data_acceptance is left out: a schema-valid order may still name no service of
    # the caller's, or an unusable callback, and is rightly refused with the spec's 422 or 400.
    run = run_schemathesis(ORDERING_SPEC, f"{sof_landscape.base_url}{ORDERING_BASE}", f"Bearer {token()}")
    assert run.returncode == 0, run.stdout[-6000:]
    assert "passed" in run.stdout
