"""POQ and quote answer from what the network can carry now, and the quote is the contract
the order keeps (issue 9, points 3 and 4), through CANTATA as a customer meets them."""

from __future__ import annotations

from typing import Any

from cadenza.bus.product_schemas import EPL_EVC
from tests.e2e.conftest import CONTACT, INVENTORY, ORDERS, SPRINGFIELD, Parties, address, epl, evpl, item, site

POQ = "/mefApi/cantata/productOfferingQualification/v1/productOfferingQualification"
QUOTE = "/mefApi/cantata/quoteManagement/v2/quote"


def qualify(parties: Parties, *items: dict[str, Any]) -> dict[str, Any]:
    reply = parties.acme.post(POQ, json={"instantSyncQualification": True, "relatedContactInformation": CONTACT,
                                         "productOfferingQualificationItem": list(items)})
    assert reply.status_code == 201, reply.text
    return reply.json()


def quote(parties: Parties, *items: dict[str, Any]) -> dict[str, Any]:
    reply = parties.acme.post(QUOTE, json={"instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm",
                                           "relatedContactInformation": CONTACT, "quoteItem": list(items)})
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_a_poq_for_more_bandwidth_than_the_network_has_is_red_and_the_quote_unable_to_provide(
        parties: Parties) -> None:
    too_much = item("1", "epl", epl(5000), site("site-east-1-1"), site("site-west-1-1"))
    answer = qualify(parties, too_much)["productOfferingQualificationItem"][0]
    # MEF 79: an immediate POQ ends done.ready; the item's answer is its confidence (red) and reason
    assert (answer["state"], answer["serviceabilityConfidence"]) == ("done.ready", "red"), answer
    assert "uni-east-1-1 has 1000 Mbit/s free, 5000 Mbit/s asked" in answer["serviceabilityConfidenceReason"]
    priced = quote(parties, too_much)
    assert priced["state"] == "unableToProvide" and priced["quoteItem"][0]["state"] == "unableToProvide"
    assert "5000 Mbit/s asked" in priced["quoteItem"][0]["terminationError"][0]["value"]


def test_a_poq_that_fits_is_green_and_the_order_after_it_completes(parties: Parties) -> None:
    fits = item("1", "epl", epl(300), site("site-east-1-1"), site("site-west-1-1"))
    answer = qualify(parties, fits)["productOfferingQualificationItem"][0]
    assert answer["serviceabilityConfidence"] == "green", answer
    assert "our network can carry it now" in answer["serviceabilityConfidenceReason"]
    done = parties.wait(parties.order(fits)["id"])
    assert done["state"] == "completed", done
    # the ports are now dedicated to that EPL: the same POQ is no longer green
    again = qualify(parties, fits)["productOfferingQualificationItem"][0]
    assert again["serviceabilityConfidence"] == "red"
    assert "dedicated to another service" in again["serviceabilityConfidenceReason"]


def test_a_vlan_already_in_use_on_the_uni_is_not_ready(parties: Parties) -> None:
    first = parties.wait(parties.order(item("1", "evpl", evpl(300, 300), site("site-east-2-1"),
                                            site("site-west-2-1")))["id"])
    assert first["state"] == "completed", first
    same_vlan = item("1", "evpl", evpl(300, 301), site("site-east-2-1"), site("site-west-2-2"))
    answer = qualify(parties, same_vlan)["productOfferingQualificationItem"][0]
    assert answer["serviceabilityConfidence"] == "red", answer
    assert "CE-VLAN 300 is already in use on edge point uni-east-2-1" in answer["serviceabilityConfidenceReason"]
    other_vlan = qualify(parties, item("1", "evpl", evpl(302, 301), site("site-east-2-1"), site("site-west-2-2")))
    assert other_vlan["productOfferingQualificationItem"][0]["serviceabilityConfidence"] == "green"


# -- the quote is the contract ------------------------------------------------------------------
SONATA_ORDERS = "/mefApi/sonata/productOrderingManagement/v10/productOrder"
SONATA_QUOTES = "/mefApi/sonata/quoteManagement/v8/quote"


def charges(lines: list[dict[str, Any]]) -> tuple[float, float]:
    nrc = sum(p["price"]["dutyFreeAmount"]["value"] for p in lines if p["priceType"] == "nonRecurring")
    mrc = sum(p["price"]["dutyFreeAmount"]["value"] for p in lines if p["priceType"] == "recurring")
    return round(nrc, 2), round(mrc, 2)


def on_quote(order_item: dict[str, Any], quote_id: str, quote_item: str = "1") -> dict[str, Any]:
    return {**order_item, "quoteItem": {"quoteId": quote_id, "id": quote_item}}


def billed(parties: Parties, order_id: str) -> dict[str, Any]:
    product = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": order_id}).json()[0]
    accepted = parties.acme.post(f"{INVENTORY}/product/{product['id']}/acceptance")
    assert accepted.status_code == 201, accepted.text
    return accepted.json()


def test_an_order_on_a_quote_is_billed_the_quoted_price_and_the_partner_order_references_its_quote(
        parties: Parties) -> None:
    wanted = item("1", "evpl", evpl(410, 410, mbps=200), site("site-east-3-2"), SPRINGFIELD)
    quoted = quote(parties, wanted)
    assert quoted["state"] == "approved.orderable", quoted
    lines = quoted["quoteItem"][0]["quoteItemPrice"]
    off_net = [p for p in lines if p["name"] == "off-net access at Springfield"]
    assert off_net, lines  # the partner's price is part of what was quoted
    done = parties.wait(parties.order(on_quote(wanted, quoted["id"]))["id"])
    assert done["state"] == "completed", done
    assert done["productOrderItem"][0]["quoteItem"] == {"quoteId": quoted["id"], "id": "1"}
    assert parties.acme.get(f"{QUOTE}/{quoted['id']}").json()["state"] == "accepted"

    # billing charges what was quoted, the off-net access included
    record = billed(parties, done["id"])
    assert (record["oneTimeCharge"], record["monthlyCharge"]) == charges(lines)

    # the SP's order at Alpha Access is on Alpha Access's own quote, whose price the SP showed
    def partner_quote(order: dict[str, Any]) -> dict[str, Any] | None:
        reference = order["productOrderItem"][0].get("quoteItem")
        if not reference:
            return None
        found = parties.sp_at_partner_a.get(f"{SONATA_QUOTES}/{reference['quoteId']}")
        assert found.status_code == 200, found.text
        return {**next(i for i in found.json()["quoteItem"] if i["id"] == reference["id"]),
                "quoteState": found.json()["state"]}

    partner_orders = parties.sp_at_partner_a.get(SONATA_ORDERS, params={"limit": 100}).json()
    on_quotes = [q for q in map(partner_quote, partner_orders) if q is not None]
    assert any(q["quoteState"] == "accepted" and charges(q["quoteItemPrice"]) == charges(off_net) for q in on_quotes)

    # a quote is used by one order
    again = parties.acme.post(f"{ORDERS}/productOrder", json={"relatedContactInformation": CONTACT,
                                                              "productOrderItem": [on_quote(wanted, quoted["id"])]})
    assert again.status_code == 422 and "already been ordered" in again.json()[0]["reason"]


def test_the_quoted_partner_delivers_even_when_the_policy_would_now_pick_another(parties: Parties) -> None:
    shelbyville = address("41", "Cedar", "Shelbyville", "80001")
    # Alpha Access's 1 Gbit/s UNI at the site is full: only Beta Fibre can quote now
    full = parties.wait(parties.order(item("1", "evpl", evpl(419, 419, mbps=1000), site("site-west-4-1"),
                                           shelbyville))["id"])
    assert full["state"] == "completed", full
    wanted = item("1", "evpl", evpl(420, 420, mbps=100), site("site-west-4-2"), shelbyville)
    quoted = quote(parties, wanted)
    assert quoted["state"] == "approved.orderable", quoted
    # that EVPL goes; Alpha Access, the cheaper, could serve the site again
    product = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": full["id"]}).json()[0]
    gone = parties.wait(parties.order({"id": "1", "action": "delete", "product": {"id": product["id"]}})["id"])
    assert gone["state"] == "completed", gone
    now = quote(parties, wanted)
    assert charges(now["quoteItem"][0]["quoteItemPrice"]) < charges(quoted["quoteItem"][0]["quoteItemPrice"])

    done = parties.wait(parties.order(on_quote(wanted, quoted["id"]))["id"])
    assert done["state"] == "completed", done
    trace = parties.trace(done["id"])
    assert not [e for e in trace if e["step"] == "6"]  # no partner chosen again at order time
    assert [e["to"] for e in trace if e["step"] == "9b"] == ["SOF-partner-b"]
    record = billed(parties, done["id"])
    assert (record["oneTimeCharge"], record["monthlyCharge"]) == charges(quoted["quoteItem"][0]["quoteItemPrice"])


def test_an_order_on_an_unknown_foreign_or_different_quote_is_refused(parties: Parties) -> None:
    wanted = item("1", "evpl", evpl(430, 430), site("site-east-4-1"), site("site-west-3-1"))
    quoted = quote(parties, wanted)
    assert quoted["state"] == "approved.orderable", quoted

    def refused(order_item: dict[str, Any], customer: Any = None) -> dict[str, Any]:
        reply = (customer or parties.acme).post(f"{ORDERS}/productOrder", json={
            "relatedContactInformation": CONTACT, "productOrderItem": [order_item]})
        assert reply.status_code == 422, reply.text
        return reply.json()[0]

    unknown = refused(on_quote(wanted, "no-such-quote"))
    assert (unknown["code"], unknown["propertyPath"]) == ("referenceNotFound", "/productOrderItem/0/quoteItem/quoteId")
    foreign = refused(on_quote(wanted, quoted["id"]), customer=parties.globex)
    assert foreign["code"] == "referenceNotFound"
    no_item = refused(on_quote(wanted, quoted["id"], quote_item="7"))
    assert no_item["propertyPath"] == "/productOrderItem/0/quoteItem/id"
    faster = refused(on_quote(item("1", "evpl", evpl(430, 430, mbps=500), site("site-east-4-1"),
                                   site("site-west-3-1")), quoted["id"]))
    assert "committed bandwidth (100 Mbit/s quoted)" in faster["reason"]
    assert faster["propertyPath"] == "/productOrderItem/0/product/productConfiguration"
    elsewhere = refused(on_quote(item("1", "evpl", evpl(430, 430), site("site-east-4-1"), site("site-west-3-2")),
                                 quoted["id"]))
    assert "places" in elsewhere["reason"]
    # refused orders leave the quote as it was: it can still be ordered
    assert parties.acme.get(f"{QUOTE}/{quoted['id']}").json()["state"] == "approved.orderable"
    assert parties.wait(parties.order(on_quote(wanted, quoted["id"]))["id"])["state"] == "completed"


# -- POQ and quote for changes of existing products ------------------------------------------------
def change(product_id: str, configuration: dict[str, Any] | None = None) -> dict[str, Any]:
    if configuration is None:
        return {"id": "1", "action": "delete", "product": {"id": product_id}}
    return {"id": "1", "action": "modify", "product": {"id": product_id, "productOffering": {"id": "evpl"},
                                                         "productConfiguration": configuration}}


def test_poq_and_quote_for_a_bandwidth_change_answer_from_the_product_and_its_route(parties: Parties) -> None:
    done = parties.wait(parties.order(item("1", "evpl", evpl(440, 440, mbps=100), site("site-east-1-2"),
                                           site("site-east-2-2")))["id"])
    assert done["state"] == "completed", done
    product = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": done["id"]}).json()[0]["id"]

    # its own 100 Mbit/s count as free: 900 fits on the 1 Gbit/s UNI, 1,100 does not
    grow = qualify(parties, change(product, evpl(440, 440, mbps=900)))["productOfferingQualificationItem"][0]
    assert grow["serviceabilityConfidence"] == "green", grow
    assert f"Bandwidth change of product {product} from 100 to 900 Mbit/s" in grow["serviceabilityConfidenceReason"]
    too_far = qualify(parties, change(product, evpl(440, 440, mbps=1100)))["productOfferingQualificationItem"][0]
    assert too_far["serviceabilityConfidence"] == "red"
    assert "has 1000 Mbit/s free, 1100 Mbit/s asked" in too_far["serviceabilityConfidenceReason"]
    # another service takes 500 Mbit/s of the UNI: now 600 no longer fits
    other = parties.wait(parties.order(item("1", "evpl", evpl(441, 441, mbps=500), site("site-east-1-2"),
                                            site("site-east-3-1")))["id"])
    assert other["state"] == "completed", other
    crowded = qualify(parties, change(product, evpl(440, 440, mbps=600)))["productOfferingQualificationItem"][0]
    assert crowded["serviceabilityConfidence"] == "red", crowded
    assert "has 500 Mbit/s free, 600 Mbit/s asked" in crowded["serviceabilityConfidenceReason"]

    # the quote: the new monthly price (300 is priced at the 500 tier) and a one-time change charge
    quoted = quote(parties, change(product, evpl(440, 440, mbps=300)))
    assert quoted["state"] == "approved.orderable", quoted
    lines = {(p["name"], p["priceType"]): p["price"]["dutyFreeAmount"]["value"]
             for p in quoted["quoteItem"][0]["quoteItemPrice"]}
    assert lines == {("evpl 300 Mbit/s", "recurring"): 1150.0, ("change charge", "nonRecurring"): 75.0}
    before = parties.acme.post(f"{INVENTORY}/product/{product}/acceptance").json()  # billing runs: 100 Mbit/s
    assert before["monthlyCharge"] == 600.0
    modified = parties.wait(parties.order(on_quote(change(product, evpl(440, 440, mbps=300)), quoted["id"]))["id"])
    assert modified["state"] == "completed", modified
    # from the change on, billing charges what the change was quoted at
    after = parties.acme.post(f"{INVENTORY}/product/{product}/acceptance").json()
    assert (after["monthlyCharge"], after["oneTimeCharge"]) == (1150.0, 75.0) and after["id"] != before["id"]
    # a change ordered without a quote is billed at the catalog price of what it made, as a quote would say
    back = parties.wait(parties.order(change(product, evpl(440, 440, mbps=100)))["id"])
    assert back["state"] == "completed", back
    unquoted = parties.acme.post(f"{INVENTORY}/product/{product}/acceptance").json()
    assert (unquoted["monthlyCharge"], unquoted["oneTimeCharge"]) == (600.0, 75.0) and unquoted["id"] != after["id"]

    # a CE-VLAN change is judged on the UNI: 441 is the other service's there, 442 is free
    taken = qualify(parties, change(product, evpl(441, 440)))["productOfferingQualificationItem"][0]
    assert taken["serviceabilityConfidence"] == "red", taken
    assert "CE-VLAN 441 is already in use on edge point uni-east-1-2" in taken["serviceabilityConfidenceReason"]
    free = qualify(parties, change(product, evpl(442, 440)))["productOfferingQualificationItem"][0]
    assert free["serviceabilityConfidence"] == "green", free
    # a change not made in place (of the type: EVPL to EPL) is a 422, as an order's would be
    retyped = parties.acme.post(POQ, json={"instantSyncQualification": True, "relatedContactInformation": CONTACT,
                                           "productOfferingQualificationItem": [change(product, {"@type": EPL_EVC})]})
    assert retyped.status_code == 422 and "keeps the product's type" in retyped.json()[0]["reason"], retyped.text


def test_poq_and_quote_for_a_disconnect_and_for_an_unknown_product(parties: Parties) -> None:
    done = parties.wait(parties.order(item("1", "evpl", evpl(450, 450), site("site-east-4-2"),
                                           site("site-east-3-1")))["id"])
    assert done["state"] == "completed", done
    product = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": done["id"]}).json()[0]["id"]
    answer = qualify(parties, change(product))["productOfferingQualificationItem"][0]
    assert (answer["state"], answer["serviceabilityConfidence"]) == ("done.ready", "green"), answer
    assert f"A disconnect of product {product} always qualifies" in answer["serviceabilityConfidenceReason"]
    quoted = quote(parties, change(product))
    assert quoted["state"] == "approved.orderable", quoted
    assert [(p["name"], p["priceType"], p["price"]["dutyFreeAmount"]["value"])
            for p in quoted["quoteItem"][0]["quoteItemPrice"]] == [("termination charge", "nonRecurring", 0.0)]
    for path, body in ((POQ, {"instantSyncQualification": True, "relatedContactInformation": CONTACT,
                              "productOfferingQualificationItem": [change("no-such-product")]}),
                       (QUOTE, {"instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm",
                                "relatedContactInformation": CONTACT, "quoteItem": [change("no-such-product")]})):
        unknown = parties.acme.post(path, json=body)
        assert unknown.status_code == 422, unknown.text
        error = unknown.json()[0]
        assert error["code"] == "referenceNotFound" and error["propertyPath"].endswith("/0/product/id"), error
    # another customer's product is unknown to it
    foreign = parties.globex.post(POQ, json={"instantSyncQualification": True, "relatedContactInformation": CONTACT,
                                             "productOfferingQualificationItem": [change(product)]})
    assert foreign.status_code == 422 and foreign.json()[0]["code"] == "referenceNotFound"
    gone = parties.wait(parties.order(on_quote(change(product), quoted["id"]))["id"])
    assert gone["state"] == "completed", gone


def test_a_vlan_in_use_on_the_partners_uni_makes_the_off_net_end_not_ready(parties: Parties) -> None:
    oak = address("32", "Oak", "Springfield", "70002")  # Alpha Access's only, on its own UNI
    first = parties.wait(parties.order(item("1", "evpl", evpl(460, 460), site("site-west-1-2"), oak))["id"])
    assert first["state"] == "completed", first
    taken = qualify(parties, item("1", "evpl", evpl(461, 460), site("site-west-3-2"), oak))
    answer = taken["productOfferingQualificationItem"][0]
    assert answer["serviceabilityConfidence"] == "red", answer
    assert "CE-VLAN 460 is already in use" in answer["serviceabilityConfidenceReason"]
    free = qualify(parties, item("1", "evpl", evpl(461, 462), site("site-west-3-2"), oak))
    assert free["productOfferingQualificationItem"][0]["serviceabilityConfidence"] == "green", free


def test_a_bandwidth_change_of_an_off_net_product_asks_the_partner_about_its_segment(parties: Parties) -> None:
    evergreen = address("12", "Evergreen", "Springfield", "50002")  # Alpha Access's, bought over SONATA
    done = parties.wait(parties.order(item("1", "evpl", evpl(470, 470, mbps=100), site("site-west-2-2"),
                                           evergreen))["id"])
    assert done["state"] == "completed", done
    product = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": done["id"]}).json()[0]["id"]
    grow = qualify(parties, change(product, evpl(470, 470, mbps=400)))["productOfferingQualificationItem"][0]
    assert grow["serviceabilityConfidence"] == "green", grow
    assert "Alpha Access can change its segment (green)" in grow["serviceabilityConfidenceReason"]
    # another 500 Mbit/s on Alpha Access's UNI there: our side could grow to 600, the partner's cannot
    other = parties.wait(parties.order(item("1", "evpl", evpl(471, 471, mbps=500), site("site-west-4-2"),
                                            evergreen))["id"])
    assert other["state"] == "completed", other
    crowded = qualify(parties, change(product, evpl(470, 470, mbps=600)))["productOfferingQualificationItem"][0]
    assert crowded["serviceabilityConfidence"] == "red", crowded
    reason = crowded["serviceabilityConfidenceReason"]
    assert "Alpha Access cannot change its segment" in reason and "500 Mbit/s free, 600 Mbit/s asked" in reason
