"""LEGATO over HTTP: an on-net EVC is designed, configured over PRESTO, tested, monitored and
active in the inventory; a refusing network fails the order leaving nothing behind; a
delete order disconnects the service."""

from __future__ import annotations

from sqlalchemy import func, select

from cadenza.icm.rows import ReservationRow, VlanAllocationRow
from cadenza.interfaces.legato.builders import add_evc_item, delete_item, evc_configuration, on_net, service_order
from cadenza.interfaces.legato.paths import INVENTORY_SPEC_FILE, ORDER_SPEC_FILE
from cadenza.sof.rows import PmJobRow, VlanChoiceRow
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.openapi import assert_valid


def evc_order(a: str, a_vlan: int | None, z: str, z_vlan: int | None, mbps: int) -> dict:
    return service_order(add_evc_item("1", evc_configuration(on_net(a, a_vlan), on_net(z, z_vlan),
                                                             bandwidth_mbps=mbps)), external_id="bus-42")


def assert_nothing_left(landscape: SofLandscape) -> None:
    database = landscape.domain.database
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ReservationRow)) == 0
        assert session.scalar(select(func.count()).select_from(VlanAllocationRow)) == 0
        assert session.scalar(select(func.count()).select_from(VlanChoiceRow)) == 0
    for name, element in landscape.domain.twin.twin.elements.items():
        assert dict(element.running.fcs) == {}, f"{name} still holds configuration"


def test_an_on_net_evc_becomes_active_with_its_connectivity_service_on_the_network(
        sof_landscape: SofLandscape) -> None:
    created = sof_landscape.legato.create_service_order(evc_order("uni-east-1-1", 100, "uni-west-3-1", 200, 300))
    assert_valid(ORDER_SPEC_FILE, "ServiceOrder", created)
    assert created["state"] == "acknowledged" and created["externalId"] == "bus-42"
    service_id = created["serviceOrderItem"][0]["service"]["id"]

    done = sof_landscape.wait_for_order(created["id"], "completed", "failed")
    assert done["state"] == "completed", done
    assert_valid(ORDER_SPEC_FILE, "ServiceOrder", done)
    assert done["serviceOrderItem"][0]["state"] == "completed"

    service = sof_landscape.legato.get_service(service_id)
    assert_valid(INVENTORY_SPEC_FILE, "Service", service)
    assert service["state"] == "active"
    design = service["serviceConfiguration"]["cadenzaDesign"]
    assert len(design["segments"]) == 1 and design["segments"][0]["networkDomain"] == "metro"
    test = service["serviceConfiguration"]["cadenzaActivationTest"]
    assert test["result"] == "PASS" and test["informationRateMbps"] >= 285

    network = sof_landscape.presto("metro", design["segments"][0]["uuid"])
    assert network["cadenza-activation"]["state"] == "installed"
    assert network["requested-capacity"]["total-size"]["value"] == 300
    assert [e["service-interface-point"]["service-interface-point-id"] for e in network["end-point"]] == [
        "uni-east-1-1", "uni-west-3-1"]

    listed = sof_landscape.legato.list_services(state="active")
    assert_valid(INVENTORY_SPEC_FILE, "Service", listed, many=True)
    assert [s["id"] for s in listed] == [service_id]
    # the SOF reached its ICMs' PRESTO in the domain's own process (core/in_process.py)
    assert sof_landscape.domain.in_process is not None and sof_landscape.domain.in_process.handled > 0
    with sof_landscape.domain.database.transaction() as session:
        job = session.get(PmJobRow, service_id)
        assert job is not None and job.state == "running" and job.last_counters

    # another BUS party sees none of it
    with sof_landscape.client("sp-bus-2", "bus-demo-secret-2") as other:
        assert other.get(f"/mefApi/legato/serviceInventory/v5/service/{service_id}").status_code == 404

    gone = sof_landscape.legato.create_service_order(service_order(delete_item("1", service_id)))
    assert sof_landscape.wait_for_order(gone["id"], "completed", "failed")["state"] == "completed"
    assert sof_landscape.legato.get_service(service_id)["state"] == "terminated"
    assert sof_landscape.presto("metro", design["segments"][0]["uuid"])["cadenza-activation"]["state"] == "removed"
    assert_nothing_left(sof_landscape)


def test_a_network_that_refuses_fails_the_order_and_leaves_nothing_behind(sof_landscape: SofLandscape) -> None:
    twin = sof_landscape.domain.twin.twin
    for element in ("agg-e1", "agg-e2"):  # every route out of the east area crosses one of them
        twin.element(element).refuse_edits("maintenance window: configuration frozen")
    created = sof_landscape.legato.create_service_order(evc_order("uni-east-1-2", 300, "uni-west-1-2", 300, 200))
    done = sof_landscape.wait_for_order(created["id"], "completed", "failed")
    assert done["state"] == "failed"
    assert_valid(ORDER_SPEC_FILE, "ServiceOrder", done)
    error = done["serviceOrderItem"][0]["terminationError"][0]["value"]
    assert "configuration frozen" in error and "metro" in error
    service = sof_landscape.legato.get_service(done["serviceOrderItem"][0]["service"]["id"])
    assert service["state"] == "terminated"
    assert_nothing_left(sof_landscape)


def test_bad_orders_are_answered_with_mef_errors(sof_landscape: SofLandscape) -> None:
    with sof_landscape.client("sp-bus", "bus-demo-secret") as http:
        unknown = http.post("/mefApi/legato/serviceOrderingManagement/v5/serviceOrder",
                            json=evc_order("uni-nowhere", 5, "uni-west-1-1", 5, 10))
        assert unknown.status_code == 422 and unknown.json()[0]["code"] == "referenceNotFound"
        assert unknown.json()[0]["propertyPath"].endswith("/endPoints/0/uni")
        assert_valid(ORDER_SPEC_FILE, "Error422", unknown.json(), many=True)
        missing = http.post("/mefApi/legato/serviceOrderingManagement/v5/serviceOrder",
                            json={"serviceOrderItem": []})
        assert missing.status_code == 422
        not_active = http.post("/mefApi/legato/serviceOrderingManagement/v5/serviceOrder",
                               json=service_order(delete_item("1", "no-such-service")))
        assert not_active.status_code == 422 and not_active.json()[0]["code"] == "referenceNotFound"
    with sof_landscape.client("peer-sof", "peer-demo-secret") as peer:
        forbidden = peer.get("/mefApi/legato/serviceOrderingManagement/v5/serviceOrder")
        assert forbidden.status_code == 403


def test_an_order_cancelled_in_progress_is_rolled_back(sof_landscape: SofLandscape) -> None:
    for element in ("pe-e4", "pe-w4"):  # slow commits keep the order in progress long enough
        sof_landscape.domain.twin.twin.element(element).commit_delay_ms = 1500
    created = sof_landscape.legato.create_service_order(evc_order("uni-east-4-1", 12, "uni-west-4-1", 12, 50))
    with sof_landscape.client("sp-bus", "bus-demo-secret") as http:
        cancel = http.post(f"/mefApi/legato/serviceOrderingManagement/v5/serviceOrder/{created['id']}/cancel")
    assert cancel.status_code == 200, cancel.text
    done = sof_landscape.wait_for_order(created["id"], "completed", "failed")
    assert done["state"] == "failed"
    assert "cancelled" in done["serviceOrderItem"][0]["terminationError"][0]["value"]
    assert sof_landscape.legato.get_service(done["serviceOrderItem"][0]["service"]["id"])["state"] == "terminated"
    assert_nothing_left(sof_landscape)
