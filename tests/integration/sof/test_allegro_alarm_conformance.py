"""Schemathesis against the running SP domain: the official Alarm Management v3 file, with a
customer's token and an alarm of its own in the list, finds no server error, no response
outside the spec's schemas and no status the spec does not document."""

from __future__ import annotations

import pytest

from cadenza.core.client_credentials import ClientCredentials
from cadenza.interfaces.allegro.alarm_client import AlarmClient
from cadenza.interfaces.allegro.alarm_paths import ALARM_BASE
from cadenza.interfaces.legato.alarm import LEGATO_ALARM_BASE
from tests.helpers.mef import MEF_LSO
from tests.helpers.schemathesis import run_schemathesis
from tests.helpers.servers import wait_until
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.test_allegro_alarms import _active_service, _links

ALARM_SPEC = MEF_LSO / "allegro/serviceApi/alarm/alarmManagement.api.yaml"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Conformance is about HTTP, not storage: one database is enough here."""
    return sqlite_url


def test_alarm_management_spec_finds_no_server_error_and_no_schema_violation(sof_landscape: SofLandscape) -> None:
    service = _active_service(sof_landscape, "uni-east-1-1", "uni-west-3-1", 420, "acme-corp")
    token = ClientCredentials(sof_landscape.base_url, "acme", "acme-demo-secret")
    alarms = AlarmClient(sof_landscape.base_url, token)
    link = sorted(_links(sof_landscape, service))[0]
    twin = sof_landscape.domain.twin.twin
    twin.fail_link(*link.split("|"))
    try:
        wait_until(lambda: alarms.list_alarms(), timeout=60, what="an alarm to read")
        run = run_schemathesis(ALARM_SPEC, f"{sof_landscape.base_url}{ALARM_BASE}", f"Bearer {token()}")
    finally:
        twin.restore_link(*link.split("|"))
        alarms.close()
    assert run.returncode == 0, run.stdout[-6000:]
    assert "passed" in run.stdout


def test_alarm_management_spec_at_the_legato_base_finds_no_server_error_and_no_schema_violation(
        sof_landscape: SofLandscape) -> None:
    """The same file served to the BUS (interfaces/legato/alarm.py), with an alarm of its own in the list."""
    service = _active_service(sof_landscape, "uni-east-1-1", "uni-west-3-1", 421, "acme-corp")
    token = ClientCredentials(sof_landscape.base_url, "sp-bus", "bus-demo-secret")
    link = sorted(_links(sof_landscape, service))[0]
    twin = sof_landscape.domain.twin.twin
    twin.fail_link(*link.split("|"))
    try:
        with sof_landscape.client("sp-bus", "bus-demo-secret") as bus:
            wait_until(lambda: bus.get(f"{LEGATO_ALARM_BASE}/alarm").json(), timeout=60, what="an alarm to read")
        run = run_schemathesis(ALARM_SPEC, f"{sof_landscape.base_url}{LEGATO_ALARM_BASE}", f"Bearer {token()}")
    finally:
        twin.restore_link(*link.split("|"))
    assert run.returncode == 0, run.stdout[-6000:]
    assert "passed" in run.stdout
