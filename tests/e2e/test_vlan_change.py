"""A CE-VLAN change of an existing EVPL over CANTATA (MEF 55.0.1 §10.2, a `modify`): POQ and
quote answer from the network (the new VLAN must be free on the UNI), the order changes the
PRESTO segment and the elements, and inventory, LEGATO, PRESTO and the twin all show the new
VLAN with the other end as it was; off-net, the partner changes its Access E-Line's UNI."""

from __future__ import annotations

import copy
from typing import Any

from tests.e2e.conftest import INVENTORY, Parties, address, evpl, item, site
from tests.e2e.test_serviceability_and_quote_contract import on_quote, qualify, quote

LANDSCAPE_PARTNERS = ("partner-a",)  # Beta Fibre is not asked here

SERVICE_ORDERS = "/mefApi/legato/serviceOrderingManagement/v5/serviceOrder"
SERVICES = "/mefApi/legato/serviceInventory/v5/service"
PARTNER_INVENTORY = "/mefApi/sonata/productInventory/v7"


def _retagged(product: dict[str, Any], end: str, vlan: int) -> dict[str, Any]:
    """A modify item naming only what changes: one end's CE-VLAN (the rest is kept, JSON Merge Patch)."""
    stored = product["productConfiguration"]
    return {"id": "1", "action": "modify", "product": {
        "id": product["id"], "productOffering": {"id": "evpl"}, "productConfiguration": {
            "@type": stored["@type"], end: {"evcEndPointMap": {**stored[end]["evcEndPointMap"], "vlanId": [vlan]}}}}}


def _active(parties: Parties, configuration: dict[str, Any], *places: dict[str, Any]) -> dict[str, Any]:
    done = parties.wait(parties.order(item("1", "evpl", configuration, *places))["id"])
    assert done["state"] == "completed", done["stateChange"]
    return parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": done["id"]}).json()[0]


def _service(parties: Parties, product: dict[str, Any]) -> dict[str, Any]:
    """The LEGATO service the product runs on, as the BUS sees it in service inventory."""
    order_id = product["productOrderItem"][0]["productOrderId"]
    with parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp") as legato:
        ordered = legato.get(SERVICE_ORDERS, params={"externalId": f"{order_id}/1"}).json()
        service_id = ordered[0]["serviceOrderItem"][0]["service"]["id"]
        return legato.get(f"{SERVICES}/{service_id}").json()


def _presto(parties: Parties, segment: dict[str, Any]) -> dict[str, Any]:
    reply = parties.sp.post(f"/presto/{segment['networkDomain']}/restconf/operations/get-connectivity-service-details/",
                            json={"input": {"service-id-or-name": segment["uuid"]}})
    assert reply.status_code == 200, reply.text
    return reply.json()["output"]["service"]


def _presto_vlans(service: dict[str, Any]) -> dict[str, int | None]:
    vlans = {}
    for end in service["end-point"]:
        mapping = end["nrp-carrier-eth-connectivity-end-point-resource"]["ce-vlan-id-list-and-untag"]
        vlans[end["service-interface-point"]["service-interface-point-id"]] = (
            mapping["vlan-id"][0]["vlan-id"] if mapping.get("vlan-id") else None)
    return vlans


def _element_vlans(operator: Any, fc_id: str) -> set[int]:
    """The VLANs of the construct `fc_id` on every element of a twin, as the elements hold them."""
    status = operator.get("/cadenza/twin/v1/status").json()
    return {ep["vlan-id"] for element in status["elements"] for fc in element["forwardingConstructs"]
            if fc["id"] == fc_id for ep in fc["end-point"] if "vlan-id" in ep}


def test_a_ce_vlan_change_of_an_on_net_evpl_is_qualified_quoted_ordered_and_shown_everywhere(
        parties: Parties, vlan: int) -> None:
    product = _active(parties, evpl(vlan, vlan + 3), site("site-east-3-2"), site("site-west-2-2"))
    _active(parties, evpl(vlan + 1, vlan + 1), site("site-east-3-2"), site("site-west-1-1"))  # takes vlan + 1 at A
    stored = product["productConfiguration"]
    before = _service(parties, product)
    segment = before["serviceConfiguration"]["cadenzaDesign"]["segments"][0]
    uni_a, uni_z = segment["a"]["edgePoint"], segment["z"]["edgePoint"]

    # POQ: a VLAN in use on that UNI is red, naming both; a free one is green
    taken = qualify(parties, _retagged(product, "evcEndPointA", vlan + 1))["productOfferingQualificationItem"][0]
    assert (taken["state"], taken["serviceabilityConfidence"]) == ("done.ready", "red"), taken
    assert f"CE-VLAN {vlan + 1} is already in use on edge point {uni_a}" in taken["serviceabilityConfidenceReason"]
    assert f"at end point A from {vlan} to {vlan + 1}" in taken["serviceabilityConfidenceReason"]
    free = qualify(parties, _retagged(product, "evcEndPointA", vlan + 2))["productOfferingQualificationItem"][0]
    assert free["serviceabilityConfidence"] == "green", free
    assert f"CE-VLAN change of product {product['id']} at end point A from {vlan} to {vlan + 2}" in free[
        "serviceabilityConfidenceReason"]

    # the quote: unable to provide on the taken VLAN; on the free one the same monthly price and the change charge
    unable = quote(parties, _retagged(product, "evcEndPointA", vlan + 1))
    assert unable["state"] == "unableToProvide", unable
    assert f"CE-VLAN {vlan + 1} is already in use on edge point {uni_a}" in unable["quoteItem"][0][
        "terminationError"][0]["value"]
    quoted = quote(parties, _retagged(product, "evcEndPointA", vlan + 2))
    assert quoted["state"] == "approved.orderable", quoted
    assert {(p["name"], p["priceType"]) for p in quoted["quoteItem"][0]["quoteItemPrice"]} == {
        ("evpl 100 Mbit/s", "recurring"), ("change charge", "nonRecurring")}

    # ordered on the taken VLAN anyway: the item fails saying why, and nothing changed
    refused = parties.wait(parties.order(_retagged(product, "evcEndPointA", vlan + 1))["id"])
    assert refused["state"] == "failed", refused
    reason = refused["productOrderItem"][0]["stateChange"][-1].get("changeReason") or refused["stateChange"][-1][
        "changeReason"]
    assert f"CE-VLAN {vlan + 1} is already in use on edge point {uni_a}" in reason, reason
    assert parties.acme.get(f"{INVENTORY}/product/{product['id']}").json()["productConfiguration"] == stored
    assert _presto_vlans(_presto(parties, segment)) == {uni_a: vlan, uni_z: vlan + 3}

    done = parties.wait(parties.order(on_quote(_retagged(product, "evcEndPointA", vlan + 2), quoted["id"]))["id"])
    assert done["state"] == "completed", done["stateChange"]

    # product inventory: the new VLAN at A; Z's map, the bandwidth profiles and the rest as they were
    after = parties.acme.get(f"{INVENTORY}/product/{product['id']}").json()
    assert after["status"] == "active"
    config = after["productConfiguration"]
    assert config["evcEndPointA"]["evcEndPointMap"]["vlanId"] == [vlan + 2]
    assert config["evcEndPointZ"] == stored["evcEndPointZ"]
    expected = copy.deepcopy(stored)
    expected["evcEndPointA"]["evcEndPointMap"]["vlanId"] = [vlan + 2]
    assert config == expected
    # service inventory (LEGATO), PRESTO and the elements of the twin
    service = _service(parties, product)
    assert [e["ceVlan"] for e in service["serviceConfiguration"]["cadenzaEvcPlacement"]["endPoints"]] == [
        vlan + 2, vlan + 3]
    assert service["serviceConfiguration"]["cadenzaDesign"]["segments"][0]["a"]["vlan"] == vlan + 2
    assert _presto_vlans(_presto(parties, segment)) == {uni_a: vlan + 2, uni_z: vlan + 3}
    assert _element_vlans(parties.sp, segment["uuid"]) >= {vlan + 2, vlan + 3}
    assert vlan not in _element_vlans(parties.sp, segment["uuid"])
    # the old VLAN is free on the UNI again
    again = qualify(parties, item("1", "evpl", evpl(vlan, vlan), site("site-east-3-2"), site("site-west-3-1")))
    assert again["productOfferingQualificationItem"][0]["serviceabilityConfidence"] == "green"


def test_a_ce_vlan_change_at_an_off_net_end_changes_the_partners_access_eline(parties: Parties, vlan: int) -> None:
    known = {p["id"] for p in parties.sp_at_partner_a.get(f"{PARTNER_INVENTORY}/product",
                                                           params={"limit": 1000}).json()}
    product = _active(parties, evpl(vlan, vlan), site("site-east-1-1"),
                      address("12", "Evergreen", "Springfield", "50002"))
    line = next(p for p in parties.sp_at_partner_a.get(f"{PARTNER_INVENTORY}/product",
                                                        params={"limit": 1000}).json() if p["id"] not in known)
    s_vlans = line["productConfiguration"]["enniEp"]["ovcEndPointMap"]["ovcEndPointMapFormE"]
    assert line["productConfiguration"]["uniEp"]["ovcEndPointMap"]["ovcEndPointMapFormU"] == [vlan]

    free = qualify(parties, _retagged(product, "evcEndPointZ", vlan + 4))["productOfferingQualificationItem"][0]
    assert free["serviceabilityConfidence"] in ("green", "yellow"), free
    assert "Alpha Access can change its segment" in free["serviceabilityConfidenceReason"], free
    done = parties.wait(parties.order(_retagged(product, "evcEndPointZ", vlan + 4))["id"])
    assert done["state"] == "completed", done["stateChange"]

    config = parties.acme.get(f"{INVENTORY}/product/{product['id']}").json()["productConfiguration"]
    assert config["evcEndPointZ"]["evcEndPointMap"]["vlanId"] == [vlan + 4]
    assert config["evcEndPointA"] == product["productConfiguration"]["evcEndPointA"]
    # at the partner: its Access E-Line's UNI on the new CE-VLAN, the S-VLAN at the ENNI unchanged
    changed = parties.sp_at_partner_a.get(f"{PARTNER_INVENTORY}/product/{line['id']}").json()
    assert changed["productConfiguration"]["uniEp"]["ovcEndPointMap"]["ovcEndPointMapFormU"] == [vlan + 4]
    assert changed["productConfiguration"]["enniEp"]["ovcEndPointMap"]["ovcEndPointMapFormE"] == s_vlans
    service = _service(parties, product)
    partner = service["serviceConfiguration"]["cadenzaDesign"]["partner"]
    assert partner["ceVlan"] == vlan + 4 and partner["sVlan"] == s_vlans[0]
    status = parties.partner_a.get("/cadenza/twin/v1/status").json()
    vlans_at_partner = {ep.get("vlan-id") for element in status["elements"]
                        for fc in element["forwardingConstructs"] for ep in fc["end-point"]}
    assert vlan + 4 in vlans_at_partner and vlan not in vlans_at_partner
