"""PRESTO over HTTP against a domain of NETCONF elements: create, verify on the devices,
test, change, delete, and the failure that must leave nothing behind."""

from __future__ import annotations

import time

import pytest
from dbos import DBOS
from sqlalchemy import func, select

from cadenza.core.errors import Unprocessable
from cadenza.icm import activation
from cadenza.icm.commands import CreateConnectivityService, EndPointRequest
from cadenza.icm.resources import ResourceUnavailable
from cadenza.icm.rows import PortUsageRow, ReservationRow, VlanAllocationRow
from tests.helpers.servers import wait_until
from tests.integration.icm.conftest import Landscape


def eline(a: str, a_vlan: int | None, z: str, z_vlan: int | None, mbps: int, **extra: object) -> dict:
    def end(sip: str, vlan: int | None) -> dict:
        mapping = ({"vlan-id-mapping-type": "ALL"} if vlan is None
                   else {"vlan-id-mapping-type": "LIST", "vlan-id": [{"vlan-id": vlan}]})
        return {"service-interface-point": {"service-interface-point-id": sip}, "layer-protocol-name": "ETH",
                "nrp-carrier-eth-connectivity-end-point-resource": {"ce-vlan-id-list-and-untag": mapping}}

    return {"input": {"end-point": [end(a, a_vlan), end(z, z_vlan)],
                      "conn-constraint": {"requested-capacity": {"total-size": {"value": mbps, "unit": "MBPS"}},
                                          "service-type": "POINT_TO_POINT_CONNECTIVITY"}, **extra}}


def assert_network_clean(landscape: Landscape) -> None:
    for element in landscape.domain.icms["metro"].topology.elements:
        assert landscape.running_config(element) == {}, f"{element} still holds configuration"
    icm = landscape.domain.icms["metro"]
    with icm.database.transaction() as session:
        mirrored = icm.inventory.available_mbps(session)
        stored = icm.inventory.exact_available_mbps(session)
        assert all(mirrored[link.id] == stored[link.id] == link.capacity_mbps for link in icm.topology.links.values())
        assert session.scalar(select(func.count()).select_from(ReservationRow)) == 0
        assert session.scalar(select(func.count()).select_from(VlanAllocationRow)) == 0
        link_ports = [(end.element, end.port) for link in icm.topology.links.values() for end in (link.a, link.b)]
        assert not any(icm.inventory.vlans.taken(session, link_ports).values()), "the VLAN mirror kept a claim"
        busy = session.scalars(select(PortUsageRow).where(PortUsageRow.mode != "free")).all()
        assert busy == [] and all(p.reserved_mbps == 0 for p in session.scalars(select(PortUsageRow)))


def test_eline_across_metro_areas_is_configured_on_every_element_and_removed_cleanly(landscape: Landscape) -> None:
    created = landscape.op("create-connectivity-service", eline("uni-east-1-1", 100, "uni-west-3-1", 200, 500))
    assert created.status_code == 200, created.text
    uuid = created.json()["output"]["service"]["uuid"]

    service = landscape.wait_for_state(uuid, "installed")
    assert service["lifecycle-state"] == "INSTALLED" and service["operational-state"] == "ENABLED"
    route = service["cadenza-activation"]["route"]
    assert len(route) >= 3 and route[0] == "pe-e1" and route[-1] == "pe-w3"

    for index, element in enumerate(route):
        running = landscape.running_config(element)
        assert uuid in running, f"{element} does not hold {uuid}"
        fc = running[uuid]
        assert fc.bandwidth.cir_kbps == 500_000
        vlans = {ep.vlan_id for ep in fc.end_points}
        if index == 0:
            assert 100 in vlans
        if index == len(route) - 1:
            assert 200 in vlans
    s_vlans = service["cadenza-activation"]["s-vlans"]
    assert len(s_vlans) == len(route) - 1

    test = landscape.op("cadenza-run-activation-test", {"input": {"service-id-or-name": uuid}})
    assert test.status_code == 200, test.text
    result = test.json()["output"]["test"]
    assert result["result"] == "PASS", result
    assert result["route"][0].startswith("pe-e1:ge-0/0/1") and result["information-rate-mbps"] >= 475

    deleted = landscape.op("delete-connectivity-service", {"input": {"service-id-or-name": uuid}})
    assert deleted.status_code == 200, deleted.text
    landscape.wait_for_state(uuid, "removed")
    assert_network_clean(landscape)


def test_bandwidth_change_reaches_every_element(landscape: Landscape) -> None:
    uuid = landscape.op("create-connectivity-service",
                        eline("uni-east-2-1", 10, "uni-west-2-1", 10, 100)).json()["output"]["service"]["uuid"]
    route = landscape.wait_for_state(uuid, "installed")["cadenza-activation"]["route"]
    changed = landscape.op("update-connectivity-service", {"input": {
        "service-id-or-name": uuid, "conn-constraint": {"requested-capacity": {"total-size": {"value": 1,
                                                                                               "unit": "GBPS"}}}}})
    assert changed.status_code == 200, changed.text
    service = landscape.wait_for_state(uuid, "installed")
    service = landscape.wait_for_state(uuid, "installed") if service["requested-capacity"]["total-size"][
        "value"] != 1000 else service
    assert service["requested-capacity"]["total-size"] == {"value": 1000, "unit": "MBPS"}
    for element in route:
        assert landscape.running_config(element)[uuid].bandwidth.cir_kbps == 1_000_000


def test_an_element_that_refuses_the_edit_fails_the_service_and_leaves_nothing_behind(landscape: Landscape) -> None:
    twin = landscape.domain.twin.twin
    for element in ("agg-e1", "agg-e2"):  # every route out of the east area crosses one of them
        twin.element(element).refuse_edits("maintenance window: configuration frozen")
    created = landscape.op("create-connectivity-service", eline("uni-east-1-2", 300, "uni-west-1-2", 300, 200))
    assert created.status_code == 200, created.text
    uuid = created.json()["output"]["service"]["uuid"]

    service = landscape.wait_for_state(uuid, "failed")
    reason = service["cadenza-activation"]["reason"]
    assert "agg-e" in reason and "configuration frozen" in reason and "rolled back" in reason
    assert service["lifecycle-state"] == "POTENTIAL_AVAILABLE"
    assert_network_clean(landscape)


def test_invalid_requests_get_mef_error_bodies(landscape: Landscape) -> None:
    unknown = landscape.op("create-connectivity-service", eline("uni-nowhere", 5, "uni-west-1-1", 5, 10))
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "referenceNotFound" and "uni-nowhere" in unknown.json()["reason"]
    assert unknown.json()["propertyPath"].startswith("/input/end-point/0")

    no_bandwidth = eline("uni-east-1-1", 5, "uni-west-1-1", 5, 10)
    del no_bandwidth["input"]["conn-constraint"]
    missing = landscape.op("create-connectivity-service", no_bandwidth)
    assert missing.status_code == 422 and missing.json()["code"] == "missingProperty"

    too_big = landscape.op("create-connectivity-service", eline("uni-east-1-1", 5, "uni-west-1-1", 5, 5000))
    assert too_big.status_code == 422 and "Mbit/s" in too_big.json()["reason"]

    garbage = landscape.http.post("/presto/metro/restconf/operations/create-connectivity-service/",
                                  content=b"{not json", headers={"Content-Type": "application/json"})
    assert garbage.status_code == 400 and garbage.json()["code"] == "invalidBody"

    not_found = landscape.op("get-connectivity-service-details", {"input": {"service-id-or-name": "nope"}})
    assert not_found.status_code == 404 and not_found.json()["code"] == "notFound"

    anonymous = landscape.http.post("/presto/metro/restconf/operations/get-connectivity-service-list/",
                                    headers={"Authorization": ""})
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "missingCredentials"


def test_faults_injected_in_the_twin_show_in_activation_tests_and_new_paths(landscape: Landscape) -> None:
    uuid = landscape.op("create-connectivity-service",
                        eline("uni-east-3-1", 77, "uni-west-1-1", 77, 50)).json()["output"]["service"]["uuid"]
    route = landscape.wait_for_state(uuid, "installed")["cadenza-activation"]["route"]
    crossing = next(pair for pair in zip(route, route[1:], strict=False) if pair[0].startswith("agg-e"))

    failed = landscape.http.post("/cadenza/twin/v1/links/fail", json={"a": crossing[0], "b": crossing[1]})
    assert failed.status_code == 200, failed.text
    test = landscape.op("cadenza-run-activation-test", {"input": {"service-id-or-name": uuid}}).json()
    assert test["output"]["test"]["result"] == "FAIL" and not test["output"]["test"]["reachable"]

    # a new service between the same areas is routed around the failed link
    other = landscape.op("create-connectivity-service", eline("uni-east-3-2", 78, "uni-west-1-2", 78, 50))
    new_route = other.json()["output"]["service"]["cadenza-activation"]["route"]
    assert list(crossing) not in [new_route[i:i + 2] for i in range(len(new_route))]

    landscape.http.post("/cadenza/twin/v1/links/restore", json={"a": crossing[0], "b": crossing[1]})
    degraded = landscape.http.post("/cadenza/twin/v1/links/degrade",
                                   json={"a": crossing[0], "b": crossing[1], "loss_ratio": 0.05})
    assert degraded.status_code == 200, degraded.text
    test = landscape.op("cadenza-run-activation-test", {"input": {"service-id-or-name": uuid}}).json()
    assert test["output"]["test"]["result"] == "FAIL"
    assert any("frame loss" in failure for failure in test["output"]["test"]["failures"])

    unknown = landscape.http.post("/cadenza/twin/v1/links/fail", json={"a": "pe-e1", "b": "p6"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "notFound"


def test_pm_counters_grow_with_time(landscape: Landscape) -> None:
    uuid = landscape.op("create-connectivity-service",
                        eline("uni-east-4-1", 90, "uni-east-2-2", 90, 200)).json()["output"]["service"]["uuid"]
    landscape.wait_for_state(uuid, "installed")
    first = landscape.op("cadenza-get-pm-counters", {"input": {"service-id-or-name": uuid}}).json()
    time.sleep(0.3)
    second = landscape.op("cadenza-get-pm-counters", {"input": {"service-id-or-name": uuid}}).json()
    assert second["output"]["counters"]["tx-octets"] > first["output"]["counters"]["tx-octets"] > 0
    assert second["output"]["counters"]["rx-frames"] <= second["output"]["counters"]["tx-frames"]


def test_services_planned_together_are_answered_and_activated_each_on_its_own(landscape: Landscape) -> None:
    icm = landscape.domain.icms["metro"]
    for element in ("agg-e1", "agg-e2"):  # every route out of the east area crosses one of them
        landscape.domain.twin.twin.element(element).refuse_edits("maintenance window: configuration frozen")

    def eline_command(a: str, z: str, vlan: int) -> CreateConnectivityService:
        return CreateConnectivityService(owner="sp", a=EndPointRequest(a, vlan), z=EndPointRequest(z, vlan), mbps=50)

    outcomes = icm.create_many([
        eline_command("uni-west-1-1", "uni-west-3-1", 10),
        eline_command("uni-west-2-1", "uni-west-4-1", 10),
        eline_command("uni-east-1-1", "uni-west-1-2", 10),  # will meet the frozen elements
        eline_command("uni-west-1-1", "uni-west-2-2", 10),  # CE-VLAN 10 of uni-west-1-1 is the first one's
        eline_command("uni-nowhere", "uni-west-2-2", 20),
    ])

    assert isinstance(outcomes[3], ResourceUnavailable) and "CE-VLAN 10" in str(outcomes[3])
    assert isinstance(outcomes[4], Unprocessable) and "uni-nowhere" in str(outcomes[4])
    rows = [outcome[0] for outcome in outcomes[:3] if not isinstance(outcome, Exception)]
    assert len(rows) == 3 and all(outcome[1] for outcome in outcomes[:3])  # type: ignore[index]
    assert len({row.plan["activation"] for row in rows}) == 1, "one group, one activation workflow"

    west_1, west_2, east = rows
    for row in (west_1, west_2):
        service = landscape.wait_for_state(row.uuid, "installed", "failed")
        assert service["cadenza-activation"]["state"] == "installed", service
        for element in service["cadenza-activation"]["route"]:
            assert row.uuid in landscape.running_config(element)
    failed = landscape.wait_for_state(east.uuid, "installed", "failed")
    assert failed["cadenza-activation"]["state"] == "failed"
    assert "configuration frozen" in failed["cadenza-activation"]["reason"]

    for row in (west_1, west_2):
        assert landscape.op("delete-connectivity-service",
                            {"input": {"service-id-or-name": row.uuid}}).status_code == 200
        landscape.wait_for_state(row.uuid, "removed")
    assert_network_clean(landscape)


def test_a_vlan_taken_behind_the_mirrors_back_is_noticed_at_commit_and_planned_around(landscape: Landscape) -> None:
    """The in-memory VLAN mirror decides, the unique constraint confirms: when another process
    took an S-VLAN the mirror thinks free, the commit fails, the ICM reads again and plans anew."""
    icm = landscape.domain.icms["metro"]

    def command(vlan: int) -> CreateConnectivityService:
        return CreateConnectivityService(owner="sp", a=EndPointRequest("uni-west-1-1", vlan),
                                         z=EndPointRequest("uni-west-3-1", vlan), mbps=10)

    [(first, _)] = icm.create_many([command(10)])
    link = first.plan["links"][0]
    taken_vlan = first.plan["s_vlans"][link] + 1
    ends = icm.topology.links[link]
    with icm.database.transaction() as session:  # another process claims the next S-VLAN on that link
        session.add_all([VlanAllocationRow(network_domain="metro", element=end.element, port=end.port,
                                           vlan_id=taken_vlan, service_uuid="elsewhere") for end in (ends.a, ends.b)])

    [outcome] = icm.create_many([command(11)])
    assert not isinstance(outcome, Exception), outcome
    second, new = outcome
    assert new and second.plan["links"][0] == link
    assert second.plan["s_vlans"][link] not in (first.plan["s_vlans"][link], taken_vlan)
    for row in (first, second):
        assert landscape.wait_for_state(row.uuid, "installed", "failed")["cadenza-activation"]["state"] == "installed"


def test_an_activation_that_ended_without_finishing_is_restarted_at_start(landscape: Landscape,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A step that raised what it should not have leaves its workflow in ERROR and the service
    planned; the next start runs the activation again under a new id and finishes it."""
    icm = landscape.domain.icms["metro"]

    def broken(_items: object) -> None:
        raise RuntimeError("element manager bug")

    monkeypatch.setattr(icm.adagio, "apply_many", broken)
    [(row, _)] = icm.create_many([CreateConnectivityService(owner="sp", a=EndPointRequest("uni-west-1-1", 30),
                                                            z=EndPointRequest("uni-west-3-1", 30), mbps=10)])
    activation_id = row.plan["activation"]
    wait_until(lambda: (s := DBOS.get_workflow_status(activation_id)) is not None and s.status == "ERROR",
               timeout=30, what="the activation workflow to end in ERROR")
    assert landscape.service(row.uuid)["cadenza-activation"]["state"] == "planned"

    monkeypatch.undo()
    assert activation.resume_all(icm) == 1
    service = landscape.wait_for_state(row.uuid, "installed", "failed")
    assert service["cadenza-activation"]["state"] == "installed"
    for element in service["cadenza-activation"]["route"]:
        assert row.uuid in landscape.running_config(element)
    # the service's state is written by the workflow's last step, a moment before the workflow ends
    wait_until(lambda: DBOS.get_workflow_status(f"{activation_id}-restart-1").status == "SUCCESS", timeout=30,
               what="the restarted workflow to end")
    assert activation.resume_all(icm) == 0  # nothing left mid-change


def _with_profile(request: dict, **resource: object) -> dict:
    for end in request["input"]["end-point"]:
        end["nrp-carrier-eth-connectivity-end-point-resource"].update(resource)
    return request


def test_a_best_effort_service_reserves_nothing_and_every_element_polices_its_eir_per_class(
        landscape: Landscape) -> None:
    icm = landscape.domain.icms["metro"]
    with icm.database.transaction() as session:
        before = dict(icm.inventory.exact_available_mbps(session))
    flows = [{"cos-name": "low", "ingress-bwp-per-cos": {"cir": 0, "cbs": 0, "eir": 70_000_000, "ebs": 40_000,
                                                         "coupling-flag": True, "color-mode": "COLOR_BLIND",
                                                         "rank": 1, "envelope": {"envelope-id": "env1"}}},
             {"cos-name": "high", "ingress-bwp-per-cos": {"cir": 0, "eir": 20_000_000, "ebs": 20_000, "rank": 2,
                                                          "envelope": {"envelope-id": "env1"}}}]
    created = landscape.op("create-connectivity-service", _with_profile(
        eline("uni-east-3-1", 30, "uni-west-3-2", 30, 0), **{"cos-identifier-list": flows}))
    assert created.status_code == 200, created.text
    uuid = created.json()["output"]["service"]["uuid"]
    service = landscape.wait_for_state(uuid, "installed")
    assert service["requested-capacity"]["total-size"]["value"] == 0
    resource = service["end-point"][0]["nrp-carrier-eth-connectivity-end-point-resource"]
    assert resource["ingress-bwp-flow"]["cir"] == 0 and resource["ingress-bwp-flow"]["eir"] == 90_000_000
    assert [c["cos-name"] for c in resource["cos-identifier-list"]] == ["low", "high"]
    for element in service["cadenza-activation"]["route"]:
        bandwidth = landscape.running_config(element)[uuid].bandwidth
        assert (bandwidth.cir_kbps, bandwidth.eir_kbps, bandwidth.ebs_kbytes) == (0, 90_000, 60)
        assert [(f.name, f.cir_kbps, f.eir_kbps, f.envelope, f.rank) for f in bandwidth.per_cos] == [
            ("low", 0, 70_000, "env1", 1), ("high", 0, 20_000, "env1", 2)]
    with icm.database.transaction() as session:
        assert icm.inventory.exact_available_mbps(session) == before  # the EIR is best effort: nothing reserved

    nothing = landscape.op("create-connectivity-service", eline("uni-east-3-2", 31, "uni-west-3-1", 31, 0))
    assert nothing.status_code == 422 and "needs an excess rate" in nothing.json()["reason"]
    overcommitted = landscape.op("create-connectivity-service", _with_profile(
        eline("uni-east-3-2", 32, "uni-west-3-1", 32, 10), **{"ingress-bwp-flow": {"cir": 50_000_000}}))
    assert overcommitted.status_code == 422 and "commits 50 Mbit/s" in overcommitted.json()["reason"]
    landscape.op("delete-connectivity-service", {"input": {"service-id-or-name": uuid}})
    landscape.wait_for_state(uuid, "removed")
    assert_network_clean(landscape)
