"""A further EVC on a partner's UNI, named by its product id (MEF 125 item structure): the UNI
is where the first EVC's partner line is, so the second EVC's end there is the same partner's
second Access E-Line at that site, qualified, quoted and ordered from that partner alone."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import CONTACT, INVENTORY, ORDERS, Parties, address, evpl, site
from tests.helpers.mef125 import mef125_items

LANDSCAPE_PARTNERS = ("partner-a",)  # Beta Fibre is not asked here

POQ = "/mefApi/cantata/productOfferingQualification/v1/productOfferingQualification"
QUOTE = "/mefApi/cantata/quoteManagement/v2/quote"
PARTNER_ORDERS = "/mefApi/sonata/productOrderingManagement/v10/productOrder"
OAK = address("31", "Oak", "Springfield", "70001")  # only Alpha Access (partner-a) serves Springfield


def products_of(parties: Parties, order_id: str) -> dict[str, dict[str, Any]]:
    found = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": order_id}).json()
    return {p["productOrderItem"][0]["productOrderItemId"]: p for p in found}


def on_springfield_uni(uni_id: str, other: dict[str, Any], vlan_a: int, vlan_z: int, relation_key: str
                       ) -> list[dict[str, Any]]:
    """An EVPL whose end A is the Springfield UNI product `uni_id` and end Z a new UNI item at `other`."""
    evc, _, uni_z = mef125_items((OAK, other), relation_key=relation_key, epl=evpl(vlan_a, vlan_z), offering="evpl")
    evc[relation_key] = [r for r in evc[relation_key] if r["relationshipType"] == "CONNECTS_TO_UNI_Z"]
    evc["product"]["productRelationship"] = [{"relationshipType": "CONNECTS_TO_UNI_A", "id": uni_id}]
    return [evc, uni_z]


def partner_lines_at_oak(parties: Parties) -> list[dict[str, Any]]:
    """Alpha Access's Access E-Line orders from the SP at 31 Oak, read with the SP's credentials there."""
    orders = parties.sp_at_partner_a.get(PARTNER_ORDERS, params={"limit": 100}).json()
    return [o for o in orders for i in o["productOrderItem"]
            if i["action"] == "add" and i["product"]["productOffering"]["id"] == "access-eline"
            and any(p.get("streetNr") == "31" and p.get("streetName") == "Oak" for p in i["product"].get("place", []))]


def test_a_second_evc_on_a_partners_uni_by_product_id_is_that_partners_second_line(parties: Parties) -> None:
    first = parties.wait(parties.order(*mef125_items((site("site-east-1-1"), OAK),
                                                     relation_key="productOrderItemRelationship",
                                                     epl=evpl(501, 501), offering="evpl"))["id"])
    assert first["state"] == "completed", first
    made = products_of(parties, first["id"])
    evc, springfield = made["item-001"], made["item-003"]
    assert springfield["status"] == "active" and "relatedSite" not in springfield  # not a site of ours

    # POQ and quote ask Alpha Access about its UNI there: a taken CE-VLAN is its refusal, a free one green.
    taken = parties.acme.post(POQ, json={
        "instantSyncQualification": True, "relatedContactInformation": CONTACT,
        "productOfferingQualificationItem": on_springfield_uni(springfield["id"], site("site-west-1-1"), 501, 502,
                                                               "qualificationItemRelationship")})
    assert taken.status_code == 201, taken.text
    refused = taken.json()["productOfferingQualificationItem"][0]
    assert refused["serviceabilityConfidence"] == "red", refused
    assert "Alpha Access" in refused["serviceabilityConfidenceReason"], refused
    poq = parties.acme.post(POQ, json={
        "instantSyncQualification": True, "relatedContactInformation": CONTACT,
        "productOfferingQualificationItem": on_springfield_uni(springfield["id"], site("site-west-1-1"), 502, 502,
                                                               "qualificationItemRelationship")})
    assert poq.status_code == 201 and poq.json()["state"] == "done.ready", poq.text
    qualified = poq.json()["productOfferingQualificationItem"]
    assert [i["serviceabilityConfidence"] for i in qualified] == ["green", "green"], qualified
    assert "partner-a" in qualified[0]["serviceabilityConfidenceReason"], qualified
    quote = parties.acme.post(QUOTE, json={
        "instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm", "relatedContactInformation": CONTACT,
        "quoteItem": on_springfield_uni(springfield["id"], site("site-west-1-1"), 502, 502, "quoteItemRelationship")})
    assert quote.status_code == 201 and quote.json()["state"] == "approved.orderable", quote.text

    second = parties.wait(parties.order(*on_springfield_uni(springfield["id"], site("site-west-1-1"), 502, 502,
                                                            "productOrderItemRelationship"))["id"])
    assert second["state"] == "completed", second
    further = products_of(parties, second["id"])["item-001"]
    assert further["status"] == "active"
    assert [(r["relationshipType"], r["id"]) for r in further["productRelationship"]][0] == (
        "CONNECTS_TO_UNI_A", springfield["id"])
    # Alpha Access delivered one Access E-Line per EVC at that address, and no other
    lines = partner_lines_at_oak(parties)
    assert len(lines) == 2 and {o["state"] for o in lines} == {"completed"}, lines

    # The UNI both EVCs use cannot be deleted.
    reply = parties.acme.post(f"{ORDERS}/productOrder", json={
        "relatedContactInformation": CONTACT,
        "productOrderItem": [{"id": "gone", "action": "delete", "product": {"id": springfield["id"]}}]})
    assert reply.status_code == 422, reply.text
    reason = reply.json()[0]["reason"]
    assert evc["id"] in reason and further["id"] in reason, reason
