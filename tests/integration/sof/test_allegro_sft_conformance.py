"""Schemathesis against the running SP domain: the official Service Function Testing v3 file,
with a customer's token, a service of its own, a profile and a test job of its own, finds no
server error, no response outside the spec's schemas and no status the spec does not
document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cadenza.core.client_credentials import ClientCredentials
from cadenza.interfaces.allegro.sft_client import ServiceFunctionTestingClient, job_request
from cadenza.interfaces.allegro.sft_paths import SFT_BASE
from tests.helpers.mef import MEF_LSO
from tests.helpers.schemathesis import run_schemathesis
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.test_allegro_alarms import _active_service

SFT_SPEC = MEF_LSO / "allegro/serviceApi/sft/serviceFunctionTest.api.yaml"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Conformance is about HTTP, not storage: one database is enough here."""
    return sqlite_url


def test_service_function_testing_spec_finds_no_server_error_and_no_schema_violation(
        sof_landscape: SofLandscape) -> None:
    service = _active_service(sof_landscape, "uni-east-1-1", "uni-west-3-1", 452, "acme-corp")
    token = ClientCredentials(sof_landscape.base_url, "acme", "acme-demo-secret")
    client = ServiceFunctionTestingClient(sof_landscape.base_url, token)
    end = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    try:  # so the lists and retrieves answer with something of the caller's
        client.create_job(job_request(service["id"], "cadenza-sft-evc-activation", end=end))
    finally:
        client.close()
    run = run_schemathesis(SFT_SPEC, f"{sof_landscape.base_url}{SFT_BASE}", f"Bearer {token()}", examples=30,
                           timeout_s=900)
    assert run.returncode == 0, run.stdout[-8000:]
    assert "passed" in run.stdout
