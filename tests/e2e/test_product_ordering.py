"""MEF 55.0.1 §10.2 Product Ordering and Service Activation Orchestration, end to end: a
customer orders over CANTATA; the Service Provider delivers across its own network and a
partner's; the customer accepts and billing starts."""

from __future__ import annotations

from fastapi import FastAPI

from cadenza.core.notifications.listener import listener_router
from tests.e2e.conftest import INVENTORY, ORDERS, SPRINGFIELD, Parties, address, epl, evpl, item, site
from tests.helpers.openapi import assert_conforms
from tests.helpers.servers import serve, wait_until

CANTATA_ORDER_SPEC = "cantata/productApi/order/productOrderManagement.api.yaml"
CANTATA_INVENTORY_SPEC = "cantata/productApi/inventory/productInventoryManagement.api.yaml"


def test_a_customer_orders_on_net_and_off_net_connectivity_and_gets_it_delivered(parties: Parties) -> None:
    acme = parties.acme
    # 1. The customer browses the product catalog and its existing products (CANTATA).
    offerings = acme.get("/mefApi/cantata/productCatalog/v2/productOffering")
    assert offerings.status_code == 200 and {"epl", "evpl"} <= {o["id"] for o in offerings.json()}
    assert acme.get(f"{INVENTORY}/product").status_code == 200

    # 2-3. It validates the off-net address, qualifies and gets a quote (BUS-sp asks partners over SONATA).
    submitted = {k: v for k, v in SPRINGFIELD.items() if k != "role"}
    validated = acme.post("/mefApi/cantata/geographicAddressManagement/v1/geographicAddressValidation",
                          json={"provideAlternative": False, "submittedGeographicAddress": submitted})
    assert validated.status_code in (200, 201), validated.text
    poq = acme.post("/mefApi/cantata/productOfferingQualification/v1/productOfferingQualification", json={
        "instantSyncQualification": True, "relatedContactInformation": [
            {"role": "buyerContactInformation", "name": "Ann", "emailAddress": "ann@acme.example",
             "number": "+1-555-0101"}],
        "productOfferingQualificationItem": [{"id": "1", "action": "add", "product": {
            "productOffering": {"id": "evpl"}, "productConfiguration": evpl(101, 101), "place": [SPRINGFIELD]}}]})
    assert poq.status_code == 201, poq.text
    quote = acme.post("/mefApi/cantata/quoteManagement/v2/quote", json={
        "instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm", "relatedContactInformation": [
            {"role": "buyerContactInformation", "name": "Ann", "emailAddress": "ann@acme.example",
             "number": "+1-555-0101"}],
        "quoteItem": [{"id": "1", "action": "add", "product": {
            "productOffering": {"id": "evpl"}, "productConfiguration": evpl(101, 101), "place": [SPRINGFIELD]}}]})
    assert quote.status_code == 201, quote.text

    before_sp, before_partner = parties.constructs(parties.sp), parties.constructs(parties.partner_a)
    # 4. The customer orders an on-net EPL and an off-net EVPL.
    order = parties.order(item("epl", "epl", epl(200), site("site-east-1-1"), site("site-west-1-1")),
                          item("evpl", "evpl", evpl(101, 101), site("site-east-2-1"), SPRINGFIELD))
    assert_conforms(CANTATA_ORDER_SPEC, "/productOrder", "post", 201, order)
    assert order["state"] == "acknowledged"

    done = parties.wait(order["id"])
    assert done["state"] == "completed", done
    assert all(i["state"] == "completed" for i in done["productOrderItem"])
    assert_conforms(CANTATA_ORDER_SPEC, "/productOrder/{id}", "get", 200, done)

    # 13-14. The products are active in the customer's inventory.
    products = acme.get(f"{INVENTORY}/product", params={"productOrderId": order["id"]}).json()
    assert len(products) == 2 and {p["status"] for p in products} == {"active"}
    for product in products:
        assert_conforms(CANTATA_INVENTORY_SPEC, "/product/{id}", "get", 200,
                        acme.get(f"{INVENTORY}/product/{product['id']}").json())

    # 9a/10. Element configuration exists in both domains...
    after_sp, after_partner = parties.constructs(parties.sp), parties.constructs(parties.partner_a)
    assert sum(len(v) for v in after_sp.values()) > sum(len(v) for v in before_sp.values())
    assert sum(len(v) for v in after_partner.values()) > sum(len(v) for v in before_partner.values())
    # ...and the partner's own inventory shows the Access E-Line it sold to the Service Provider.
    sold = parties.sp_at_partner_a.get("/mefApi/sonata/productInventory/v7/product").json()
    assert any(p["productOffering"]["id"] == "access-eline" and p["status"] == "active" for p in sold)

    # The trace shows every §10.2 step.
    steps = {event["step"] for event in parties.trace(order["id"])}
    assert {"4", "5", "6", "7", "8", "9a", "9b", "10", "11", "12", "13", "14"} <= steps

    # 15. The customer accepts; billing starts with a start date.
    for product in products:
        accepted = acme.post(f"{INVENTORY}/product/{product['id']}/acceptance")
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["startDate"] and accepted.json()["monthlyCharge"] > 0


def test_step_9b_option_a_orders_the_partner_segment_over_interlude(parties: Parties, vlan: int) -> None:
    # Beta Fibre is reached over INTERLUDE (SOF-sp -> SOF-partner); Ogdenville is only its.
    order = parties.order(item("1", "evpl", evpl(vlan, vlan), site("site-east-2-2"),
                               address("21", "Elm", "Ogdenville", "60001")))
    done = parties.wait(order["id"])
    assert done["state"] == "completed", done
    option = [e for e in parties.trace(order["id"]) if e["step"] == "9b"]
    assert option and option[0]["referencePoint"] == "INTERLUDE" and option[0]["to"] == "SOF-partner-b"
    interlude = parties.partner_b.get("/mefApi/interlude/serviceInventory/v1/service")
    assert interlude.status_code in (200, 403)


def test_step_9b_option_b_goes_through_the_bus_and_sonata(parties: Parties, vlan: int) -> None:
    order = parties.order(item("1", "evpl", evpl(vlan, vlan), site("site-east-3-1"),
                               address("12", "Evergreen", "Springfield", "50002")))
    done = parties.wait(order["id"])
    assert done["state"] == "completed", done
    option = [(e["referencePoint"], e["from"], e["to"]) for e in parties.trace(order["id"]) if e["step"] == "9b"]
    assert option == [("LEGATO", "SOF-sp", "BUS-sp"), ("SONATA", "BUS-sp", "BUS-partner-a")]
    # The SOF -> BUS request is a LEGATO call over HTTP that only the domain's own SOF may make.
    foreign = parties.acme.post("/cadenza/legato/partnerAccess/v1/partner-a/accessOrder", json={})
    assert foreign.status_code == 403 and foreign.json()["code"] == "accessDenied"
    with parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp") as sof:
        unknown = sof.get("/cadenza/legato/partnerAccess/v1/partner-z/accessOrder/x")
        assert unknown.status_code == 404 and "partner-a" in unknown.json()["reason"]
        malformed = sof.post("/cadenza/legato/partnerAccess/v1/partner-a/accessOrder", json={"partner": "partner-a"})
        assert malformed.status_code in (400, 422) and malformed.json()["code"]


def test_when_two_partners_can_serve_a_site_the_policy_picks_the_cheaper(parties: Parties, vlan: int) -> None:
    order = parties.order(item("1", "evpl", evpl(vlan, vlan), site("site-west-2-1"),
                               address("41", "Cedar", "Shelbyville", "80001")))
    done = parties.wait(order["id"])
    assert done["state"] == "completed", done
    choice = next(e for e in parties.trace(order["id"]) if e["step"] == "6")
    assert "partner-a" in choice["detail"] and "partner-b" in choice["detail"]
    assert choice["detail"].index("partner-a chosen") >= 0
    assert [e["to"] for e in parties.trace(order["id"]) if e["step"] == "9b"][-1] == "BUS-partner-a"


def test_a_partner_rejection_fails_the_order_and_releases_everything(parties: Parties, vlan: int) -> None:
    first = parties.wait(parties.order(item("1", "evpl", evpl(vlan, vlan), site("site-west-3-1"),
                                            address("31", "Oak", "Springfield", "70001")))["id"])
    assert first["state"] == "completed", first
    sp_before, partner_before = parties.constructs(parties.sp), parties.constructs(parties.partner_a)
    # the same CE-VLAN again at the same partner UNI: Alpha Access's network refuses it
    order = parties.order(item("1", "evpl", evpl(vlan + 1, vlan), site("site-west-3-2"),
                               address("31", "Oak", "Springfield", "70001")))
    done = parties.wait(order["id"])
    assert done["state"] == "failed", done
    reason = done["stateChange"][-1]["changeReason"]
    assert "partner-a" in reason and f"CE-VLAN {vlan}" in reason
    assert parties.constructs(parties.sp) == sp_before
    assert parties.constructs(parties.partner_a) == partner_before
    products = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": order["id"]}).json()
    assert [p["status"] for p in products] == ["cancelled"]


def test_a_failed_activation_test_fails_the_order_and_releases_everything(parties: Parties, vlan: int) -> None:
    for a, b in (("agg-e1", "agg-w1"), ("agg-e2", "agg-w2")):
        assert parties.sp.post("/cadenza/twin/v1/links/degrade", json={"a": a, "b": b,
                                                                        "loss_ratio": 0.05}).status_code == 200
    try:
        before = parties.constructs(parties.sp)
        order = parties.order(item("1", "evpl", evpl(vlan, vlan), site("site-east-4-1"), site("site-west-4-1")))
        done = parties.wait(order["id"])
        assert done["state"] == "failed", done
        assert "activation test" in done["stateChange"][-1]["changeReason"]
        assert "frame loss" in done["stateChange"][-1]["changeReason"]
        assert parties.constructs(parties.sp) == before
    finally:
        for a, b in (("agg-e1", "agg-w1"), ("agg-e2", "agg-w2")):
            parties.sp.post("/cadenza/twin/v1/links/degrade", json={"a": a, "b": b, "loss_ratio": 0.0})


def test_cancelling_an_order_in_flight_rolls_it_back_in_both_domains(parties: Parties, vlan: int) -> None:
    sp_before, partner_before = parties.constructs(parties.sp), parties.constructs(parties.partner_a)
    order = parties.order(item("1", "evpl", evpl(vlan, vlan), site("site-east-4-2"),
                               address("32", "Oak", "Springfield", "70002")))
    cancel = parties.acme.post(f"{ORDERS}/cancelProductOrder", json={
        "productOrder": {"productOrderId": order["id"]}, "cancellationReason": "changed our mind",
        "cancellationReasonType": "commercial", "relatedContactInformation": [
            {"role": "buyerContactInformation", "name": "Ann", "emailAddress": "ann@acme.example",
             "number": "+1-555-0101"}]})
    assert cancel.status_code == 201, cancel.text
    done = parties.wait(order["id"])
    assert done["state"] == "cancelled", done
    assert parties.constructs(parties.sp) == sp_before
    assert parties.constructs(parties.partner_a) == partner_before
    open_orders = [o for o in parties.sp_at_partner_a.get(
        "/mefApi/sonata/productOrderingManagement/v10/productOrder").json()
        if o["state"] in ("acknowledged", "inProgress")]
    assert open_orders == []


def test_a_modify_order_changes_the_bandwidth_and_a_delete_order_disconnects(parties: Parties, vlan: int) -> None:
    added = parties.wait(parties.order(item("1", "evpl", evpl(vlan, vlan), site("site-west-4-2"), SPRINGFIELD))["id"])
    assert added["state"] == "completed", added
    product = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": added["id"]}).json()[0]
    before = parties.constructs(parties.sp)

    modify = {"id": "1", "action": "modify", "product": {"id": product["id"], "productOffering": {"id": "evpl"},
                                                          "productConfiguration": evpl(vlan, vlan, mbps=300)}}
    modified = parties.wait(parties.order(modify)["id"])
    assert modified["state"] == "completed", modified
    changed = parties.acme.get(f"{INVENTORY}/product/{product['id']}").json()
    assert changed["status"] == "active"
    cir = changed["productConfiguration"]["evcEndPointA"]["ingressBandwidthProfilePerClassofServiceName"][0]
    assert cir["bwpFlow"]["cir"]["irValue"] == 300

    deleted = parties.wait(parties.order({"id": "1", "action": "delete", "product": {"id": product["id"]}})["id"])
    assert deleted["state"] == "completed", deleted
    assert parties.acme.get(f"{INVENTORY}/product/{product['id']}").json()["status"] == "terminated"
    after = parties.constructs(parties.sp)
    assert sum(map(len, after.values())) < sum(map(len, before.values()))


def test_a_customer_cannot_see_or_touch_another_customers_orders_and_products(parties: Parties) -> None:
    mine = parties.acme.get(f"{ORDERS}/productOrder").json()
    assert mine, "the earlier tests placed orders for acme"
    assert parties.globex.get(f"{ORDERS}/productOrder").json() == []
    assert parties.globex.get(f"{ORDERS}/productOrder/{mine[0]['id']}").status_code == 404
    products = parties.acme.get(f"{INVENTORY}/product").json()
    assert parties.globex.get(f"{INVENTORY}/product/{products[0]['id']}").status_code == 404
    stolen = parties.globex.post(f"{ORDERS}/cancelProductOrder", json={
        "productOrder": {"productOrderId": mine[0]["id"]}, "relatedContactInformation": [
            {"role": "buyerContactInformation", "name": "G", "emailAddress": "g@globex.example", "number": "1"}]})
    assert stolen.status_code == 422 and stolen.json()[0]["code"] == "referenceNotFound"


def test_bad_orders_get_422_naming_the_field(parties: Parties) -> None:
    broken = evpl(5, 5)
    broken["evcEndPointA"]["evcEndPointMap"]["vlanId"] = ["five"]
    reply = parties.acme.post(f"{ORDERS}/productOrder", json={
        "relatedContactInformation": [{"role": "buyerContactInformation", "name": "Ann",
                                       "emailAddress": "ann@acme.example", "number": "1"}],
        "productOrderItem": [item("1", "evpl", broken, site("site-east-1-2"), site("site-west-1-2"))]})
    assert reply.status_code == 422, reply.text
    assert reply.json()[0]["propertyPath"].startswith("/productOrderItem/0/product/productConfiguration/evcEndPointA")
    unknown = parties.acme.post(f"{ORDERS}/productOrder", json={
        "relatedContactInformation": [{"role": "r", "name": "n", "emailAddress": "e", "number": "1"}],
        "productOrderItem": [item("1", "evpl", evpl(5, 5), site("site-nowhere"), site("site-west-1-2"))]})
    assert unknown.status_code == 422 and unknown.json()[0]["code"] == "referenceNotFound"


def test_related_items_are_delivered_in_order_and_a_dangling_relation_is_refused(parties: Parties,
                                                                                vlan: int) -> None:
    first = item("access", "evpl", evpl(vlan, vlan), site("site-east-1-2"), site("site-west-1-2"))
    second = {**item("trunk", "evpl", evpl(vlan + 1, vlan + 1), site("site-east-1-2"), site("site-west-1-2")),
              "productOrderItemRelationship": [{"id": "access", "relationshipType": "RELIES_ON"}]}
    done = parties.wait(parties.order(second, first)["id"])
    assert done["state"] == "completed", done
    requests = [e for e in parties.trace(done["id"]) if e["step"] == "7"]
    assert len(requests) == 2
    dangling = {**second, "productOrderItemRelationship": [{"id": "nope", "relationshipType": "RELIES_ON"}]}
    reply = parties.acme.post(f"{ORDERS}/productOrder", json={
        "relatedContactInformation": [{"role": "r", "name": "n", "emailAddress": "e", "number": "1"}],
        "productOrderItem": [dangling]})
    assert reply.status_code == 422 and reply.json()[0]["code"] == "referenceNotFound"
    assert reply.json()[0]["propertyPath"] == "/productOrderItem/0/productOrderItemRelationship/0/id"
    malformed = parties.acme.post(f"{ORDERS}/productOrder", json={
        "relatedContactInformation": [{"role": "r", "name": "n", "emailAddress": "e", "number": "1"}],
        "productOrderItem": [{**second, "productOrderItemRelationship": [None]}]})
    assert malformed.status_code == 422, malformed.text  # schemathesis found this one answering 500
    assert malformed.json()[0]["propertyPath"] == "/productOrderItem/0/productOrderItemRelationship/0"


def test_the_customer_hears_of_its_order_at_its_registered_listener(parties: Parties, vlan: int) -> None:
    events: list[dict] = []
    listener = FastAPI()
    listener.include_router(listener_router("/acme/mefApi/cantata/productOrderingNotification/v5",
                                            lambda _type, event: events.append(event)))
    with serve(listener) as url:
        hub = parties.acme.post(f"{ORDERS}/hub", json={"callback": f"{url}/acme"})
        assert hub.status_code == 201, hub.text
        try:
            order = parties.order(item("1", "evpl", evpl(vlan, vlan), site("site-east-3-2"), site("site-west-3-2")))
            assert parties.wait(order["id"])["state"] == "completed"
            wait_until(lambda: any(e["eventType"] == "productOrderStateChangeEvent"
                                   and e["event"]["id"] == order["id"] for e in events),
                       timeout=20, what="the order's state change events")
        finally:
            parties.acme.delete(f"{ORDERS}/hub/{hub.json()['id']}")
    assert {e["eventType"] for e in events} >= {"productOrderStateChangeEvent", "productOrderItemStateChangeEvent"}
    assert all(e["event"]["id"] == order["id"] for e in events)  # only its own orders
