"""ALLEGRO Service Ordering v1 over HTTP (MEF 55.0.1 §10.3 steps 1-3): a customer reads the
bounds of its service, changes its bandwidth within them with a `modify` order that the LEGATO
fulfilment applies in place, follows the order to completed and hears the order's and the
service's events; another customer neither sees the order nor touches the service; a change
outside the bounds, an `add`, a `delete` and a bad body get the spec's error bodies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cadenza.core.client_credentials import ClientCredentials
from cadenza.interfaces.allegro.http import AllegroError
from cadenza.interfaces.allegro.inventory_client import ServiceInventoryClient
from cadenza.interfaces.allegro.ordering_client import ServiceOrderingClient, change_item, change_order
from cadenza.interfaces.allegro.ordering_paths import ORDER_EVENT_TYPES, ORDER_LISTENER_BASE
from cadenza.interfaces.legato.builders import add_evc_item, evc_configuration, on_net, service_order
from cadenza.interfaces.legato.paths import EVC_TYPE
from tests.helpers.hub_listener import Heard, hub_listener
from tests.helpers.servers import wait_until
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.openapi import assert_valid
from tests.integration.sof.test_allegro_service_inventory import inventory_listener

MANAGEMENT = "allegro/serviceApi/order/serviceOrderingManagement.api.yaml"
NOTIFICATION = "allegro/serviceApi/order/serviceOrderingNotification.api.yaml"
POLICY = {"bandwidth": {"minMbps": 10, "maxMbps": 500, "stepMbps": 10},
          "ceVlanChange": {"allowed": True, "lowest": 400, "highest": 499}, "maxChangesPerDay": 5,
          "maxScheduleAheadDays": 7}


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The rules and the HTTP contract are under test, not storage (the LEGATO tests run both)."""
    return sqlite_url


@dataclass
class Customer:
    orders: ServiceOrderingClient
    inventory: ServiceInventoryClient


@pytest.fixture
def customers(sof_landscape: SofLandscape) -> Iterator[tuple[Customer, Customer]]:
    def customer(client_id: str, secret: str) -> Customer:
        token = ClientCredentials(sof_landscape.base_url, client_id, secret)
        return Customer(ServiceOrderingClient(sof_landscape.base_url, token),
                        ServiceInventoryClient(sof_landscape.base_url, token))

    acme, globex = customer("acme", "acme-demo-secret"), customer("globex", "globex-demo-secret")
    try:
        yield acme, globex
    finally:
        for one in (acme, globex):
            one.orders.close()
            one.inventory.close()


def order_listener(client: ServiceOrderingClient) -> AbstractContextManager[Heard]:
    return hub_listener(client, ORDER_LISTENER_BASE, ORDER_EVENT_TYPES)


def active_service(landscape: SofLandscape, a: str, z: str, vlan: int, customer: str, *,
                   policy: dict[str, Any] | None = POLICY) -> str:
    """An EVC the BUS ordered for `customer` over LEGATO, with the bounds of its product."""
    item = add_evc_item("1", evc_configuration(on_net(a, vlan), on_net(z, vlan), bandwidth_mbps=50, control=policy))
    item["service"]["relatedContactInformation"] = [{"role": "customer", "organization": customer,
                                                     "name": customer, "emailAddress": "", "number": ""}]
    created = landscape.legato.create_service_order(service_order(item, external_id=f"control-{vlan}"))
    done = landscape.wait_for_order(created["id"], "completed", "failed")
    assert done["state"] == "completed", done
    return created["serviceOrderItem"][0]["service"]["id"]


def refused(call: Any, *args: Any, **kwargs: Any) -> AllegroError:  # noqa: ANN401
    with pytest.raises(AllegroError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_a_customer_changes_its_own_service_within_its_bounds_in_place(
        sof_landscape: SofLandscape, customers: tuple[Customer, Customer]) -> None:
    acme, globex = customers
    service_id = active_service(sof_landscape, "uni-east-1-1", "uni-west-3-1", 440, "acme-corp")
    # step 1: the bounds, and nothing of them in the MEF document either side sees
    bounds = acme.inventory.control_policy(service_id)
    assert bounds["service"]["id"] == service_id and bounds["bandwidthMbps"] == 50
    assert bounds["bandwidth"] == {**POLICY["bandwidth"]} and bounds["ceVlanChange"] == POLICY["ceVlanChange"]
    assert (bounds["maxChangesPerDay"], bounds["changesToday"], bounds["changesLeftToday"]) == (5, 0, 5)
    assert "cadenzaControlPolicy" not in acme.inventory.get_service(service_id)["serviceConfiguration"]
    legato_view = sof_landscape.legato.get_service(service_id)
    assert "cadenzaControlPolicy" not in legato_view["serviceConfiguration"]
    segment = legato_view["serviceConfiguration"]["cadenzaDesign"]["segments"][0]

    with order_listener(acme.orders) as heard, order_listener(globex.orders) as globex_heard, \
            inventory_listener(acme.inventory) as service_heard:
        created = acme.orders.create_order(change_order(change_item("1", service_id, EVC_TYPE, 200)))
        assert_valid(MANAGEMENT, "ServiceOrder", created)
        assert created["state"] == "acknowledged" and created["href"].endswith(f"/serviceOrder/{created['id']}")
        assert created["serviceOrderItem"][0]["service"]["href"].endswith(
            f"/mefApi/allegro/serviceInventory/v2/service/{service_id}")
        done = wait_until(lambda: (o := acme.orders.get_order(created["id"]))["state"] in ("completed", "failed")
                          and o, what="the change to finish")
        assert done["state"] == "completed", done
        assert_valid(MANAGEMENT, "ServiceOrder", done)
        final = wait_until(lambda: [e for e in heard.of("serviceOrderStateChangeEvent", created["id"])
                                    if e["event"]["state"] == "completed"], what="the order's completion event")
        assert_valid(NOTIFICATION, "ServiceOrderStateChangeEvent", final[0])
        items = wait_until(lambda: [e for e in heard.of("serviceOrderItemStateChangeEvent", created["id"])
                                    if e["event"]["state"] == "completed"], what="the item's completion event")
        assert_valid(NOTIFICATION, "ServiceOrderItemStateChangeEvent", items[0])
        assert items[0]["event"]["orderItemId"] == "1"
        assert_valid(NOTIFICATION, "ServiceOrderCreateEvent", heard.of("serviceOrderCreateEvent", created["id"])[0])
        wait_until(lambda: service_heard.of("serviceAttributeValueChangeEvent", service_id),
                   what="the service's attribute change on the customer's inventory listener")
        assert globex_heard.events == []

    # applied in place: the same segment, now at 200 Mbit/s, and the service never left active
    assert sof_landscape.sof.presto.get_connectivity_service(segment["networkDomain"],
                                                             segment["uuid"]).bandwidth_mbps == 200
    changed = sof_landscape.legato.get_service(service_id)
    assert changed["state"] == "active" and changed["serviceConfiguration"]["cadenzaDesign"]["bandwidthMbps"] == 200
    assert [s["uuid"] for s in changed["serviceConfiguration"]["cadenzaDesign"]["segments"]] == [segment["uuid"]]
    assert acme.inventory.control_policy(service_id)["changesToday"] == 1
    assert [s["id"] for s in acme.inventory.list_services(**{"serviceOrder.id": created["id"]})] == [service_id]
    assert [s["id"] for s in acme.inventory.list_services(**{"serviceOrderItem.id": "1"})] == [service_id]
    assert globex.inventory.list_services(**{"serviceOrder.id": created["id"]}) == []

    # the spec's list filters, and the customer's orders only
    assert [o["id"] for o in acme.orders.list_orders(state="completed")] == [created["id"]]
    assert acme.orders.list_orders(state="failed") == []
    assert acme.orders.list_orders(**{"orderDate.gt": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}) == []
    assert [o["id"] for o in acme.orders.list_orders(**{"completionDate.lt": "2999-01-01T00:00:00Z"})] == [
        created["id"]]
    assert acme.orders.list_orders(**{"expectedCompletionDate.gt": "2000-01-01T00:00:00Z"}) == []
    assert_valid(MANAGEMENT, "ServiceOrder", acme.orders.list_orders(), many=True)

    # isolation: globex neither sees acme's order nor reads or changes acme's service
    assert globex.orders.list_orders() == []
    hidden = refused(globex.orders.get_order, created["id"])
    assert hidden.status == 404
    assert_valid(MANAGEMENT, "Error404", hidden.body)
    assert refused(globex.inventory.control_policy, service_id).status == 404
    stolen = refused(globex.orders.create_order, change_order(change_item("1", service_id, EVC_TYPE, 100)))
    assert stolen.status == 422 and stolen.body[0]["code"] == "referenceNotFound", stolen.body
    assert_valid(MANAGEMENT, "Error422", stolen.body, many=True)
    assert sof_landscape.legato.get_service(service_id)["serviceConfiguration"]["cadenzaDesign"][
        "bandwidthMbps"] == 200


def test_requests_outside_the_bounds_or_the_offer_get_the_specs_error_bodies(
        sof_landscape: SofLandscape, customers: tuple[Customer, Customer]) -> None:
    acme, _ = customers
    service_id = active_service(sof_landscape, "uni-east-2-1", "uni-west-2-1", 441, "acme-corp")
    fixed = active_service(sof_landscape, "uni-east-2-1", "uni-west-1-1", 442, "acme-corp", policy=None)

    def refusal(order: dict[str, Any]) -> dict[str, Any]:
        error = refused(acme.orders.create_order, order)
        assert error.status == 422, error.body
        assert_valid(MANAGEMENT, "Error422", error.body, many=True)
        return error.body[0]

    above = refusal(change_order(change_item("1", service_id, EVC_TYPE, 1200)))
    assert above["reason"] == "bandwidth 1200 Mbit/s is above the maximum 500 Mbit/s of this product", above
    assert above["propertyPath"] == "/serviceOrderItem/0/service/serviceConfiguration/cadenzaEvcPlacement"
    assert "not a whole number of 10 Mbit/s steps" in refusal(change_order(change_item("1", service_id, EVC_TYPE,
                                                                                       105)))["reason"]
    vlan = refusal(change_order(change_item("1", service_id, EVC_TYPE, 50, end_vlans=[300, None])))
    assert "CE-VLAN 300 is outside the CE-VLANs 400-499 this product allows" in vlan["reason"]
    ahead = refusal(change_order(change_item("1", service_id, EVC_TYPE, 100),
                                 start=datetime.now(UTC) + timedelta(days=9)))
    assert ahead["propertyPath"] == "/requestedStartDate" and "at most 7 days ahead" in ahead["reason"]
    assert "allows no change by the customer" in refusal(change_order(change_item("1", fixed, EVC_TYPE,
                                                                                  100)))["reason"]
    add = refusal(change_order({"id": "1", "action": "add", "service": {
        "serviceConfiguration": {"@type": EVC_TYPE}}}))
    assert add["propertyPath"] == "/serviceOrderItem/0/action" and "'add' is not offered here" in add["reason"]
    delete = refusal(change_order({"id": "1", "action": "delete", "service": {"id": service_id}}))
    assert "over CANTATA" in delete["reason"]
    unknown = refusal(change_order(change_item("1", "no-such-service", EVC_TYPE, 100)))
    assert unknown["code"] == "referenceNotFound"
    assert acme.inventory.control_policy(service_id)["changesToday"] == 0  # nothing refused was counted

    # a body the spec refuses never reaches the rules: the guard answers with the spec's list
    for broken, path in (({"serviceOrderItem": []}, "/requestedStartDate"),
                         ({"requestedStartDate": "soon", "requestedCompletionDate": "later",
                           "serviceOrderItem": [change_item("1", service_id, EVC_TYPE, 100)]}, "/requestedStartDate")):
        error = refused(acme.orders.create_order, broken)
        assert error.status == 422, error.body
        assert_valid(MANAGEMENT, "Error422", error.body, many=True)
        assert path in {e["propertyPath"] for e in error.body}, error.body
    for params in ({"state": "forgotten"}, {"orderDate.gt": "yesterday"}, {"limit": "many"}):
        error = refused(acme.orders.list_orders, **params)
        assert error.status == 400 and error.body["code"] == "invalidQuery", (params, error.body)
        assert_valid(MANAGEMENT, "Error400", error.body)


def test_a_change_the_network_refuses_fails_the_order_saying_why_and_leaves_the_service_as_it_was(
        sof_landscape: SofLandscape, customers: tuple[Customer, Customer]) -> None:
    acme, _ = customers
    service_id = active_service(sof_landscape, "uni-east-3-1", "uni-west-3-1", 443, "acme-corp")
    active_service(sof_landscape, "uni-east-3-1", "uni-west-1-1", 444, "acme-corp")  # holds VLAN 444 on uni-east-3-1
    before = sof_landscape.legato.get_service(service_id)["serviceConfiguration"]
    created = acme.orders.create_order(change_order(change_item("1", service_id, EVC_TYPE, 100,
                                                                end_vlans=[444, None])))
    done = wait_until(lambda: (o := acme.orders.get_order(created["id"]))["state"] in ("completed", "failed") and o,
                      what="the change to finish")
    assert done["state"] == "failed", done
    assert_valid(MANAGEMENT, "ServiceOrder", done)
    [error] = done["serviceOrderItem"][0]["terminationError"]
    assert "444" in error["value"], error
    after = sof_landscape.legato.get_service(service_id)
    assert after["state"] == "active"
    assert after["serviceConfiguration"]["cadenzaDesign"]["bandwidthMbps"] == 50
    assert after["serviceConfiguration"]["cadenzaEvcPlacement"] == before["cadenzaEvcPlacement"]
    assert acme.inventory.control_policy(service_id)["changesToday"] == 0  # a failed change uses none of the day's
