"""The payloads MEF buyers send, end to end over CANTATA: the MEF 125 item structure (an EVC
item tied to UNI items, or to a UNI already in inventory), bandwidth profiles as the MEF
schemas give them (CIR 0 with an EIR, per class of service), and an address id that address
validation gave out."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import INVENTORY, ORDERS, SPRINGFIELD, Parties, evpl, site
from tests.helpers.mef125 import epl_use_case_2a, mef125_items, uni_use_case_2a, with_rates
from tests.helpers.openapi import assert_conforms

LANDSCAPE_PARTNERS = ("partner-a",)  # Beta Fibre is not asked here

CANTATA_INVENTORY_SPEC = "cantata/productApi/inventory/productInventoryManagement.api.yaml"
RELATION = "productOrderItemRelationship"


def address_ref(address_id: str) -> dict[str, Any]:
    return {"@type": "GeographicAddressRef", "id": address_id, "role": "INSTALL_LOCATION"}


def products_of(parties: Parties, order_id: str) -> dict[str, dict[str, Any]]:
    """The order's products by the order item that made them."""
    found = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": order_id}).json()
    return {p["productOrderItem"][0]["productOrderItemId"]: p for p in found}


def refused(parties: Parties, *items: dict[str, Any]) -> dict[str, Any]:
    reply = parties.acme.post(f"{ORDERS}/productOrder", json={
        "relatedContactInformation": [{"role": "productOrderContact", "name": "Ann", "emailAddress": "a@acme.example",
                                       "number": "1"}], "productOrderItem": list(items)})
    assert reply.status_code == 422, reply.text
    return reply.json()[0]


def delete(product_id: str, item_id: str = "gone") -> dict[str, Any]:
    return {"id": item_id, "action": "delete", "product": {"id": product_id}}


def test_an_mef125_order_with_uni_items_leaves_the_evc_and_its_unis_related_in_inventory(parties: Parties) -> None:
    items = mef125_items((address_ref("addr-east-3-1"), site("site-west-3-1")), relation_key=RELATION,
                         epl=evpl(301, 302), offering="evpl")
    done = parties.wait(parties.order(*items)["id"])
    assert done["state"] == "completed", done
    made = products_of(parties, done["id"])
    evc, uni_a, uni_z = made["item-001"], made["item-002"], made["item-003"]
    assert {p["status"] for p in made.values()} == {"active"}
    assert uni_a["productOffering"]["id"] == "uni" and uni_a["relatedSite"] == [
        {"id": "site-east-3-1", "role": "INSTALL_LOCATION"}]
    assert [(r["relationshipType"], r["id"]) for r in evc["productRelationship"]] == [
        ("CONNECTS_TO_UNI_A", uni_a["id"]), ("CONNECTS_TO_UNI_Z", uni_z["id"])]
    for product in made.values():
        assert_conforms(CANTATA_INVENTORY_SPEC, "/product/{id}", "get", 200,
                        parties.acme.get(f"{INVENTORY}/product/{product['id']}").json())
    # The UNI items were delivered before the EVC that relies on them.
    steps = [e["operation"] for e in parties.trace(done["id"]) if e["step"] in ("5", "7")]
    assert any("UNI add: edge point uni-east-3-1" in s for s in steps)

    # A second EVC on the existing UNI A, by its product id, and a new UNI Z.
    second = mef125_items((site("site-east-3-1"), site("site-west-3-2")), relation_key=RELATION,
                          epl=evpl(303, 304), offering="evpl")
    second[0][RELATION] = [r for r in second[0][RELATION] if r["relationshipType"] == "CONNECTS_TO_UNI_Z"]
    second[0]["product"]["productRelationship"] = [{"relationshipType": "CONNECTS_TO_UNI_A", "id": uni_a["id"]}]
    again = parties.wait(parties.order(second[0], second[2])["id"])
    assert again["state"] == "completed", again
    other = products_of(parties, again["id"])
    assert [(r["relationshipType"], r["id"]) for r in other["item-001"]["productRelationship"]] == [
        ("CONNECTS_TO_UNI_A", uni_a["id"]), ("CONNECTS_TO_UNI_Z", other["item-003"]["id"])]

    # A UNI an EVC still uses cannot be deleted; deleting the EVC leaves the UNI.
    error = refused(parties, delete(uni_a["id"]))
    assert error["propertyPath"] == "/productOrderItem/0/product/id"
    assert evc["id"] in error["reason"] and other["item-001"]["id"] in error["reason"]
    gone = parties.wait(parties.order(delete(evc["id"]))["id"])
    assert gone["state"] == "completed", gone
    assert parties.acme.get(f"{INVENTORY}/product/{uni_a['id']}").json()["status"] == "active"
    assert parties.acme.get(f"{INVENTORY}/product/{evc['id']}").json()["status"] == "terminated"
    # With its last EVC deleted in the same order, the UNI goes too.
    both = parties.wait(parties.order(delete(other["item-001"]["id"], "evc"), delete(uni_a["id"], "uni"))["id"])
    assert both["state"] == "completed", both
    assert parties.acme.get(f"{INVENTORY}/product/{uni_a['id']}").json()["status"] == "terminated"


def test_a_uni_alone_is_assigned_and_an_unknown_uni_product_is_refused(parties: Parties) -> None:
    uni = {"id": "uni", "action": "add", "product": {"productOffering": {"id": "uni"}, "place": [site("site-east-4-1")],
                                                     "productConfiguration": uni_use_case_2a()}}
    done = parties.wait(parties.order(uni)["id"])
    assert done["state"] == "completed", done
    assigned = products_of(parties, done["id"])["uni"]
    assert assigned["status"] == "active"
    billed = parties.acme.post(f"{INVENTORY}/product/{assigned['id']}/acceptance")
    assert billed.status_code == 201 and billed.json()["monthlyCharge"] == 100, billed.text  # a 1000BASE_T port
    evc = mef125_items((site("site-east-4-1"), site("site-west-4-1")), relation_key=RELATION, epl=evpl(311, 312),
                       offering="evpl")[0]
    evc[RELATION] = []
    evc["product"]["productRelationship"] = [{"relationshipType": "CONNECTS_TO_UNI_A", "id": "not-a-product"},
                                             {"relationshipType": "CONNECTS_TO_UNI_Z", "id": "not-either"}]
    error = refused(parties, evc)
    assert (error["code"], error["propertyPath"]) == ("referenceNotFound",
                                                       "/productOrderItem/0/product/productRelationship/0/id")
    off_net_alone = {**uni, "product": {**uni["product"], "place": [SPRINGFIELD]}}
    assert "add the EVC that connects to this UNI" in refused(parties, off_net_alone)["reason"]


def test_an_address_id_from_validation_is_qualified_quoted_and_ordered(parties: Parties) -> None:
    acme = parties.acme
    submitted = {k: v for k, v in SPRINGFIELD.items() if k != "role"}
    validated = acme.post("/mefApi/cantata/geographicAddressManagement/v1/geographicAddressValidation",
                          json={"provideAlternative": False, "submittedGeographicAddress": submitted})
    assert validated.status_code in (200, 201) and validated.json()["validationResult"] == "success", validated.text
    place = address_ref(validated.json()["bestMatchGeographicAddress"]["id"])
    product = {"productOffering": {"id": "evpl"}, "productConfiguration": evpl(321, 321),
               "place": [site("site-east-2-2"), place]}
    contact = [{"role": "buyerContactInformation", "name": "Ann", "emailAddress": "a@acme.example", "number": "1"}]
    poq = acme.post("/mefApi/cantata/productOfferingQualification/v1/productOfferingQualification", json={
        "instantSyncQualification": True, "relatedContactInformation": contact,
        "productOfferingQualificationItem": [{"id": "1", "action": "add", "product": product}]})
    assert poq.status_code == 201 and poq.json()["state"] == "done.ready", poq.text
    assert poq.json()["productOfferingQualificationItem"][0]["serviceabilityConfidence"] == "green", poq.text
    quote = acme.post("/mefApi/cantata/quoteManagement/v2/quote", json={
        "instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm", "relatedContactInformation": contact,
        "quoteItem": [{"id": "1", "action": "add", "product": product}]})
    assert quote.status_code == 201 and quote.json()["state"] == "approved.orderable", quote.text
    done = parties.wait(parties.order({"id": "1", "action": "add", "product": product})["id"])
    assert done["state"] == "completed", done
    sold = parties.sp_at_partner_a.get("/mefApi/sonata/productInventory/v7/product").json()
    assert any(p["status"] == "active" and p["productOffering"]["id"] == "access-eline" for p in sold)


def _constructs(parties: Parties) -> dict[str, dict[str, Any]]:
    status = parties.sp.get("/cadenza/twin/v1/status").json()
    return {f"{e['name']}/{fc['id']}": fc for e in status["elements"] for fc in e["forwardingConstructs"]}


def _free_capacity(parties: Parties) -> dict[str, int]:
    free = {}
    for domain in ("metro", "core"):
        reply = parties.sp.post(f"/presto/{domain}/restconf/operations/get-topology-details/",
                                json={"input": {"topology-id-or-name": domain}})
        assert reply.status_code == 200, reply.text
        free |= {link["uuid"]: link["available-capacity"]["total-size"]["value"]
                 for link in reply.json()["output"]["topology"]["link"]}
    return free


def test_mef125s_own_best_effort_epl_is_ordered_configured_with_its_eir_and_reserves_nothing(parties: Parties) -> None:
    """MEF 125 UseCase2a/5 as published: the EPL's end points ask CIR 0 and EIR 70 Mbit/s in
    class of service 'low', envelope env1."""
    before, free_before = _constructs(parties), _free_capacity(parties)
    items = mef125_items((site("site-east-1-1"), address_ref("addr-west-1-1")), relation_key=RELATION)
    done = parties.wait(parties.order(*items)["id"])
    assert done["state"] == "completed", done
    made = products_of(parties, done["id"])
    assert made["item-001"]["productConfiguration"]["evcEndPointA"][
        "ingressBandwidthProfilePerClassOfServiceName"][0]["bwpFlow"]["eir"] == {"irValue": 70, "irUnits": "MBPS"}
    new = {key: fc for key, fc in _constructs(parties).items() if key not in before}
    assert new, "the EPL configured no element"
    for fc in new.values():
        profile = fc["bandwidth-profile"]
        assert (profile["cir-kbps"], profile["eir-kbps"], profile["ebs-kbytes"]) == (0, 70_000, 40)
        assert profile["class-of-service"] == [{"name": "low", "cir-kbps": 0, "cbs-kbytes": 0, "eir-kbps": 70_000,
                                                "ebs-kbytes": 40, "envelope": "env1", "rank": 1,
                                                "coupling-flag": True, "color-mode": "COLOR_BLIND"}]
    assert _free_capacity(parties) == free_before  # the ICM reserved the CIR: nothing
    # Accepted, it is billed what the quote would say: EPL install plus a quarter of the 100 Mbit/s tier.
    accepted = parties.acme.post(f"{INVENTORY}/product/{made['item-001']['id']}/acceptance")
    assert accepted.status_code == 201 and accepted.json()["monthlyCharge"] == 187.5, accepted.text
    # A modify changes what the network changes in place (the CIR of one class) or is refused:
    # an EIR recorded in inventory but not configured would be a lie.
    modify = {"id": "m", "action": "modify", "product": {
        "id": made["item-001"]["id"], "productConfiguration": with_rates(epl_use_case_2a(), cir=0, eir=100)}}
    assert "excess rate (EIR) of an existing product cannot change" in refused(parties, modify)["reason"]


def test_cir_plus_eir_reserves_the_cir_only_and_configures_both(parties: Parties) -> None:
    before, free_before = _constructs(parties), _free_capacity(parties)
    items = mef125_items((site("site-east-1-2"), site("site-west-1-2")), relation_key=RELATION,
                         epl=with_rates(epl_use_case_2a(), cir=50, eir=30))
    done = parties.wait(parties.order(*items)["id"])
    assert done["state"] == "completed", done
    new = {key: fc for key, fc in _constructs(parties).items() if key not in before}
    assert new and all((fc["bandwidth-profile"]["cir-kbps"], fc["bandwidth-profile"]["eir-kbps"]) == (50_000, 30_000)
                       for fc in new.values())
    taken = {link: free_before[link] - free for link, free in _free_capacity(parties).items()
             if free != free_before[link]}
    assert taken and set(taken.values()) == {50}  # every link of the route gave up the CIR, not CIR + EIR


def test_an_evpl_with_two_classes_of_service_in_one_envelope_is_configured_per_class(parties: Parties) -> None:
    """Per-CoS ingress bandwidth profiles (MEF 10.4 §10.9) sharing an EVC End Point envelope:
    'gold' committed, 'bronze' best effort; the elements police each, the ICM reserves their CIRs."""
    config = evpl(331, 332)
    config["listOfCosNames"] = ["gold", "bronze"]
    pcp_map = [{"pcpVal": str(v), "pcpCosName": "gold" if v >= 5 else "bronze"} for v in range(8)]
    flows = [{"classOfServiceName": "gold", "bwpFlow": {
                 "cir": {"irValue": 40, "irUnits": "MBPS"}, "cbs": {"dataSizeValue": 40, "dataSizeUnits": "KBYTES"},
                 "eir": {"irValue": 0, "irUnits": "MBPS"}, "envelopeId": "evc-env", "envelopeRank": 2,
                 "couplingFlag": False, "colorMode": "COLOR_BLIND"}},
             {"classOfServiceName": "bronze", "bwpFlow": {
                 "cir": {"irValue": 0, "irUnits": "MBPS"}, "eir": {"irValue": 60, "irUnits": "MBPS"},
                 "ebs": {"dataSizeValue": 30, "dataSizeUnits": "KBYTES"}, "envelopeId": "evc-env",
                 "envelopeRank": 1, "couplingFlag": False, "colorMode": "COLOR_AWARE"}}]
    for end in ("evcEndPointA", "evcEndPointZ"):
        config[end]["ingressClassOfServiceMap"] = {"mapType": "C_TAG_PCP", "map_M": [
            *pcp_map, {"pcpVal": "UNTAGGED", "pcpCosName": "bronze"}]}
        config[end]["ingressBandwidthProfilePerClassofServiceName"] = flows
        config[end]["evcEndPointEnvelopes"] = [{"envelopeID": "evc-env", "couplingFlagForIndexZero": False}]
    before, free_before = _constructs(parties), _free_capacity(parties)
    done = parties.wait(parties.order({"id": "cos", "action": "add", "product": {
        "productOffering": {"id": "evpl"}, "productConfiguration": config,
        "place": [site("site-east-4-2"), site("site-west-4-2")]}})["id"])
    assert done["state"] == "completed", done
    new = [fc for key, fc in _constructs(parties).items() if key not in before]
    assert new
    for fc in new:
        profile = fc["bandwidth-profile"]
        assert (profile["cir-kbps"], profile["eir-kbps"]) == (40_000, 60_000)
        assert [(c["name"], c["cir-kbps"], c["eir-kbps"], c["envelope"], c["rank"], c["color-mode"])
                for c in profile["class-of-service"]] == [("gold", 40_000, 0, "evc-env", 2, "COLOR_BLIND"),
                                                          ("bronze", 0, 60_000, "evc-env", 1, "COLOR_AWARE")]
    taken = {free_before[link] - free for link, free in _free_capacity(parties).items() if free != free_before[link]}
    assert taken == {40}


def test_poq_and_quote_take_mef125s_own_structure_and_best_effort_epl(parties: Parties) -> None:
    contact = [{"role": "buyerContactInformation", "name": "Ann", "emailAddress": "a@acme.example", "number": "1"}]
    places = (address_ref("addr-east-2-1"), site("site-west-2-1"))
    poq = parties.acme.post("/mefApi/cantata/productOfferingQualification/v1/productOfferingQualification", json={
        "instantSyncQualification": True, "relatedContactInformation": contact,
        "productOfferingQualificationItem": mef125_items(places, relation_key="qualificationItemRelationship")})
    assert poq.status_code == 201, poq.text
    assert poq.json()["state"] == "done.ready", poq.text
    assert [i["serviceabilityConfidence"] for i in poq.json()["productOfferingQualificationItem"]] == ["green"] * 3
    quote = parties.acme.post("/mefApi/cantata/quoteManagement/v2/quote", json={
        "instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm", "relatedContactInformation": contact,
        "quoteItem": mef125_items(places, relation_key="quoteItemRelationship")})
    assert quote.status_code == 201 and quote.json()["state"] == "approved.orderable", quote.text
    evc = quote.json()["quoteItem"][0]
    assert "0 Mbit/s CIR + 70 Mbit/s EIR" in evc["quoteItemPrice"][0]["name"]


def test_a_site_holds_one_uni_and_a_second_one_there_is_refused(parties: Parties) -> None:
    def uni_item(item_id: str) -> dict[str, Any]:
        return {"id": item_id, "action": "add", "product": {
            "productOffering": {"id": "uni"}, "place": [site("site-west-2-2")],
            "productConfiguration": uni_use_case_2a()}}

    error = refused(parties, uni_item("one"), uni_item("two"))
    assert error["propertyPath"] == "/productOrderItem/1/product/place/0"
    assert "item one adds one" in error["reason"], error
    done = parties.wait(parties.order(uni_item("uni"))["id"])
    assert done["state"] == "completed", done
    held = products_of(parties, done["id"])["uni"]
    error = refused(parties, uni_item("again"))
    assert error["propertyPath"] == "/productOrderItem/0/product/place/0"
    assert held["id"] in error["reason"] and "connect the EVC to that UNI by its product id" in error["reason"], error
    gone = parties.wait(parties.order(delete(held["id"]))["id"])
    assert gone["state"] == "completed", gone
    again = parties.wait(parties.order(uni_item("again"))["id"])  # once terminated, the site takes a UNI again
    assert again["state"] == "completed", again
