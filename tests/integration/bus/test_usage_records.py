"""The BUS keeps one usage record per change the SOF reports (MEF 55.0.1 §10.3 step 14), for
the product the service runs, however often the event is delivered; usage of a service no
product of the BUS runs on is refused, since there is no one to bill."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cadenza.bus.product_inventory import products
from cadenza.bus.usage import repository
from cadenza.core.db import Database
from cadenza.core.errors import Unprocessable
from cadenza.interfaces.legato.usage import UsageChange, UsageEvent, usage_event_id


def _event(service_id: str, order_id: str = "order-1") -> UsageEvent:
    return UsageEvent(id=usage_event_id(order_id, "1"), serviceId=service_id, serviceOrderId=order_id,
                      channel="allegro", changes=[UsageChange(attribute="bandwidthMbps", fromValue=100, toValue=300)],
                      appliedAt=datetime(2026, 12, 3, 16, 0, tzinfo=UTC))


def test_an_event_delivered_twice_is_kept_once_for_the_product_of_its_service(database: Database) -> None:
    with database.transaction() as session:
        product = products.add(session, family="cantata", owner="acme-corp", state="active",
                               document={"status": "active"}, external_key="service-1")
    with database.transaction() as session:
        first, new = repository.record(session, _event("service-1"))
        assert new and first.product_id == product.id and first.owner == "acme-corp"
    with database.transaction() as session:
        again, new = repository.record(session, _event("service-1"))
        assert not new and again.id == first.id
    with database.transaction() as session:
        repository.record(session, _event("service-1", "order-2"))  # a later change is a record of its own
    with database.read() as session:
        kept = [repository.view(r) for r in repository.records(session, product_id=product.id)]
    assert [r["id"] for r in kept] == ["order-1/1", "order-2/1"]
    assert kept[0]["changes"] == [{"attribute": "bandwidthMbps", "endPoint": None, "fromValue": 100,
                                   "toValue": 300}]
    assert kept[0]["appliedAt"] == "2026-12-03T16:00:00.000Z" and kept[0]["validUntil"] is None


def test_usage_of_a_service_no_product_runs_on_is_refused(database: Database) -> None:
    with database.transaction() as session, pytest.raises(Unprocessable) as refused:
        repository.record(session, _event("nobodys-service"))
    assert "No product of this BUS runs on service nobodys-service" in refused.value.reason
    with database.read() as session:
        assert repository.records(session) == []
