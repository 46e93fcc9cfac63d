"""POQ and quote answer from what the network can carry now, and the quote is the contract
the order keeps (issue 9, points 3 and 4), through CANTATA as a customer meets them."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import CONTACT, Parties, epl, evpl, item, site

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
