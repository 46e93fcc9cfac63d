"""Scheduled and temporary changes over ALLEGRO Service Ordering v1 (MEF 55.0.1 §10.3,
"scheduled changes"): an order seconds ahead waits `acknowledged` and is applied at its time
by the fulfilment workflow; one cancelled before its time never touches the service, and a
cancel of a change already applied is refused saying why; a temporary change puts itself back
with an order of its own, heard as any other."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from cadenza.interfaces.allegro.ordering_client import change_item, change_order
from cadenza.interfaces.legato.paths import EVC_TYPE
from cadenza.sof.control.schedule import CANCELLED_REASON
from tests.helpers.servers import wait_until
from tests.integration.sof import test_allegro_service_ordering as ordering
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.openapi import assert_valid
from tests.integration.sof.test_allegro_service_ordering import (
    MANAGEMENT,
    NOTIFICATION,
    Customer,
    active_service,
    order_listener,
    refused,
)

database_url = ordering.database_url  # SQLite: the rules and the contract are under test, as there
customers = ordering.customers


def _mbps(landscape: SofLandscape, service_id: str) -> int:
    return landscape.legato.get_service(service_id)["serviceConfiguration"]["cadenzaDesign"]["bandwidthMbps"]


def _segment_mbps(landscape: SofLandscape, service_id: str) -> int:
    segment = landscape.legato.get_service(service_id)["serviceConfiguration"]["cadenzaDesign"]["segments"][0]
    return landscape.sof.presto.get_connectivity_service(segment["networkDomain"], segment["uuid"]).bandwidth_mbps


def _finished(customer: Customer, order_id: str, timeout: float = 60) -> dict[str, Any]:
    return wait_until(lambda: (o := customer.orders.get_order(order_id))["state"] in ("completed", "failed") and o,
                      timeout=timeout, interval=0.2, what=f"order {order_id} to finish")


def test_a_change_scheduled_seconds_ahead_waits_and_is_applied_at_its_time(
        sof_landscape: SofLandscape, customers: tuple[Customer, Customer]) -> None:
    acme, _ = customers
    service_id = active_service(sof_landscape, "uni-east-1-1", "uni-west-3-1", 450, "acme-corp")
    at = datetime.now(UTC) + timedelta(seconds=4)
    with order_listener(acme.orders) as heard:
        created = acme.orders.create_order(change_order(change_item("1", service_id, EVC_TYPE, 200), start=at))
        assert created["state"] == "acknowledged"
        assert_valid(MANAGEMENT, "ServiceOrder", created)
        # counted against the day it applies on, and a second change of the service may be asked meanwhile
        assert acme.inventory.control_policy(service_id)["changesToday"] == 1
        time.sleep(1.5)
        assert acme.orders.get_order(created["id"])["state"] == "acknowledged"
        assert _mbps(sof_landscape, service_id) == 50
        done = _finished(acme, created["id"])
        assert done["state"] == "completed", done
        began = datetime.fromisoformat(done["startDate"].replace("Z", "+00:00"))
        assert (began if began.tzinfo else began.replace(tzinfo=UTC)) >= at - timedelta(seconds=0.5), done
        states = wait_until(lambda: [e["event"]["state"] for e in heard.of("serviceOrderStateChangeEvent",
                                                                           created["id"])
                                     if e["event"]["state"] == "completed"] and
                            [e["event"]["state"] for e in heard.of("serviceOrderStateChangeEvent", created["id"])],
                            what="the order's events")
        assert states == ["inProgress", "completed"], states
    assert _mbps(sof_landscape, service_id) == 200 and _segment_mbps(sof_landscape, service_id) == 200


def test_a_change_cancelled_before_its_time_never_touches_the_service(
        sof_landscape: SofLandscape, customers: tuple[Customer, Customer]) -> None:
    acme, globex = customers
    service_id = active_service(sof_landscape, "uni-east-2-1", "uni-west-2-1", 451, "acme-corp")
    with order_listener(acme.orders) as heard:
        later = acme.orders.create_order(change_order(change_item("1", service_id, EVC_TYPE, 300),
                                                      start=datetime.now(UTC) + timedelta(seconds=3)))
        assert refused(globex.orders.cancel_order, later["id"]).status == 404  # not globex's to cancel
        cancelled = acme.orders.cancel_order(later["id"])
        assert_valid(MANAGEMENT, "ServiceOrder", cancelled)
        assert cancelled["state"] == "failed"
        [error] = cancelled["serviceOrderItem"][0]["terminationError"]
        assert error["value"] == CANCELLED_REASON and cancelled["serviceOrderItem"][0]["state"] == "failed"
        again = refused(acme.orders.cancel_order, later["id"])
        assert again.status == 409 and "already cancelled" in again.body["reason"], again.body
        events = wait_until(lambda: [e for e in heard.of("serviceOrderStateChangeEvent", later["id"])],
                            what="the cancelled order's state change")
        assert_valid(NOTIFICATION, "ServiceOrderStateChangeEvent", events[0])
        assert [e["event"]["state"] for e in events] == ["failed"]
        time.sleep(4)  # past its time: still untouched
    assert acme.orders.get_order(later["id"])["state"] == "failed"
    assert _mbps(sof_landscape, service_id) == 50 and _segment_mbps(sof_landscape, service_id) == 50
    assert acme.inventory.control_policy(service_id)["changesToday"] == 0  # a cancelled change used none

    now = acme.orders.create_order(change_order(change_item("1", service_id, EVC_TYPE, 100)))
    assert _finished(acme, now["id"])["state"] == "completed"
    late = refused(acme.orders.cancel_order, now["id"])
    assert late.status == 409 and "already completed" in late.body["reason"], late.body


def test_a_temporary_change_puts_itself_back_with_an_order_of_its_own(
        sof_landscape: SofLandscape, customers: tuple[Customer, Customer]) -> None:
    acme, _ = customers
    service_id = active_service(sof_landscape, "uni-east-3-1", "uni-west-3-1", 452, "acme-corp")
    item = change_item("1", service_id, EVC_TYPE, 400)
    item["service"]["serviceConfiguration"]["cadenzaRevertAfter"] = {"amount": 4, "units": "seconds"}
    with order_listener(acme.orders) as heard:
        created = acme.orders.create_order(change_order(item))
        assert _finished(acme, created["id"])["state"] == "completed"
        assert _mbps(sof_landscape, service_id) == 400 and _segment_mbps(sof_landscape, service_id) == 400
        back = wait_until(lambda: [o for o in acme.orders.list_orders() if o["id"] != created["id"]],
                          timeout=30, what="the order putting the change back")
        assert len(back) == 1 and "temporary change" in back[0]["description"]
        assert refused(acme.orders.cancel_order, back[0]["id"]).status == 409  # the SOF's own, not the customer's
        assert _finished(acme, back[0]["id"])["state"] == "completed"
        wait_until(lambda: heard.of("serviceOrderCreateEvent", back[0]["id"]), what="the put-back's create event")
    assert _mbps(sof_landscape, service_id) == 50 and _segment_mbps(sof_landscape, service_id) == 50
    assert acme.inventory.control_policy(service_id)["changesToday"] == 1  # the put-back is part of the change

    for duration, path in (({"amount": 2, "units": "months"}, "/cadenzaRevertAfter/units"),
                           ({"amount": 0, "units": "seconds"}, "/cadenzaRevertAfter")):
        bad = change_item("1", service_id, EVC_TYPE, 400)
        bad["service"]["serviceConfiguration"]["cadenzaRevertAfter"] = duration
        error = refused(acme.orders.create_order, change_order(bad))
        assert error.status == 422 and error.body[0]["propertyPath"].endswith(path), error.body
