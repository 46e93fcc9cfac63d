"""State tells the truth (issue 9, point 5, BUS side), through the public APIs: lists filter
before paging, a disconnect finds the partner's line however many the buyer holds there, an
order may change a product once, a failed order leaves inventory as the network is, and a
modify keeps what it does not change."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from cadenza.bus.api.product_order import ORDER_EVENT_TYPES
from cadenza.bus.product_inventory import new_product
from cadenza.bus.product_schemas import EPL_EVC
from cadenza.core.db import Database
from cadenza.core.notifications.listener import listener_router
from cadenza.core.notifications.rows import OutboxEventRow
from tests.e2e.conftest import CONTACT, INVENTORY, ORDERS, Parties, address, evpl, item, site
from tests.helpers.servers import serve, wait_until

PARTNER_INVENTORY = "/mefApi/sonata/productInventory/v7"


def _partner_products(parties: Parties, **params: Any) -> tuple[list[dict[str, Any]], int]:
    reply = parties.sp_at_partner_a.get(f"{PARTNER_INVENTORY}/product", params=params)
    assert reply.status_code == 200, reply.text
    return reply.json(), int(reply.headers["X-Total-Count"])


def _seed_partner_products(parties: Parties, owner: str, count: int) -> None:
    """Many newer products of the same buyer at the partner, written with the partner's own store
    (creating them by full orders would take minutes and prove nothing more)."""
    database = Database(parties.landscape.domains["partner-a"].database_url)
    try:
        with database.transaction() as session:
            for n in range(count):
                row = new_product(session, family="sonata", owner=owner, base=PARTNER_INVENTORY,
                                  order_id=f"seeded-order-{n}",
                                  item={"id": "access", "product": {"productOffering": {"id": "access-eline"},
                                                                    "productConfiguration": {}}})
                row.state = "active"
    finally:
        database.dispose()


def test_an_old_off_net_product_among_more_than_a_hundred_is_disconnected_at_the_partner_too(
        parties: Parties, vlan: int) -> None:
    known = {p["id"] for p in _partner_products(parties, limit=1000)[0]}
    added = parties.wait(parties.order(item("1", "evpl", evpl(vlan, vlan), site("site-east-2-1"),
                                            address("12", "Evergreen", "Springfield", "50002")))["id"])
    assert added["state"] == "completed", added["stateChange"]
    line = next(p for p in _partner_products(parties, limit=1000)[0] if p["id"] not in known)
    partner_order = line["productOrderItem"][0]["productOrderId"]
    _seed_partner_products(parties, "cadenza-sp", 120)

    found, total = _partner_products(parties, productOrderId=partner_order)
    assert total == 1 and [p["id"] for p in found] == [line["id"]]
    first_page, total = _partner_products(parties)
    assert len(first_page) == 100 and total >= 121 and line["id"] not in {p["id"] for p in first_page}
    assert _partner_products(parties, productOrderId="no-such-order") == ([], 0)

    product = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": added["id"]}).json()[0]
    partner_before = parties.constructs(parties.partner_a)
    deleted = parties.wait(parties.order({"id": "1", "action": "delete", "product": {"id": product["id"]}})["id"])
    assert deleted["state"] == "completed", deleted
    assert parties.sp_at_partner_a.get(f"{PARTNER_INVENTORY}/product/{line['id']}").json()["status"] == "terminated"
    partner_after = parties.constructs(parties.partner_a)
    assert sum(map(len, partner_after.values())) < sum(map(len, partner_before.values()))


def test_the_order_list_filters_by_external_id_before_paging(parties: Parties) -> None:
    listed = parties.acme.get(f"{ORDERS}/productOrder", params={"externalId": "nobody-uses-this", "limit": 1})
    assert listed.status_code == 200 and listed.json() == [] and listed.headers["X-Total-Count"] == "0"
    bad = parties.acme.get(f"{ORDERS}/productOrder", params={"orderDate.gt": "not a date"})
    assert bad.status_code in (400, 422), bad.text


def _active_evpl(parties: Parties, vlan: int, a: str, z: str) -> dict[str, Any]:
    done = parties.wait(parties.order(item("1", "evpl", evpl(vlan, vlan), site(a), site(z)))["id"])
    assert done["state"] == "completed", done["stateChange"]
    return parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": done["id"]}).json()[0]


def test_an_order_changing_one_product_twice_is_refused_naming_both_items(parties: Parties, vlan: int) -> None:
    product = _active_evpl(parties, vlan, "site-east-1-2", "site-west-1-2")
    reply = parties.acme.post(f"{ORDERS}/productOrder", json={
        "relatedContactInformation": CONTACT, "productOrderItem": [
        {"id": "bandwidth", "action": "modify", "product": {"id": product["id"], "productOffering": {"id": "evpl"},
                                                            "productConfiguration": evpl(vlan, vlan, mbps=200)}},
        {"id": "other", "action": "add", "product": {"productOffering": {"id": "evpl"}}},
        {"id": "disconnect", "action": "delete", "product": {"id": product["id"]}}]})
    assert reply.status_code == 422, reply.text
    errors = reply.json()
    assert isinstance(errors, list) and [e["propertyPath"] for e in errors] == [
        "/productOrderItem/0/product/id", "/productOrderItem/2/product/id"]
    assert all("'bandwidth' (modify) and 'disconnect' (delete)" in e["reason"] for e in errors)
    assert parties.acme.get(f"{INVENTORY}/product/{product['id']}").json()["status"] == "active"


def test_a_modify_keeps_every_attribute_it_does_not_change(parties: Parties, vlan: int) -> None:
    product = _active_evpl(parties, vlan, "site-east-2-2", "site-west-2-2")
    stored = product["productConfiguration"]
    faster = {end: {"ingressBandwidthProfilePerClassofServiceName": [
        {**flow, "bwpFlow": {**flow["bwpFlow"], "cir": {"irValue": 250, "irUnits": "MBPS"}}}
        for flow in stored[end]["ingressBandwidthProfilePerClassofServiceName"]]}
        for end in ("evcEndPointA", "evcEndPointZ")}
    change = {"id": "1", "action": "modify", "product": {"id": product["id"], "productOffering": {"id": "evpl"},
                                                          "productConfiguration": {"@type": stored["@type"], **faster}}}
    done = parties.wait(parties.order(change)["id"])
    assert done["state"] == "completed", done["stateChange"]
    after = parties.acme.get(f"{INVENTORY}/product/{product['id']}").json()["productConfiguration"]
    for end in ("evcEndPointA", "evcEndPointZ"):
        assert after[end]["evcEndPointMap"] == stored[end]["evcEndPointMap"]
        assert after[end]["ingressBandwidthProfilePerClassofServiceName"][0]["bwpFlow"]["cir"]["irValue"] == 250
    assert {k: v for k, v in after.items() if k not in ("evcEndPointA", "evcEndPointZ")} == {
        k: v for k, v in stored.items() if k not in ("evcEndPointA", "evcEndPointZ")}

    # a change the network would not carry out in place (of the type: EVPL to EPL) is refused, not recorded
    moved = {"@type": EPL_EVC}
    refused = parties.acme.post(f"{ORDERS}/productOrder", json={"relatedContactInformation": CONTACT,
                                                                "productOrderItem": [{**change, "product": {
                                                                    **change["product"],
                                                                    "productConfiguration": moved}}]})
    assert refused.status_code == 422, refused.text
    assert refused.json()[0]["propertyPath"] == "/productOrderItem/0/product/productConfiguration/@type"
    assert parties.acme.get(f"{INVENTORY}/product/{product['id']}").json()["productConfiguration"] == after


def _status(parties: Parties, product_id: str) -> str:
    return parties.acme.get(f"{INVENTORY}/product/{product_id}").json()["status"]


def test_a_failed_order_leaves_inventory_as_the_network_is(parties: Parties, vlan: int) -> None:
    doomed = _active_evpl(parties, vlan, "site-east-3-1", "site-west-3-1")
    kept = _active_evpl(parties, vlan + 1, "site-east-3-2", "site-west-3-2")
    relies = [{"id": "disconnect", "relationshipType": "reliesOn"}, {"id": "faster", "relationshipType": "reliesOn"}]
    order = parties.order(
        {"id": "disconnect", "action": "delete", "product": {"id": doomed["id"]}},
        {"id": "faster", "action": "modify", "product": {"id": kept["id"], "productOffering": {"id": "evpl"},
                                                          "productConfiguration": evpl(vlan + 1, vlan + 1, mbps=300)}},
        # delivered after the other two, and no partner serves this address: the order fails
        {**item("new", "evpl", evpl(vlan + 2, vlan + 2), site("site-east-4-1"),
                address("14", "Evergreen", "Springfield", "50004")), "productOrderItemRelationship": relies})
    done = parties.wait(order["id"])
    assert done["state"] == "failed", done["stateChange"]
    assert {i["id"]: i["state"] for i in done["productOrderItem"]} == {
        "disconnect": "failed", "faster": "failed", "new": "failed"}
    # the disconnect happened and cannot be undone: the product says so
    assert _status(parties, doomed["id"]) == "terminated"
    # the bandwidth change was undone: the product is as it was
    after = parties.acme.get(f"{INVENTORY}/product/{kept['id']}").json()
    assert after["status"] == "active" and after["productConfiguration"] == kept["productConfiguration"]
    modifies = [e for e in parties.trace(order["id"]) if e["step"] == "7" and "(modify" in e["operation"]]
    assert len(modifies) == 2, modifies  # the change, and the change back
    # the new product never became active
    added = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": order["id"]}).json()
    assert [p["status"] for p in added if p["id"] not in (doomed["id"], kept["id"])] == ["cancelled"]


def test_a_cancelled_order_passes_through_the_states_mef_123_draws(parties: Parties, vlan: int) -> None:
    order = parties.order(item("1", "evpl", evpl(vlan, vlan), site("site-east-4-2"),
                               address("11", "Evergreen", "Springfield", "50001")))
    cancel = parties.acme.post(f"{ORDERS}/cancelProductOrder", json={
        "productOrder": {"productOrderId": order["id"]}, "cancellationReason": "changed our mind",
        "cancellationReasonType": "commercial", "relatedContactInformation": CONTACT})
    assert cancel.status_code == 201, cancel.text
    assert cancel.json()["state"] == "done"
    done = parties.wait(order["id"])
    assert done["state"] == "cancelled", done["stateChange"]
    states = [c["state"] for c in done["stateChange"]]
    assert states[-3:] == ["assessingCancellation", "pendingCancellation", "cancelled"]
    assert "inProgress" in states
    item_states = [c["state"] for c in done["productOrderItem"][0]["stateChange"]]
    assert item_states[0] == "acknowledged" and item_states[-2:] == ["pending", "cancelled"]
    assert [p["status"] for p in parties.acme.get(f"{INVENTORY}/product",
                                                  params={"productOrderId": order["id"]}).json()] in ([], ["cancelled"])
    listed = parties.acme.get(f"{ORDERS}/cancelProductOrder", params={"productOrderId": order["id"]})
    assert [c["id"] for c in listed.json()] == [cancel.json()["id"]] and listed.headers["X-Total-Count"] == "1"


def _published_at(parties: Parties, domain: str, event_type: str) -> list[dict[str, Any]]:
    """The events of a type a domain's outbox queued for its subscribers (its own store)."""
    database = Database(parties.landscape.domains[domain].database_url)
    try:
        with database.read() as session:
            return [row.body for row in session.scalars(select(OutboxEventRow).where(
                OutboxEventRow.event_type == event_type))]
    finally:
        database.dispose()


def test_every_event_the_order_hubs_offer_is_published(parties: Parties, vlan: int) -> None:
    heard: list[dict[str, Any]] = []
    listeners = FastAPI()
    listeners.include_router(listener_router("/acme/mefApi/cantata/productOrderingNotification/v5",
                                             lambda _type, event: heard.append(event)))
    with serve(listeners) as url:
        refused = parties.acme.post(f"{ORDERS}/hub", json={
            "callback": f"{url}/acme", "query": "eventType=productSpecificProductOrderItemMilestoneEvent"})
        assert refused.status_code == 400, refused.text  # CANTATA sells nothing with such a milestone
        hub = parties.acme.post(f"{ORDERS}/hub", json={"callback": f"{url}/acme"})
        assert hub.status_code == 201, hub.text
        try:
            order = parties.order(item("1", "evpl", evpl(vlan, vlan), site("site-east-1-1"),
                                       address("31", "Oak", "Springfield", "70001")))
            moved = parties.acme.post(f"{ORDERS}/modifyProductOrderItemRequestedDeliveryDate", json={
                "productOrderItem": {"productOrderId": order["id"], "productOrderItemId": "1"},
                "requestedCompletionDate": "2030-06-01T00:00:00Z"})
            assert moved.status_code == 201 and moved.json()["state"] == "done", moved.text
            done = parties.wait(order["id"])
            assert done["state"] == "completed", done["stateChange"]
            assert done["productOrderItem"][0]["requestedCompletionDate"] == "2030-06-01T00:00:00Z"
            assert "expectedCompletionDate" in done["productOrderItem"][0]
            withdrawn = parties.order(item("1", "evpl", evpl(vlan + 1, vlan + 1), site("site-east-1-1"),
                                           address("32", "Oak", "Springfield", "70002")))
            cancel = parties.acme.post(f"{ORDERS}/cancelProductOrder", json={
                "productOrder": {"productOrderId": withdrawn["id"]}, "cancellationReason": "not needed",
                "cancellationReasonType": "technical", "relatedContactInformation": CONTACT})
            assert cancel.status_code == 201, cancel.text
            parties.wait(withdrawn["id"])
            wait_until(lambda: {e["eventType"] for e in heard} >= set(ORDER_EVENT_TYPES), timeout=30,
                       what=f"every offered order event (heard {sorted({e['eventType'] for e in heard})})")
        finally:
            parties.acme.delete(f"{ORDERS}/hub/{hub.json()['id']}")
    assert {e["eventType"] for e in heard} == set(ORDER_EVENT_TYPES)
    dated = next(e for e in heard if e["eventType"] == "productOrderItemExpectedCompletionDateSet")
    assert (dated["event"]["id"], dated["event"]["orderItemId"]) == (order["id"], "1")
    # The partner sold the SP an Access E-Line: its SONATA hub published the activation-test
    # milestone to the SP (which listens there with credentials of its own, docs/security.md).
    milestones = _published_at(parties, "partner-a", "productSpecificProductOrderItemMilestoneEvent")
    assert milestones and all(m["event"]["milestoneName"] == "serviceActivationTest" and m["event"]["orderItemId"]
                              for m in milestones)


def test_the_quoted_lead_time_is_the_ordered_expected_completion(parties: Parties, vlan: int) -> None:
    wanted = item("1", "evpl", evpl(vlan, vlan), site("site-west-4-2"), address("11", "Evergreen", "Springfield",
                                                                                 "50001"))
    quote = parties.acme.post("/mefApi/cantata/quoteManagement/v2/quote", json={
        "instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm", "relatedContactInformation": CONTACT,
        "quoteItem": [{"id": "1", "action": "add", "product": wanted["product"]}]})
    assert quote.status_code == 201, quote.text
    quoted = quote.json()["quoteItem"][0]["quoteItemInstallationInterval"]
    assert quoted["units"] == "calendarDays" and quoted["amount"] >= 30  # off-net: at least the catalog's 30 days
    done = parties.wait(parties.order(wanted)["id"])
    assert done["state"] == "completed", done["stateChange"]
    ordered = datetime.fromisoformat(done["orderDate"].replace("Z", "+00:00"))
    expected = datetime.fromisoformat(done["productOrderItem"][0]["expectedCompletionDate"].replace("Z", "+00:00"))
    assert expected - ordered == timedelta(days=quoted["amount"])
