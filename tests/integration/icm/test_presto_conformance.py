"""Schemathesis against the running domain: the official PRESTO NRP Swagger and the hub
operations of the MEF Sonata spec (the hub contract every MEF API shares)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.mef import MEF_LSO
from tests.integration.icm.conftest import Landscape

PRESTO_SPEC = MEF_LSO / "presto/api/swagger/presto-nrp.yaml"
HUB_SPEC = MEF_LSO / "sonata/productApi/order/productOrderManagement.api.yaml"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Conformance is about HTTP, not storage: one database is enough here."""
    return sqlite_url


def schemathesis(landscape: Landscape, spec: Path, url: str, *options: str) -> subprocess.CompletedProcess[str]:
    token = landscape.http.headers["Authorization"]
    return subprocess.run(
        [str(Path(sys.executable).parent / "st"), "run", str(spec), "--url", f"{landscape.http.base_url}{url}",
         "-H", f"Authorization: {token}", "--no-color", "--seed", "1", *options],
        capture_output=True, text=True, timeout=600, check=False)


def test_presto_nrp_spec_finds_no_server_error(landscape: Landscape) -> None:
    run = schemathesis(landscape, PRESTO_SPEC, "/presto/metro/restconf", "-c", "not_a_server_error",
                       "--phases", "examples,fuzzing,stateful", "-n", "30")
    assert run.returncode == 0, run.stdout[-6000:]
    assert "passed" in run.stdout


def test_hub_conforms_to_the_mef_hub_contract(landscape: Landscape) -> None:
    # positive_data_acceptance is left out: an empty or relative callback is schema-valid yet
    # unusable, and the hub rightly refuses it with the spec's 400 invalidBody.
    run = schemathesis(landscape, HUB_SPEC, "/presto/metro", "--include-path-regex", "^/hub",
                       "-c", "all", "--exclude-checks", "positive_data_acceptance", "-n", "50")
    assert run.returncode == 0, run.stdout[-6000:]
