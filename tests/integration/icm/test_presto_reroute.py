"""PRESTO cadenza-reroute-connectivity-service over HTTP against the demo SP domain (NETCONF
elements): an installed service moves off a degraded link make before break and its traffic
goes on being delivered; no path is a 422 that changes nothing; an element refusing is undone
to the old route with nothing leaked; a move caught by a crash is finished on resume."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from cadenza.ecm.measure import trace
from cadenza.icm import reroute_flow
from cadenza.icm.commands import RerouteConnectivityService
from cadenza.icm.rows import ConnectivityServiceRow, LinkCapacityRow, ReservationRow, VlanAllocationRow
from cadenza.interfaces.presto.client import PrestoClient, PrestoRefused
from tests.helpers.servers import wait_until
from tests.integration.icm.conftest import Landscape, token
from tests.integration.icm.test_presto_operational_state import Listener, create, hub_listener, twin

CORE_EAST_WEST = "agg-e1:xe-0/2/0|agg-w1:xe-0/2/0"  # the shorter core link between the metro areas
A_END, Z_END = ("pe-e1", "ge-0/0/1"), ("pe-w3", "ge-0/0/1")  # uni-east-1-1, uni-west-3-1
STATE_CHANGE = "connectivityServiceStateChangeEvent"


@pytest.fixture
def heard(landscape: Landscape) -> Iterator[Listener]:
    with hub_listener(landscape) as listener:
        yield listener


@dataclass
class Commits:
    """After each element commit touching the service: whether the frames of each direction
    still reach the far end through the twin, and which elements hold its construct."""

    uuid: str
    seen: list[tuple[bool, bool, frozenset[str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def commits(landscape: Landscape) -> Iterator[Any]:
    network = landscape.domain.twin.twin
    watched: list[Commits] = []

    def on_change(fc_ids: frozenset[str] | None) -> None:
        for watch in watched:
            if fc_ids is not None and watch.uuid in fc_ids:
                holders = frozenset(name for name, ds in network.elements.items() if watch.uuid in ds.running.fcs)
                with watch.lock:
                    watch.seen.append((not trace(network, watch.uuid, *A_END).broken,
                                       not trace(network, watch.uuid, *Z_END).broken, holders))

    def watch(uuid: str) -> Commits:
        watched.append(Commits(uuid))
        return watched[-1]

    network.change_listeners.append(on_change)
    yield watch
    network.change_listeners.remove(on_change)


def reroute(landscape: Landscape, uuid: str, avoid: list[str], **extra: Any) -> Any:
    return landscape.op("cadenza-reroute-connectivity-service",
                        {"input": {"service-id-or-name": uuid, "avoid": avoid, **extra}})


def moved(landscape: Landscape, uuid: str) -> dict[str, Any]:
    """The service once no reroute is under way any more."""
    return wait_until(lambda: "reroute" not in (s := landscape.service(uuid))["cadenza-activation"] and s,
                      what=f"the reroute of {uuid} to end")


def reservations(landscape: Landscape) -> dict[str, Any]:
    with landscape.domain.database.read() as session:
        return {"links": {row.link_id: row.reserved_mbps for row in session.scalars(select(LinkCapacityRow))},
                "held": sorted((r.service_uuid, r.kind, r.resource, r.mbps) for r in session.scalars(
                    select(ReservationRow))),
                "vlans": sorted((v.element, v.port, v.vlan_id, v.service_uuid) for v in session.scalars(
                    select(VlanAllocationRow)))}


def holders(landscape: Landscape, uuid: str) -> set[str]:
    return {name for name, ds in landscape.domain.twin.twin.elements.items() if uuid in ds.running.fcs}


def traffic(landscape: Landscape, uuid: str, seconds: float) -> list[dict[str, Any]]:
    answer = landscape.http.get(f"/cadenza/twin/v1/traffic/{uuid}", params={"windowSeconds": seconds})
    assert answer.status_code == 200, answer.text
    return answer.json()["directions"]


def advance(landscape: Landscape, seconds: float) -> None:
    twin(landscape, "clock", {"scale": 0, "advanceSeconds": seconds})


def test_a_service_moves_off_a_degraded_link_make_before_break_and_its_traffic_goes_on(
        landscape: Landscape, heard: Listener, commits: Any) -> None:
    advance(landscape, 0)  # the clock stopped: traffic moves only when the test advances it
    service = create(landscape, "uni-east-1-1", "uni-west-3-1", 201, 100)
    uuid, old_route = service["uuid"], service["cadenza-activation"]["route"]
    assert CORE_EAST_WEST in service["cadenza-activation"]["s-vlans"], "the shortest route crosses the core link"
    a, b = CORE_EAST_WEST.split("|")
    twin(landscape, "links/degrade", {"a": a, "b": b, "loss_ratio": 0.05})
    advance(landscape, 600)
    assert all(d["greenLossRatio"] > 0.01 for d in traffic(landscape, uuid, 600)), "the degraded link loses frames"
    before = reservations(landscape)
    watch = commits(uuid)

    answer = reroute(landscape, uuid, [CORE_EAST_WEST])
    assert answer.status_code == 200, answer.text
    planned = answer.json()["output"]["reroute"]
    assert planned["result"] == "moving" and planned["from-route"] == old_route
    assert CORE_EAST_WEST not in planned["links"] and planned["route"][0] == "pe-e1" and planned["route"][-1] == "pe-w3"
    assert answer.json()["output"]["service"]["cadenza-activation"]["state"] == "installed"

    after = moved(landscape, uuid)
    activation = after["cadenza-activation"]
    assert activation["route"] == planned["route"] and activation["reason"] is None
    assert CORE_EAST_WEST not in activation["s-vlans"] and set(activation["s-vlans"]) == set(planned["links"])
    assert (after["lifecycle-state"], after["operational-state"], activation["state"]) == \
        ("INSTALLED", "ENABLED", "installed")
    assert holders(landscape, uuid) == set(planned["route"]), "the old route's own elements hold nothing"
    for element in planned["route"]:
        assert uuid in landscape.running_config(element), f"{element} holds the construct, read over NETCONF"

    # Make before break: the new elements first, the frames still on the old route; then where
    # the routes part and meet (pe-e1, pe-w3) replaced in place, sent together: only between
    # those two commits are the frames cut; then the old route's own elements emptied.
    old_only, new_only = set(old_route) - set(planned["route"]), set(planned["route"]) - set(old_route)
    with watch.lock:
        seen = list(watch.seen)
    assert len(seen) == len(new_only) + 2 + len(old_only), seen
    both = frozenset(old_route) | set(planned["route"])
    assert [held for _, _, held in seen[len(new_only) - 1:len(new_only) + 2]] == [both] * 3
    broken = [i for i, (a_ok, z_ok, _) in enumerate(seen) if not (a_ok and z_ok)]
    assert set(broken) <= {len(new_only)}, f"the frames were cut after other commits than the first switch: {seen}"
    assert seen[-1] == (True, True, frozenset(planned["route"]))

    advance(landscape, 600)
    step_s = landscape.http.get("/cadenza/twin/v1/clock").json()["stepSeconds"]
    for direction in traffic(landscape, uuid, 600):
        assert direction["deliveredMbps"] > 0 and direction["greenLossRatio"] == 0, direction
        # The twin takes a construct replaced in place as configured at its commit: the flow
        # entering it restarts at the next step (ecm/traffic.py), so the step of the switch is
        # missing from its history; every other step is there.
        assert direction["steps"] >= 600 // step_s - 1, direction

    now, old_links = reservations(landscape), set(service["cadenza-activation"]["s-vlans"])
    for link, reserved in now["links"].items():
        delta = (link in planned["links"]) - (link in old_links)
        assert reserved == before["links"][link] + 100 * delta, f"{link}: {before['links'][link]} -> {reserved}"
    topology = landscape.domain.icms["metro"].topology
    assert {(v[0], v[1]) for v in now["vlans"] if v[3] == uuid and (v[0], v[1]) != A_END and (v[0], v[1]) != Z_END} \
        == {(end.element, end.port) for link in planned["links"] for end in (topology.links[link].a,
                                                                              topology.links[link].b)}

    event = wait_until(lambda: [e for e in heard.about(uuid, STATE_CHANGE)
                                if (e["event"].get("changed-attributes") or [{}])[0].get("value-name") == "route"],
                       what="the route's state-change event")[0]["event"]
    assert event["changed-attributes"][0] == {"value-name": "route", "old-value": " -> ".join(old_route),
                                              "new-value": " -> ".join(planned["route"])}
    assert event["state"] == "installed" and event["lifecycle-state"] == "INSTALLED"
    assert CORE_EAST_WEST in event["additional-text"]


def test_a_reroute_with_no_other_path_is_refused_and_changes_nothing(landscape: Landscape) -> None:
    service = create(landscape, "uni-east-1-1", "uni-east-2-1", 202, 100)
    uuid = service["uuid"]
    direct = "pe-e1:xe-0/1/1|pe-e2:xe-0/1/0"
    assert service["cadenza-activation"]["route"] == ["pe-e1", "pe-e2"]
    before = reservations(landscape)

    answer = reroute(landscape, uuid, [direct, "agg-e1"])
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["code"] == "invalidValue" and body["propertyPath"] == "/input/avoid"
    assert body["reason"].startswith(f"No path from pe-e1 to pe-e2 avoids link {direct}, element agg-e1 "
                                     "with 100 Mbit/s free")
    unknown = reroute(landscape, uuid, ["agg-e1|nowhere"])
    assert unknown.status_code == 422 and unknown.json()["code"] == "referenceNotFound"
    assert unknown.json()["propertyPath"] == "/input/avoid/0"
    end = reroute(landscape, uuid, ["pe-e2"])
    assert end.status_code == 422 and "holds end point z" in end.json()["reason"]
    nothing = reroute(landscape, uuid, [])
    assert nothing.status_code == 422 and nothing.json()["code"] == "missingProperty"
    unchanged = reroute(landscape, uuid, ["agg-w1"])
    assert unchanged.status_code == 200 and unchanged.json()["output"]["reroute"]["result"] == "unchanged"

    now = landscape.service(uuid)
    assert now["cadenza-activation"] == service["cadenza-activation"]
    assert reservations(landscape) == before and holders(landscape, uuid) == {"pe-e1", "pe-e2"}

    removed = landscape.op("delete-connectivity-service", {"input": {"service-id-or-name": uuid}})
    assert removed.status_code == 200
    landscape.wait_for_state(uuid, "removed")
    gone = reroute(landscape, uuid, [direct])
    assert gone.status_code == 409 and "only an installed service is rerouted" in gone.json()["reason"]


@pytest.mark.parametrize("element", ["agg-w2", "pe-w3"])
def test_an_element_refusing_the_new_route_leaves_the_service_on_its_old_route_with_nothing_leaked(
        landscape: Landscape, heard: Listener, element: str) -> None:
    """agg-w2 is only on the new route (refused while the new elements are configured); pe-w3
    is where the routes meet again (refused at the switch, after pe-e1 may have switched)."""
    advance(landscape, 0)
    service = create(landscape, "uni-east-1-1", "uni-west-3-1", 203, 100)
    uuid, old_route = service["uuid"], service["cadenza-activation"]["route"]
    before = reservations(landscape)
    old_constructs = {name: landscape.running_config(name)[uuid] for name in old_route}
    landscape.domain.twin.twin.element(element).refuse_edits("maintenance window: configuration frozen")

    answer = reroute(landscape, uuid, [CORE_EAST_WEST])
    assert answer.status_code == 200, answer.text
    planned = answer.json()["output"]["reroute"]
    assert element in planned["route"]

    after = moved(landscape, uuid)
    activation = after["cadenza-activation"]
    assert activation["route"] == old_route and activation["s-vlans"] == service["cadenza-activation"]["s-vlans"]
    assert activation["state"] == "installed" and after["operational-state"] == "ENABLED"
    assert activation["reason"].startswith("Reroute refused and undone, the service kept its route: ")
    assert f"{element} refused" in activation["reason"] and "configuration frozen" in activation["reason"]
    assert reservations(landscape) == before, "the new route's bandwidth and S-VLANs given back"
    assert holders(landscape, uuid) == set(old_route)
    assert {name: landscape.running_config(name)[uuid] for name in old_route} == old_constructs
    network = landscape.domain.twin.twin
    assert not trace(network, uuid, *A_END).broken and not trace(network, uuid, *Z_END).broken
    advance(landscape, 300)
    assert all(d["deliveredMbps"] > 0 for d in traffic(landscape, uuid, 300)), "the old route still carries it"
    refused = wait_until(lambda: [e for e in heard.about(uuid, STATE_CHANGE) if e["event"]["reason"]],
                         what="the refusal's state-change event")[0]["event"]
    assert refused["reason"] == activation["reason"] and refused["state"] == "installed"

    network.element(element).refuse_edits(None)
    again = reroute(landscape, uuid, [CORE_EAST_WEST])
    assert again.status_code == 200 and again.json()["output"]["reroute"]["result"] == "moving"
    assert moved(landscape, uuid)["cadenza-activation"]["route"] == planned["route"]


def test_a_move_caught_by_a_crash_is_finished_on_resume_and_refuses_changes_meanwhile(
        landscape: Landscape) -> None:
    service = create(landscape, "uni-east-1-1", "uni-west-3-1", 204, 100)
    uuid, old_route = service["uuid"], service["cadenza-activation"]["route"]
    icm = landscape.domain.icms["metro"]
    # Decided and committed, then the process died before its workflow ran a step past the first.
    row, moving = icm.reroute(RerouteConnectivityService(None, uuid, (CORE_EAST_WEST,)))
    assert moving
    job = reroute_flow.RerouteJob("metro", uuid, row.generation)
    assert reroute_flow.reroute_apply(job, "new-only") == []
    new_route = row.pending["reroute"]["to"]["elements"]
    assert holders(landscape, uuid) == set(old_route) | set(new_route)

    shown = landscape.service(uuid)["cadenza-activation"]
    assert shown["route"] == old_route and shown["reroute"]["to-route"] == new_route
    change = landscape.op("update-connectivity-service", {"input": {
        "service-id-or-name": uuid, "conn-constraint": {"requested-capacity": {"total-size": {"value": 50}}}}})
    assert change.status_code == 409 and "being rerouted" in change.json()["reason"]
    other = reroute(landscape, uuid, ["agg-w1"])
    assert other.status_code == 409 and "being rerouted already" in other.json()["reason"]

    assert reroute_flow.resume_reroutes(icm) == 1
    after = moved(landscape, uuid)
    assert after["cadenza-activation"]["route"] == new_route and holders(landscape, uuid) == set(new_route)
    with icm.database.read() as session:
        stored = session.get(ConnectivityServiceRow, uuid)
        assert stored.pending is None and stored.plan["elements"] == new_route
        held = {r.resource for r in session.scalars(select(ReservationRow).where(
            ReservationRow.service_uuid == uuid, ReservationRow.kind == "link"))}
    assert held == set(stored.plan["links"])
    assert reroute_flow.resume_reroutes(icm) == 0
    retried = reroute(landscape, uuid, [CORE_EAST_WEST])
    assert retried.status_code == 200 and retried.json()["output"]["reroute"]["result"] == "unchanged"


def test_the_presto_client_reroutes_and_tells_why_it_cannot(landscape: Landscape) -> None:
    service = create(landscape, "uni-east-1-1", "uni-west-3-1", 205, 100)
    base = str(landscape.http.base_url).rstrip("/")
    bearer = token(base, "sp-sof", "sof-demo-secret-sp")
    client = PrestoClient(base, lambda: bearer)
    try:
        with pytest.raises(PrestoRefused) as refused:
            client.reroute_connectivity_service("metro", service["uuid"], ["pe-e1"])
        assert refused.value.status == 422 and "holds end point a" in refused.value.reason
        done = client.reroute_connectivity_service("metro", service["uuid"], [CORE_EAST_WEST], max_delay_ms=10)
        assert done.moving and CORE_EAST_WEST not in done.links and done.from_route == tuple(
            service["cadenza-activation"]["route"])
        assert done.service.state == "installed" and done.delay_ms is not None and done.delay_ms <= 10
    finally:
        client.close()
    assert moved(landscape, service["uuid"])["cadenza-activation"]["route"] == list(done.route)


def test_the_same_reroute_asked_again_finishes_a_move_whose_workflow_was_lost(landscape: Landscape) -> None:
    service = create(landscape, "uni-east-1-1", "uni-west-3-1", 206, 100)
    uuid = service["uuid"]
    # Committed, then the process died before the move's workflow was started.
    row, moving = landscape.domain.icms["metro"].reroute(RerouteConnectivityService(None, uuid, (CORE_EAST_WEST,)))
    assert moving and holders(landscape, uuid) == set(service["cadenza-activation"]["route"])

    retried = reroute(landscape, uuid, [CORE_EAST_WEST])
    assert retried.status_code == 200 and retried.json()["output"]["reroute"]["result"] == "moving"
    assert retried.json()["output"]["reroute"]["route"] == row.pending["reroute"]["to"]["elements"]
    after = moved(landscape, uuid)
    assert after["cadenza-activation"]["route"] == row.pending["reroute"]["to"]["elements"]
    assert holders(landscape, uuid) == set(after["cadenza-activation"]["route"])
