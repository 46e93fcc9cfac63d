"""PRESTO operational states follow the network: a link or element that fails under a service's
route turns the service (and the nodes and edge points it takes down) DISABLED, with an event on
the ICM's hub; restoring it brings ENABLED back, with an event; services elsewhere stay ENABLED.
The measured information rate comes from the network's state, not from the configured CIR."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from cadenza.core.notifications.listener import listener_router
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.interfaces.presto.paths import EVENT_TYPES, LISTENER_BASE
from cadenza.landscape.config import load_domain_config
from tests.helpers.servers import serve, wait_until
from tests.integration.icm.conftest import DEMO, Landscape, running, token
from tests.integration.icm.test_presto_connectivity_service import eline


@dataclass
class Listener:
    events: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def about(self, object_id: str, event_type: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if e["event"]["id"] == object_id
                    and (event_type is None or e["eventType"] == event_type)]

    def operational_news(self, object_id: str) -> list[dict[str, Any]]:
        """The events saying the object's operational state changed (not its lifecycle)."""
        return [e for e in self.about(object_id) if "changed-attributes" in e["event"]]

    def wait_for(self, object_id: str, operational: str, event_type: str) -> dict[str, Any]:
        def arrived() -> dict[str, Any] | None:
            found = [e for e in self.operational_news(object_id) if e["eventType"] == event_type
                     and e["event"]["operational-state"] == operational]
            return found[-1] if found else None

        return wait_until(arrived, what=f"a {event_type} saying {object_id} is {operational}")


@contextmanager
def hub_listener(landscape: Landscape) -> Iterator[Listener]:
    """A listener served over HTTP and registered at the metro ICM's hub."""
    heard = Listener()

    def on_event(_event_type: str, event: dict[str, Any]) -> None:
        with heard.lock:
            heard.events.append(event)

    app = FastAPI()
    app.include_router(listener_router(LISTENER_BASE, on_event, event_types=EVENT_TYPES))
    with serve(app) as callback:
        registered = landscape.http.post("/presto/metro/hub", json={"callback": callback})
        assert registered.status_code == 201, registered.text
        yield heard


def create(landscape: Landscape, a: str, z: str, vlan: int, mbps: int) -> dict[str, Any]:
    created = landscape.op("create-connectivity-service", eline(a, vlan, z, vlan, mbps))
    assert created.status_code == 200, created.text
    return landscape.wait_for_state(created.json()["output"]["service"]["uuid"], "installed")


def links_of(service: dict[str, Any]) -> set[str]:
    return set(service["cadenza-activation"]["s-vlans"])


def twin(landscape: Landscape, path: str, body: dict | None = None) -> None:
    answer = landscape.http.post(f"/cadenza/twin/v1/{path}", json=body)
    assert answer.status_code == 200, answer.text


@pytest.fixture
def heard(landscape: Landscape) -> Iterator[Listener]:
    with hub_listener(landscape) as listener:
        yield listener


def test_a_failed_link_disables_the_services_it_carries_and_its_restoration_enables_them(
        landscape: Landscape, heard: Listener) -> None:
    east = create(landscape, "uni-east-1-1", "uni-west-3-1", 101, 100)
    west = create(landscape, "uni-west-1-1", "uni-west-2-1", 102, 100)
    assert east["operational-state"] == west["operational-state"] == "ENABLED"
    link = sorted(links_of(east) - links_of(west))[0]
    a, b = link.split("|")

    twin(landscape, "links/fail", {"a": a, "b": b})
    event = heard.wait_for(east["uuid"], "DISABLED", "connectivityServiceStateChangeEvent")["event"]
    assert event["notification-type"] == "ATTRIBUTE_VALUE_CHANGE"
    assert event["target-object-type"] == "CONNECTIVITY_SERVICE" and event["target-object-identifier"] == east["uuid"]
    assert event["changed-attributes"] == [{"value-name": "operational-state", "old-value": "ENABLED",
                                            "new-value": "DISABLED"}]
    assert link in event["additional-text"] and event["lifecycle-state"] == "INSTALLED"
    now_east, now_west = landscape.service(east["uuid"]), landscape.service(west["uuid"])
    assert now_east["operational-state"] == "DISABLED" and now_east["lifecycle-state"] == "INSTALLED"
    assert now_east["cadenza-activation"]["route-faults"] == [f"link {link} is down"]
    assert now_west["operational-state"] == "ENABLED" and heard.operational_news(west["uuid"]) == []
    listed = landscape.op("get-connectivity-service-list").json()["output"]["service"]
    assert {s["uuid"]: s["operational-state"] for s in listed}[east["uuid"]] == "DISABLED"

    twin(landscape, "links/restore", {"a": a, "b": b})
    back = heard.wait_for(east["uuid"], "ENABLED", "connectivityServiceStateChangeEvent")["event"]
    assert back["changed-attributes"][0]["old-value"] == "DISABLED"
    assert landscape.service(east["uuid"])["operational-state"] == "ENABLED"
    assert heard.operational_news(west["uuid"]) == []


def test_a_failed_element_disables_its_node_its_edge_points_and_the_services_through_it(
        landscape: Landscape, heard: Listener) -> None:
    east = create(landscape, "uni-east-1-1", "uni-west-3-1", 111, 100)
    west = create(landscape, "uni-west-1-1", "uni-west-2-1", 112, 100)
    element = east["cadenza-activation"]["route"][0]  # the PE of uni-east-1-1
    assert element not in west["cadenza-activation"]["route"]

    twin(landscape, f"elements/{element}/fail")
    heard.wait_for(east["uuid"], "DISABLED", "connectivityServiceStateChangeEvent")
    node = heard.wait_for(element, "DISABLED", "nodeStateChangeEvent")["event"]
    assert node["target-object-type"] == "NODE"
    sip = heard.wait_for("uni-east-1-1", "DISABLED", "serviceInterfacePointStateChangeEvent")["event"]
    assert sip["target-object-type"] == "SERVICE_INTERFACE_POINT"

    topology = landscape.op("get-topology-details", {"input": {"topology-id-or-name": "metro"}}).json()
    nodes = {n["uuid"]: n["operational-state"] for n in topology["output"]["topology"]["node"]}
    assert nodes[element] == "DISABLED" and nodes[west["cadenza-activation"]["route"][0]] == "ENABLED"
    sip_now = landscape.op("get-service-interface-point-details",
                           {"input": {"sip-id-or-name": "uni-east-1-1"}}).json()["output"]["sip"]
    assert sip_now["operational-state"] == "DISABLED"
    assert landscape.service(west["uuid"])["operational-state"] == "ENABLED"
    assert heard.operational_news(west["uuid"]) == []

    twin(landscape, f"elements/{element}/restore")
    heard.wait_for(east["uuid"], "ENABLED", "connectivityServiceStateChangeEvent")
    heard.wait_for(element, "ENABLED", "nodeStateChangeEvent")
    heard.wait_for("uni-east-1-1", "ENABLED", "serviceInterfacePointStateChangeEvent")
    assert landscape.service(east["uuid"])["operational-state"] == "ENABLED"


def test_the_measured_rate_drops_when_a_link_of_the_route_carries_less(landscape: Landscape) -> None:
    service = create(landscape, "uni-east-2-1", "uni-west-2-1", 121, 400)

    def tested() -> dict[str, Any]:
        answer = landscape.op("cadenza-run-activation-test", {"input": {"service-id-or-name": service["uuid"]}})
        assert answer.status_code == 200, answer.text
        return answer.json()["output"]["test"]

    before = tested()
    assert before["result"] == "PASS" and before["information-rate-mbps"] == pytest.approx(400, rel=0.01)
    a, b = sorted(links_of(service))[0].split("|")
    twin(landscape, "links/degrade", {"a": a, "b": b, "capacity_mbps": 100})
    after = tested()
    assert after["information-rate-mbps"] == pytest.approx(100, rel=0.01)
    assert after["result"] == "FAIL" and any("information rate" in f for f in after["failures"])
    counters = landscape.op("cadenza-get-pm-counters", {"input": {"service-id-or-name": service["uuid"]}})
    assert counters.json()["output"]["counters"]["throughputMbps"] == pytest.approx(100, rel=0.01)


@pytest.fixture
def own_process_landscape(sqlite_url: str, tmp_path: Path) -> Iterator[Landscape]:
    config = load_domain_config(DEMO)
    config = config.model_copy(update={"twin": config.twin.model_copy(update={"process": "own"})})
    with running(config, sqlite_url, tmp_path / "sp") as landscape:
        yield landscape


def test_a_twin_in_its_own_process_tells_the_icm_of_its_faults(own_process_landscape: Landscape) -> None:
    landscape = own_process_landscape
    with hub_listener(landscape) as heard:
        service = create(landscape, "uni-east-1-1", "uni-west-3-1", 131, 100)
        a, b = sorted(links_of(service))[0].split("|")
        twin(landscape, "links/fail", {"a": a, "b": b})
        heard.wait_for(service["uuid"], "DISABLED", "connectivityServiceStateChangeEvent")
        assert landscape.service(service["uuid"])["operational-state"] == "DISABLED"
        twin(landscape, "links/restore", {"a": a, "b": b})
        heard.wait_for(service["uuid"], "ENABLED", "connectivityServiceStateChangeEvent")


def test_the_service_list_is_filtered_by_party_in_the_database_however_many_others_hold(
        landscape: Landscape) -> None:
    """A PRESTO client sees its own services only (the list takes no other filter and is not
    paged in the NRP Swagger): 130 services of another party stored first do not crowd it out."""
    mine = create(landscape, "uni-east-3-2", "uni-west-3-2", 141, 10)
    icm = landscape.domain.icms["metro"]
    with icm.database.transaction() as session:
        row = session.get(ConnectivityServiceRow, mine["uuid"])
        columns = {c.key: getattr(row, c.key) for c in ConnectivityServiceRow.__table__.columns}
        for n in range(130):
            session.add(ConnectivityServiceRow(**{**columns, "uuid": f"other-{n:03}", "name": None,
                                                  "owner": "someone-else", "created_at": row.created_at}))
    sof = token(str(landscape.http.base_url).rstrip("/"), "sp-sof", "sof-demo-secret-sp")
    listed = landscape.http.post("/presto/metro/restconf/operations/get-connectivity-service-list/",
                                 headers={"Authorization": f"Bearer {sof}"}, json={})
    assert listed.status_code == 200, listed.text
    assert [s["uuid"] for s in listed.json()["output"]["service"]] == [mine["uuid"]]
    everything = landscape.op("get-connectivity-service-list").json()["output"]["service"]  # the operator's
    assert len(everything) == 131


def test_a_failed_access_port_disables_its_sip_and_the_services_on_it_once_and_its_repair_enables_them(
        landscape: Landscape, heard: Listener) -> None:
    east = create(landscape, "uni-east-1-1", "uni-west-3-1", 121, 100)
    other = create(landscape, "uni-east-2-1", "uni-west-2-1", 122, 100)
    element, port = east["cadenza-activation"]["route"][0], "ge-0/0/1"  # uni-east-1-1's port on its PE
    down = f"access port uni-east-1-1 ({element} {port}) is down"

    twin(landscape, "ports/fail", {"element": element, "port": port})
    sip = heard.wait_for("uni-east-1-1", "DISABLED", "serviceInterfacePointStateChangeEvent")["event"]
    assert sip["target-object-type"] == "SERVICE_INTERFACE_POINT" and sip["additional-text"] == down
    event = heard.wait_for(east["uuid"], "DISABLED", "connectivityServiceStateChangeEvent")["event"]
    assert event["additional-text"] == down and event["lifecycle-state"] == "INSTALLED"
    now_east = landscape.service(east["uuid"])
    assert now_east["operational-state"] == "DISABLED" and now_east["cadenza-activation"]["route-faults"] == [down]
    listed = landscape.op("get-connectivity-service-list").json()["output"]["service"]
    assert {s["uuid"]: s["operational-state"] for s in listed}[east["uuid"]] == "DISABLED"
    sip_now = landscape.op("get-service-interface-point-details",
                           {"input": {"sip-id-or-name": "uni-east-1-1"}}).json()["output"]["sip"]
    assert sip_now["operational-state"] == "DISABLED"
    # the node stays up, and so do the element's other edge points and the service not on the port
    nodes = {n["uuid"]: n["operational-state"] for n in landscape.op(
        "get-topology-details", {"input": {"topology-id-or-name": "metro"}}).json()["output"]["topology"]["node"]}
    assert nodes[element] == "ENABLED" and heard.operational_news(element) == []
    assert heard.operational_news("uni-east-1-2") == []
    assert landscape.service(other["uuid"])["operational-state"] == "ENABLED"
    assert landscape.service(other["uuid"])["cadenza-activation"]["route-faults"] == []

    twin(landscape, "ports/restore", {"element": element, "port": port})
    heard.wait_for("uni-east-1-1", "ENABLED", "serviceInterfacePointStateChangeEvent")
    back = heard.wait_for(east["uuid"], "ENABLED", "connectivityServiceStateChangeEvent")["event"]
    assert back["changed-attributes"][0]["old-value"] == "DISABLED"
    assert landscape.service(east["uuid"])["cadenza-activation"]["route-faults"] == []
    # each change told once, however many times the watcher woke
    assert [e["event"]["operational-state"] for e in heard.operational_news("uni-east-1-1")] == ["DISABLED", "ENABLED"]
    assert [e["event"]["operational-state"] for e in heard.operational_news(east["uuid"])] == ["DISABLED", "ENABLED"]
    assert heard.operational_news(other["uuid"]) == []
