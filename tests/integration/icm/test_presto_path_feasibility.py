"""PRESTO compute-p-2-p-path: whether the network could carry a service now, from the same
inventory a create reserves from, reserving nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from cadenza.icm.rows import ReservationRow
from tests.integration.icm.conftest import Landscape
from tests.integration.icm.test_presto_connectivity_service import eline


def path_query(a: str, a_vlan: int | None, z: str, z_vlan: int | None, mbps: int, **extra: Any) -> dict:
    def sep(sip: str, vlan: int | None) -> dict:
        mapping = ({"vlan-id-mapping-type": "ALL"} if vlan is None
                   else {"vlan-id-mapping-type": "LIST", "vlan-id": [{"vlan-id": vlan}]})
        return {"service-interface-point": sip,
                "nrp-carrier-eth-connectivity-end-point-resource": {"ce-vlan-id-list-and-untag": mapping}}

    return {"input": {"sep": [sep(a, a_vlan), sep(z, z_vlan)],
                      "routing-constraint": {"requested-capacity": {"total-size": {"value": mbps, "unit": "MBPS"}}},
                      **extra}}


def reservations(landscape: Landscape) -> int:
    with landscape.domain.database.read() as session:
        return session.scalar(select(func.count()).select_from(ReservationRow)) or 0


def test_a_path_that_fits_is_found_and_nothing_is_reserved(landscape: Landscape) -> None:
    found = landscape.op("compute-p-2-p-path", path_query("uni-east-1-1", 100, "uni-west-3-1", 200, 500))
    assert found.status_code == 200, found.text
    path = found.json()["output"]["service"]["cadenza-path"]
    assert path["route"][0] == "pe-e1" and path["route"][-1] == "pe-w3" and path["links"]
    assert path["headroom-mbps"] == 500  # the 1,000 Mbit/s UNI ports are the narrowest
    assert reservations(landscape) == 0
    # what was found feasible can then be created
    created = landscape.op("create-connectivity-service", eline("uni-east-1-1", 100, "uni-west-3-1", 200, 500))
    assert created.status_code == 200, created.text


def test_more_bandwidth_than_the_network_has_is_refused_with_the_reason(landscape: Landscape) -> None:
    refused = landscape.op("compute-p-2-p-path", path_query("uni-east-1-1", 100, "uni-west-3-1", 200, 5000))
    assert refused.status_code == 422, refused.text
    assert "uni-east-1-1 has 1000 Mbit/s free, 5000 Mbit/s asked" in refused.json()["reason"]
    missing = landscape.op("compute-p-2-p-path", {"input": {"sep": path_query(
        "uni-east-1-1", 1, "uni-west-3-1", 2, 5)["input"]["sep"]}})
    assert missing.status_code == 422 and missing.json()["code"] == "missingProperty"


def test_vlans_and_bandwidth_held_by_others_count_and_a_change_counts_its_own_as_free(landscape: Landscape) -> None:
    created = landscape.op("create-connectivity-service", eline("uni-east-1-1", 300, "uni-west-3-1", 300, 600))
    assert created.status_code == 200, created.text
    uuid = created.json()["output"]["service"]["uuid"]
    landscape.wait_for_state(uuid, "installed")
    held = reservations(landscape)
    taken = landscape.op("compute-p-2-p-path", path_query("uni-east-1-1", 300, "uni-west-3-2", 300, 10))
    assert taken.status_code == 422 and "CE-VLAN 300 is already in use on edge point uni-east-1-1" in \
        taken.json()["reason"]
    short = landscape.op("compute-p-2-p-path", path_query("uni-east-1-1", 301, "uni-west-3-2", 301, 500))
    assert short.status_code == 422 and "has 400 Mbit/s free, 500 Mbit/s asked" in short.json()["reason"]
    whole = landscape.op("compute-p-2-p-path", path_query("uni-east-1-1", None, "uni-west-3-2", None, 10))
    assert whole.status_code == 422 and "already carries VLAN-based services" in whole.json()["reason"]
    # the service itself growing to 900: its own 600 count as free, and its route is kept
    grow = landscape.op("compute-p-2-p-path", path_query("uni-east-1-1", 300, "uni-west-3-1", 300, 900,
                                                         **{"cadenza-for-service": uuid}))
    assert grow.status_code == 200, grow.text
    route = landscape.service(uuid)["cadenza-activation"]["route"]
    assert grow.json()["output"]["service"]["cadenza-path"]["route"] == route
    too_much = landscape.op("compute-p-2-p-path", path_query("uni-east-1-1", 300, "uni-west-3-1", 300, 1100,
                                                             **{"cadenza-for-service": uuid}))
    assert too_much.status_code == 422 and "1100 Mbit/s asked" in too_much.json()["reason"]
    assert reservations(landscape) == held  # asking reserved nothing
