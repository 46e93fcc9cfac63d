"""ALLEGRO Service Inventory v2 over HTTP: a customer lists and retrieves the services ordered for
it and no other's, hears their creation and state changes on its listener in the spec's event
bodies, never sees how the provider built them, and gets the spec's 400 for bad filters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager

import pytest

from cadenza.core.client_credentials import ClientCredentials
from cadenza.interfaces.allegro.http import AllegroError
from cadenza.interfaces.allegro.inventory_client import ServiceInventoryClient
from cadenza.interfaces.allegro.inventory_paths import INVENTORY_EVENT_TYPES, INVENTORY_LISTENER_BASE
from cadenza.interfaces.legato.builders import add_evc_item, evc_configuration, on_net, service_order
from tests.helpers.hub_listener import Heard, hub_listener
from tests.helpers.servers import wait_until
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.openapi import assert_valid

MANAGEMENT = "allegro/serviceApi/inventory/serviceInventoryManagement.api.yaml"
NOTIFICATION = "allegro/serviceApi/inventory/serviceInventoryNotification.api.yaml"


def inventory_listener(client: ServiceInventoryClient) -> AbstractContextManager[Heard]:
    return hub_listener(client, INVENTORY_LISTENER_BASE, INVENTORY_EVENT_TYPES)


def _order(landscape: SofLandscape, a: str, z: str, vlan: int, customer: str) -> str:
    item = add_evc_item("1", evc_configuration(on_net(a, vlan), on_net(z, vlan), bandwidth_mbps=50))
    item["service"]["relatedContactInformation"] = [{"role": "customer", "organization": customer,
                                                     "name": customer, "emailAddress": "", "number": ""}]
    created = landscape.legato.create_service_order(service_order(item, external_id=f"inventory-{vlan}"))
    done = landscape.wait_for_order(created["id"], "completed", "failed")
    assert done["state"] == "completed", done
    return created["serviceOrderItem"][0]["service"]["id"]


@pytest.fixture
def customers(sof_landscape: SofLandscape) -> Iterator[tuple[ServiceInventoryClient, ServiceInventoryClient]]:
    def client(client_id: str, secret: str) -> ServiceInventoryClient:
        return ServiceInventoryClient(sof_landscape.base_url,
                                      ClientCredentials(sof_landscape.base_url, client_id, secret))

    acme, globex = client("acme", "acme-demo-secret"), client("globex", "globex-demo-secret")
    try:
        yield acme, globex
    finally:
        acme.close()
        globex.close()


def test_a_customer_sees_its_own_services_and_hears_them_change(
        sof_landscape: SofLandscape, customers: tuple[ServiceInventoryClient, ServiceInventoryClient]) -> None:
    acme, globex = customers
    with inventory_listener(acme) as heard, inventory_listener(globex) as globex_heard:
        mine = _order(sof_landscape, "uni-east-1-1", "uni-west-3-1", 430, "acme-corp")
        theirs = _order(sof_landscape, "uni-west-1-1", "uni-west-2-1", 431, "globex")
        active = wait_until(lambda: [e for e in heard.of("serviceStateChangeEvent", mine)
                                     if e["event"]["state"] == "active"], what="acme's service to become active")
        assert_valid(NOTIFICATION, "ServiceStateChangeEvent", active[0])
        created = heard.of("serviceCreateEvent", mine)
        assert len(created) == 1
        assert_valid(NOTIFICATION, "ServiceCreateEvent", created[0])
        assert created[0]["event"]["href"].endswith(f"/mefApi/allegro/serviceInventory/v2/service/{mine}")
        wait_until(lambda: globex_heard.of("serviceCreateEvent", theirs), what="globex's own service event")
        assert globex_heard.of("serviceCreateEvent", mine) == [] and heard.of("serviceCreateEvent", theirs) == []

    listed = acme.list_services()
    assert_valid(MANAGEMENT, "Service", listed, many=True)
    assert mine in {s["id"] for s in listed} and theirs not in {s["id"] for s in listed}
    service = acme.get_service(mine)
    assert_valid(MANAGEMENT, "Service", service)
    assert service["state"] == "active" and "startDate" in service
    configuration = service["serviceConfiguration"]
    assert configuration["operationalState"] == {"state": "ENABLED"}
    assert "cadenzaDesign" not in configuration  # how the provider built it is not the customer's
    assert [s["id"] for s in acme.list_services(state="active") if s["id"] == mine] == [mine]
    assert [s for s in acme.list_services(state="terminated") if s["id"] == mine] == []
    assert [s["id"] for s in acme.list_services(**{"@type": configuration["@type"]}) if s["id"] == mine] == [mine]
    assert acme.list_services(**{"@type": "urn:no-such-type"}) == []
    assert [s for s in acme.list_services(**{"startDate.gt": "2999-01-01T00:00:00Z"})] == []
    with pytest.raises(AllegroError) as hidden:
        globex.get_service(mine)
    assert hidden.value.status == 404 and hidden.value.body["code"] == "notFound"
    assert_valid(MANAGEMENT, "Error404", hidden.value.body)


def test_service_filters_the_spec_refuses_get_its_400_body(
        customers: tuple[ServiceInventoryClient, ServiceInventoryClient]) -> None:
    acme, _ = customers
    for params, named in [({"state": "forgotten"}, "state"), ({"startDate.gt": "yesterday"}, "startDate.gt"),
                          ({"limit": "many"}, "limit")]:
        with pytest.raises(AllegroError) as refused:
            acme.list_services(**params)
        assert refused.value.status == 400, params
        assert_valid(MANAGEMENT, "Error400", refused.value.body)
        assert refused.value.body["code"] == "invalidQuery" and named in refused.value.body["reason"], \
            refused.value.body


def test_the_bus_without_the_allegro_scope_is_refused(sof_landscape: SofLandscape) -> None:
    legato_only = ServiceInventoryClient(sof_landscape.base_url,
                                         ClientCredentials(sof_landscape.base_url, "sp-bus", "bus-demo-secret"))
    with pytest.raises(AllegroError) as refused:
        legato_only.list_services()
    assert refused.value.status == 403
