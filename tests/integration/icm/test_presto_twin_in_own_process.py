"""The twin and ECM in a process of their own (`twin.process: own`): PRESTO behaves exactly as
with the twin in the domain's process, the elements answer NETCONF from the child, the
twin's operator API reaches the child, and a child that dies is started again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from cadenza.ecm.remote import RemoteTwinRuntime
from cadenza.landscape.config import load_domain_config
from tests.helpers.servers import wait_until
from tests.integration.icm.conftest import DEMO, Landscape, running
from tests.integration.icm.test_presto_connectivity_service import assert_network_clean, eline


@pytest.fixture
def landscape(sqlite_url: str, tmp_path: Path) -> Iterator[Landscape]:
    config = load_domain_config(DEMO)
    # Not persisted: a twin that restarts comes back empty, and the domain must put back what it carried.
    # The restart waits long enough for the test to see the gap even on a loaded machine (at 3 s a
    # create sent after the kill could meet the next child already starting).
    twin = config.twin.model_copy(update={"process": "own", "persist": False, "restart_after_s": 10.0})
    config = config.model_copy(update={"twin": twin})
    with running(config, sqlite_url, tmp_path / "sp") as landscape:
        yield landscape


def test_elements_live_in_a_child_process_and_answer_netconf_from_there(landscape: Landscape) -> None:
    assert isinstance(landscape.domain.twin, RemoteTwinRuntime)
    children = psutil.Process().children(recursive=True)
    listening = {conn.laddr.port for child in children for conn in child.net_connections(kind="tcp")
                 if conn.status == psutil.CONN_LISTEN}
    assert set(landscape.domain.twin.ports.values()) <= listening, "the NETCONF servers are not in the child"

    created = landscape.op("create-connectivity-service", eline("uni-east-1-1", 100, "uni-west-3-1", 200, 500))
    assert created.status_code == 200, created.text
    uuid = created.json()["output"]["service"]["uuid"]
    route = landscape.wait_for_state(uuid, "installed")["cadenza-activation"]["route"]
    for element in route:
        assert landscape.running_config(element)[uuid].bandwidth.cir_kbps == 500_000
    assert landscape.op("delete-connectivity-service",
                        {"input": {"service-id-or-name": uuid}}).status_code == 200
    landscape.wait_for_state(uuid, "removed")
    assert_network_clean(landscape)


def test_a_refusing_element_in_the_child_fails_the_service_and_leaves_nothing(landscape: Landscape) -> None:
    for element in ("agg-e1", "agg-e2"):
        landscape.domain.twin.twin.refuse_edits(element, "maintenance window: configuration frozen")
    created = landscape.op("create-connectivity-service", eline("uni-east-1-2", 300, "uni-west-1-2", 300, 200))
    uuid = created.json()["output"]["service"]["uuid"]
    service = landscape.wait_for_state(uuid, "failed")
    assert "configuration frozen" in service["cadenza-activation"]["reason"]
    assert_network_clean(landscape)


def _route(landscape: Landscape, ce_vlan: int) -> list[str]:
    created = landscape.op("create-connectivity-service", eline("uni-east-1-1", ce_vlan, "uni-west-3-1", ce_vlan, 10))
    assert created.status_code == 200, created.text
    uuid = created.json()["output"]["service"]["uuid"]
    return landscape.wait_for_state(uuid, "installed")["cadenza-activation"]["route"]


def test_the_twin_api_breaks_the_network_in_the_child_and_planning_sees_it_at_once(landscape: Landscape) -> None:
    before = _route(landscape, 400)  # planning has read (and keeps) the faults: none
    east_aggregation = next(element for element in before if element.startswith("agg-e"))
    failed = landscape.http.post(f"/cadenza/twin/v1/elements/{east_aggregation}/fail")
    assert failed.status_code == 200 and failed.json()["up"] is False
    status = landscape.http.get("/cadenza/twin/v1/status").json()
    assert next(e for e in status["elements"] if e["name"] == east_aggregation)["up"] is False
    assert east_aggregation not in _route(landscape, 401), "planned over an element the twin had failed"
    restored = landscape.http.post(f"/cadenza/twin/v1/elements/{east_aggregation}/restore")
    assert restored.json()["up"] is True
    assert east_aggregation in _route(landscape, 402)  # the shortest way again


def _twin_process(landscape: Landscape) -> psutil.Process:
    ports = set(landscape.domain.twin.ports.values())
    return next(child for child in psutil.Process().children(recursive=True)
                if ports & {c.laddr.port for c in child.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN})


def test_a_twin_process_that_died_answers_503_then_comes_back_carrying_the_installed_services(
        landscape: Landscape) -> None:
    created = landscape.op("create-connectivity-service", eline("uni-east-1-1", 100, "uni-west-3-1", 200, 500))
    installed = created.json()["output"]["service"]["uuid"]
    route = landscape.wait_for_state(installed, "installed")["cadenza-activation"]["route"]

    twin_process = _twin_process(landscape)
    twin_process.kill()
    # Not twin_process.wait(): reaping the child here would leave the domain's own handle on it
    # unknowing (a reaped child looks alive to multiprocessing); the domain's supervisor reaps it.
    wait_until(lambda: not psutil.pid_exists(twin_process.pid), timeout=10, what="the twin's process to be gone")
    refused = landscape.op("create-connectivity-service", eline("uni-east-1-2", 100, "uni-west-3-2", 200, 500))
    assert refused.status_code == 503, refused.text
    assert refused.json()["code"] == "serviceUnavailable" and "does not answer" in refused.json()["reason"]
    status = landscape.http.get("/cadenza/twin/v1/status")
    assert status.status_code == 503 and status.json()["code"] == "serviceUnavailable"
    icm = landscape.domain.icms["metro"]
    with icm.database.read() as session:
        assert [row.uuid for row in icm.list(session, None)] == [installed], "the refused request reserved"

    twin = landscape.domain.twin
    assert isinstance(twin, RemoteTwinRuntime)
    wait_until(lambda: twin.restarts == 1, timeout=60,
               what="the twin's process to be started again and given back its services")
    assert _twin_process(landscape).pid != twin_process.pid
    for element in route:  # not persisted: what the elements carry now, the domain put back
        assert installed in landscape.running_config(element), f"{element} came back without the service"
    again = landscape.op("create-connectivity-service", eline("uni-east-1-2", 100, "uni-west-3-2", 200, 500))
    assert again.status_code == 200, again.text
    landscape.wait_for_state(again.json()["output"]["service"]["uuid"], "installed")
    assert landscape.http.get("/cadenza/twin/v1/status").status_code == 200
