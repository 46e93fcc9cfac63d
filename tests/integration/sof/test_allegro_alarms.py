"""ALLEGRO Alarm Management over HTTP: a link failing under a customer's active service raises
one alarm on that service and on no other, seen by that customer and not another, told to the
customer's hub listener; restoring the link clears it. Bad query parameters get the spec's 400."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest

from cadenza.core.client_credentials import ClientCredentials
from cadenza.interfaces.allegro.alarm_client import AlarmClient, AlarmError
from cadenza.interfaces.allegro.alarm_paths import ALARM_EVENT_TYPES, ALARM_LISTENER_BASE
from cadenza.interfaces.legato.alarm import LEGATO_ALARM_BASE
from cadenza.interfaces.legato.builders import add_evc_item, evc_configuration, on_net, service_order
from tests.helpers.hub_listener import Heard, hub_listener
from tests.helpers.servers import wait_until
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.openapi import assert_valid

MANAGEMENT = "allegro/serviceApi/alarm/alarmManagement.api.yaml"
NOTIFICATION = "allegro/serviceApi/alarm/alarmNotification.api.yaml"
EVENT_SCHEMAS = {"alarmCreateEvent": "AlarmCreateEvent", "alarmStateChangeEvent": "AlarmStateChangeEvent",
                 "alarmAttributeValueChangeEvent": "AlarmAttributeValueChangeEvent"}


def alarm_listener(alarms: AlarmClient) -> AbstractContextManager[Heard]:
    return hub_listener(alarms, ALARM_LISTENER_BASE, ALARM_EVENT_TYPES)


def _active_service(landscape: SofLandscape, a: str, z: str, vlan: int, customer: str) -> dict[str, Any]:
    item = add_evc_item("1", evc_configuration(on_net(a, vlan), on_net(z, vlan), bandwidth_mbps=50))
    # who the service is for, as the BUS says it (docs/legato-profile.md, "Who the service is for")
    item["service"]["relatedContactInformation"] = [{"role": "customer", "organization": customer,
                                                     "name": customer, "emailAddress": "", "number": ""}]
    created = landscape.legato.create_service_order(service_order(item, external_id=f"alarms-{vlan}"))
    done = landscape.wait_for_order(created["id"], "completed", "failed")
    assert done["state"] == "completed", done
    return landscape.legato.get_service(created["serviceOrderItem"][0]["service"]["id"])


def _links(landscape: SofLandscape, service: dict[str, Any]) -> set[str]:
    segment = service["serviceConfiguration"]["cadenzaDesign"]["segments"][0]
    return set(landscape.presto(segment["networkDomain"], segment["uuid"])["cadenza-activation"]["s-vlans"])


def _customer(landscape: SofLandscape, client_id: str, secret: str) -> AlarmClient:
    return AlarmClient(landscape.base_url, ClientCredentials(landscape.base_url, client_id, secret))


@pytest.fixture
def customers(sof_landscape: SofLandscape) -> Iterator[tuple[AlarmClient, AlarmClient]]:
    acme = _customer(sof_landscape, "acme", "acme-demo-secret")
    globex = _customer(sof_landscape, "globex", "globex-demo-secret")
    try:
        yield acme, globex
    finally:
        acme.close()
        globex.close()


def test_a_failed_link_raises_one_alarm_on_the_service_crossing_it_seen_by_its_customer_only(
        sof_landscape: SofLandscape, customers: tuple[AlarmClient, AlarmClient]) -> None:
    acme, globex = customers
    crossing = _active_service(sof_landscape, "uni-east-1-1", "uni-west-3-1", 410, "acme-corp")
    elsewhere = _active_service(sof_landscape, "uni-east-2-1", "uni-east-3-1", 411, "acme-corp")
    others = _active_service(sof_landscape, "uni-west-1-1", "uni-west-2-1", 412, "globex")
    link = sorted(_links(sof_landscape, crossing) - _links(sof_landscape, elsewhere)
                  - _links(sof_landscape, others))[0]
    assert acme.list_alarms() == [] and globex.list_alarms() == []
    twin = sof_landscape.domain.twin.twin
    with alarm_listener(acme) as heard, alarm_listener(globex) as globex_heard:
        twin.fail_link(*link.split("|"))
        try:
            raised = wait_until(lambda: acme.list_alarms(), timeout=60, what="an alarm on acme's service")
            assert_valid(MANAGEMENT, "Alarm_Common", raised, many=True)
            assert len(raised) == 1
            summary = raised[0]
            assert summary["affectedService"] == [{"id": crossing["id"]}]
            assert (summary["state"], summary["perceivedSeverity"], summary["alarmType"],
                    summary["serviceAffecting"]) == ("unAcknowledged", "critical", "communicationsAlarm", True)
            alarm = acme.get_alarm(summary["id"])
            assert_valid(MANAGEMENT, "Alarm", alarm)
            assert alarm["specificProblem"] == f"link {link} is down"
            assert alarm["probableCause"] == "underlyingResourceUnavailable"
            assert alarm["alarmedObject"] == [{"id": crossing["id"], "@referredType": "EVC"}]
            assert globex.list_alarms() == []
            with pytest.raises(AlarmError) as hidden:
                globex.get_alarm(summary["id"])
            assert hidden.value.status == 404 and hidden.value.body["code"] == "notFound"
            created = wait_until(lambda: heard.of("alarmCreateEvent"), what="the alarmCreateEvent")
            assert len(created) == 1 and created[0]["event"]["alarm"]["id"] == summary["id"]
            assert_valid(NOTIFICATION, "AlarmCreateEvent", created[0])
        finally:
            twin.restore_link(*link.split("|"))
        cleared = wait_until(lambda: acme.list_alarms(state="cleared"), timeout=60, what="the alarm to clear")
        assert [a["id"] for a in cleared] == [summary["id"]]
        assert cleared[0]["perceivedSeverity"] == "cleared" and "alarmClearedTime" in cleared[0]
        assert acme.list_alarms(state="unAcknowledged") == []
        changed = wait_until(lambda: heard.of("alarmStateChangeEvent"), what="the alarmStateChangeEvent")
        assert changed[0]["event"]["alarm"]["state"] == "cleared"
        assert_valid(NOTIFICATION, "AlarmStateChangeEvent", changed[0])
        assert globex_heard.events == []
    assert acme.list_alarms(affectedServiceId=elsewhere["id"]) == []
    assert [a["id"] for a in acme.list_alarms(affectedServiceId=crossing["id"])] == [summary["id"]]


def test_alarm_filters_the_spec_refuses_get_its_400_body(customers: tuple[AlarmClient, AlarmClient]) -> None:
    acme, _ = customers
    for params, named in [({"perceivedSeverity": "apocalyptic"}, "perceivedSeverity"),
                          ({"state": "forgotten"}, "state"),
                          ({"alarmChangedTime.gt": "yesterday"}, "alarmChangedTime.gt"),
                          ({"serviceAffecting": "perhaps"}, "serviceAffecting"),
                          ({"limit": "many"}, "limit")]:
        with pytest.raises(AlarmError) as refused:
            acme.list_alarms(**params)
        assert refused.value.status == 400, params
        assert_valid(MANAGEMENT, "Error400", refused.value.body)
        assert refused.value.body["code"] == "invalidQuery" and named in refused.value.body["reason"], \
            refused.value.body


def test_a_customer_without_the_allegro_scope_is_refused(sof_landscape: SofLandscape) -> None:
    legato_only = AlarmClient(sof_landscape.base_url, ClientCredentials(sof_landscape.base_url, "sp-bus",
                                                                        "bus-demo-secret"))
    with pytest.raises(AlarmError) as refused:
        legato_only.list_alarms()
    assert refused.value.status == 403


def test_the_bus_reads_the_alarms_of_the_services_it_ordered_over_legato_a_customer_cannot(
        sof_landscape: SofLandscape, customers: tuple[AlarmClient, AlarmClient]) -> None:
    """Alarm Management v3 at the LEGATO base (interfaces/legato/alarm.py): the BUS hears of an
    outage the moment it is raised, to tell the customer with an incident (bus/incident/outage.py)."""
    acme, _ = customers
    service = _active_service(sof_landscape, "uni-east-1-1", "uni-west-3-1", 430, "acme-corp")
    link = sorted(_links(sof_landscape, service))[0]
    twin = sof_landscape.domain.twin.twin
    bus = sof_landscape.client("sp-bus", "bus-demo-secret")
    customer = sof_landscape.client("acme", "acme-demo-secret")
    try:
        twin.fail_link(*link.split("|"))
        try:
            [summary] = wait_until(lambda: acme.list_alarms(affectedServiceId=service["id"]), timeout=60,
                                   what="the outage alarm")
            listed = bus.get(f"{LEGATO_ALARM_BASE}/alarm", params={"affectedServiceId": service["id"]})
            assert listed.status_code == 200, listed.text
            assert_valid(MANAGEMENT, "Alarm_Common", listed.json(), many=True)
            assert [a["id"] for a in listed.json()] == [summary["id"]]
            read = sof_landscape.legato.get_alarm(summary["id"])
            assert (read.service_id, read.state, read.outage) == (service["id"], "unAcknowledged", True)
            assert read.specific_problem == f"link {link} is down"
            refused = customer.get(f"{LEGATO_ALARM_BASE}/alarm")  # a customer has no LEGATO scope
            assert refused.status_code == 403, refused.text
        finally:
            twin.restore_link(*link.split("|"))
        wait_until(lambda: sof_landscape.legato.get_alarm(summary["id"]).state == "cleared", timeout=60,
                   what="the alarm cleared, as the BUS reads it")
    finally:
        bus.close()
        customer.close()
    # another BUS (another buyer of this SOF) neither lists nor reads it
    other = sof_landscape.client("sp-bus-2", "bus-demo-secret-2")
    with other:
        assert other.get(f"{LEGATO_ALARM_BASE}/alarm").json() == []
        hidden = other.get(f"{LEGATO_ALARM_BASE}/alarm/{summary['id']}")
        assert hidden.status_code == 404 and hidden.json()["code"] == "notFound"
