"""PRESTO cadenza-reassign-end-point against the demo SP domain (NETCONF elements): a service
whose UNI port failed is moved to the site's spare port make before break; it carries traffic
again, ENABLED with an event saying what moved, the failed port's bandwidth and CE-VLAN given
back and the spare's taken; asking again is `unchanged`; a spare that is down, or no edge
point at all, is refused with nothing held."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from cadenza.icm.rows import ReservationRow, VlanAllocationRow
from tests.integration.icm.conftest import Landscape
from tests.integration.icm.test_presto_operational_state import Listener, create, hub_listener, twin

UNI, SPARE = "uni-east-2-1", "uni-east-2-1-spare"  # pe-e2 ge-0/0/1, and ge-0/0/4 cabled to the same site


@pytest.fixture
def heard(landscape: Landscape) -> Iterator[Listener]:
    with hub_listener(landscape) as listener:
        yield listener


def reassign(landscape: Landscape, uuid: str, to: str = SPARE) -> dict:
    return landscape.op("cadenza-reassign-end-point", {"input": {
        "service-id-or-name": uuid, "from-service-interface-point": UNI, "to-service-interface-point": to}})


def held(landscape: Landscape, uuid: str) -> tuple[set[str], set[tuple[str, str, int]]]:
    with landscape.domain.icms["metro"].database.read() as session:
        ports = set(session.scalars(select(ReservationRow.resource).where(
            ReservationRow.service_uuid == uuid, ReservationRow.kind == "port")))
        vlans = {(v.element, v.port, v.vlan_id) for v in session.scalars(
            select(VlanAllocationRow).where(VlanAllocationRow.service_uuid == uuid))}
    return ports, vlans


def test_a_service_on_a_failed_uni_port_moves_to_the_spare_and_carries_traffic_again(
        landscape: Landscape, heard: Listener) -> None:
    service = create(landscape, UNI, "uni-west-1-1", 161, 100)
    twin(landscape, "ports/fail", {"element": "pe-e2", "port": "ge-0/0/1"})
    heard.wait_for(service["uuid"], "DISABLED", "connectivityServiceStateChangeEvent")

    answer = reassign(landscape, service["uuid"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["output"]["reroute"]["result"] == "moving"
    moved = heard.wait_for(service["uuid"], "ENABLED", "connectivityServiceStateChangeEvent")["event"]
    assert moved["additional-text"] == f"end point a moved from {UNI} to {SPARE}, make before break"
    assert {"value-name": "end-point a", "old-value": UNI, "new-value": SPARE} in moved["changed-attributes"]
    now = landscape.wait_for_state(service["uuid"], "installed")
    assert now["end-point"][0]["service-interface-point"]["service-interface-point-id"] == SPARE
    assert now["operational-state"] == "ENABLED" and now["cadenza-activation"]["route-faults"] == []
    assert "reroute" not in now["cadenza-activation"]
    test = landscape.op("cadenza-run-activation-test", {"input": {"service-id-or-name": service["uuid"]}})
    assert test.json()["output"]["test"]["result"] == "PASS", test.text
    ports, vlans = held(landscape, service["uuid"])
    assert "pe-e2:ge-0/0/4" in ports and "pe-e2:ge-0/0/1" not in ports
    assert ("pe-e2", "ge-0/0/4", 161) in vlans and ("pe-e2", "ge-0/0/1", 161) not in vlans
    fc = landscape.running_config("pe-e2")[service["uuid"]]
    assert "ge-0/0/4" in {ep.port for ep in fc.end_points} and "ge-0/0/1" not in {ep.port for ep in fc.end_points}

    again = reassign(landscape, service["uuid"])  # a SOF asking again after a crash
    assert again.status_code == 200 and again.json()["output"]["reroute"]["result"] == "unchanged", again.text
    twin(landscape, "ports/restore", {"element": "pe-e2", "port": "ge-0/0/1"})


def test_a_spare_that_is_down_or_not_an_edge_point_is_refused_and_nothing_is_held(landscape: Landscape) -> None:
    service = create(landscape, UNI, "uni-west-1-2", 162, 100)
    before = held(landscape, service["uuid"])
    twin(landscape, "ports/fail", {"element": "pe-e2", "port": "ge-0/0/4"})
    try:
        down = reassign(landscape, service["uuid"])
        assert down.status_code == 422 and f"{SPARE} (pe-e2 ge-0/0/4) is down itself" in down.text, down.text
    finally:
        twin(landscape, "ports/restore", {"element": "pe-e2", "port": "ge-0/0/4"})
    unknown = reassign(landscape, service["uuid"], "uni-nowhere")
    assert unknown.status_code == 422 and "uni-nowhere" in unknown.text
    assert held(landscape, service["uuid"]) == before
    assert landscape.service(service["uuid"])["end-point"][0]["service-interface-point"][
        "service-interface-point-id"] == UNI
