"""An EVPL with an end a partner serves may have an excess rate, also with nothing committed
(every MEF 125 EPL/EVPL example asks CIR 0 + EIR): POQ and quote ask the partner for the same
profile and the quote adds the partner's price of it; the order completes over SONATA
(Alpha Access, Springfield) and over INTERLUDE (Beta Fibre, Ogdenville); the partner's Access
E-Line carries the EIR, and the elements of both domains police it."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from cadenza.bus.catalog import Catalog
from cadenza.bus.product_schemas import EVPL_EVC, example_configuration
from tests.e2e.conftest import INVENTORY, Parties, address, item, site

CONTACT = [{"role": "buyerContactInformation", "name": "Ann", "emailAddress": "a@acme.example", "number": "1"}]
POQ = "/mefApi/cantata/productOfferingQualification/v1/productOfferingQualification"
QUOTE = "/mefApi/cantata/quoteManagement/v2/quote"
SERVICE_ORDERS = "/mefApi/legato/serviceOrderingManagement/v5/serviceOrder"
SERVICES = "/mefApi/legato/serviceInventory/v5/service"
SPRINGFIELD = address("32", "Oak", "Springfield", "70002")  # Alpha Access's alone: SONATA
OGDENVILLE = address("42", "Cedar", "Ogdenville", "80002")  # Beta Fibre's alone: INTERLUDE


def evpl_rates(vlan: int, *, cir: int, eir: int) -> dict[str, Any]:
    """The MEF 125 EVPL (its example configuration) at `vlan` on both ends, each flow CIR + EIR."""
    config = copy.deepcopy(example_configuration(EVPL_EVC))
    for end in ("evcEndPointA", "evcEndPointZ"):
        config[end]["evcEndPointMap"]["vlanId"] = [vlan]
        for flow in config[end]["ingressBandwidthProfilePerClassofServiceName"]:
            flow["bwpFlow"]["cir"] = {"irValue": cir, "irUnits": "MBPS"}
            flow["bwpFlow"]["cbs"] = {"dataSizeValue": 40 if cir else 0, "dataSizeUnits": "KBYTES"}
            flow["bwpFlow"]["eir"] = {"irValue": eir, "irUnits": "MBPS"}
            flow["bwpFlow"]["ebs"] = {"dataSizeValue": 40, "dataSizeUnits": "KBYTES"}
    return config


def _charges(lines: list[dict[str, Any]]) -> tuple[float, float]:
    nrc = sum(p["price"]["dutyFreeAmount"]["value"] for p in lines if p["priceType"] == "nonRecurring")
    mrc = sum(p["price"]["dutyFreeAmount"]["value"] for p in lines if p["priceType"] == "recurring")
    return nrc, mrc


def _qualified_and_quoted(parties: Parties, product: dict[str, Any], city: str) -> tuple[float, float]:
    """POQ green off-net, then a firm quote; the partner's price lines of that quote."""
    poq = parties.acme.post(POQ, json={"instantSyncQualification": True, "relatedContactInformation": CONTACT,
                                       "productOfferingQualificationItem": [
                                           {"id": "1", "action": "add", "product": product}]})
    assert poq.status_code == 201, poq.text
    qualified = poq.json()["productOfferingQualificationItem"][0]
    assert (poq.json()["state"], qualified["serviceabilityConfidence"]) == ("done.ready", "green"), poq.text
    assert "Off-net via" in qualified["serviceabilityConfidenceReason"]
    quote = parties.acme.post(QUOTE, json={"instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm",
                                           "relatedContactInformation": CONTACT,
                                           "quoteItem": [{"id": "1", "action": "add", "product": product}]})
    assert quote.status_code == 201 and quote.json()["state"] == "approved.orderable", quote.text
    lines = quote.json()["quoteItem"][0]["quoteItemPrice"]
    own = [p for p in lines if not p["name"].startswith("off-net access")]
    theirs = [p for p in lines if p["name"] == f"off-net access at {city}"]
    assert own and theirs, lines
    return _charges(own) + _charges(theirs)


def _service(parties: Parties, order_id: str) -> dict[str, Any]:
    with parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp") as legato:
        ordered = legato.get(SERVICE_ORDERS, params={"externalId": f"{order_id}/1"}).json()
        return legato.get(f"{SERVICES}/{ordered[0]['serviceOrderItem'][0]['service']['id']}").json()


def _profiles(operator: httpx.Client) -> dict[str, dict[str, Any]]:
    """Every forwarding construct of a twin, as its elements hold it: its bandwidth profile."""
    status = operator.get("/cadenza/twin/v1/status").json()
    return {f"{e['name']}/{fc['id']}": fc["bandwidth-profile"] for e in status["elements"]
            for fc in e["forwardingConstructs"]}


def _ordered(parties: Parties, product: dict[str, Any], partner: httpx.Client
             ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Order it; the product, and the constructs it added at the SP and at the partner."""
    before_sp, before_partner = _profiles(parties.sp), _profiles(partner)
    done = parties.wait(parties.order({"id": "1", "action": "add", "product": product})["id"])
    assert done["state"] == "completed", done
    [made] = parties.acme.get(f"{INVENTORY}/product", params={"productOrderId": done["id"]}).json()
    ours = [p for k, p in _profiles(parties.sp).items() if k not in before_sp]
    theirs = [p for k, p in _profiles(partner).items() if k not in before_partner]
    assert ours and theirs, "the service configured no element in one of the domains"
    return made, ours, theirs


def test_a_best_effort_evpl_off_net_over_sonata_is_quoted_ordered_and_policed_at_the_partner(
        parties: Parties, vlan: int) -> None:
    product = item("1", "evpl", evpl_rates(vlan, cir=0, eir=200), site("site-east-1-1"), SPRINGFIELD)["product"]
    own_nrc, own_mrc, partner_nrc, partner_mrc = _qualified_and_quoted(parties, product, "Springfield")
    asked = Catalog().price("evpl", 0, eir_mbps=200)
    assert (own_nrc, own_mrc) == (asked.nrc, asked.mrc)
    # Alpha Access (price factor 1.0) quoted its Access E-Line at CIR 0 + EIR 200: the excess alone
    partner = Catalog(price_factor=1.0).price("access-eline", 0, eir_mbps=200)
    assert (partner_nrc, partner_mrc) == (partner.nrc, partner.mrc) and partner.mrc > 0

    made, ours, theirs = _ordered(parties, product, parties.partner_a)
    assert made["status"] == "active"
    reference = _service(parties, made["productOrderItem"][0]["productOrderId"])[
        "serviceConfiguration"]["cadenzaDesign"]["partner"]["reference"]
    # The partner's inventory (read as its buyer, the SP) shows the Access E-Line it sold, with the EIR.
    [sold] = parties.sp_at_partner_a.get("/mefApi/sonata/productInventory/v7/product",
                                         params={"productOrderId": reference}).json()
    assert sold["status"] == "active" and sold["productOffering"]["id"] == "access-eline"
    flows = [f["bwpFlow"] for f in sold["productConfiguration"]["uniEp"][
        "ingressBandwidthProfilePerClassOfServiceName"]]
    assert flows and all((f["cir"]["irValue"], f["eir"]["irValue"]) == (0, 200) for f in flows)
    # Both domains' elements police nothing committed and 200 Mbit/s excess.
    for profile in (*ours, *theirs):
        assert (profile["cir-kbps"], profile["eir-kbps"]) == (0, 200_000), profile

    # A CIR change of it keeps the EIR at the partner: only the committed rate changes.
    stored = made["productConfiguration"]
    change = copy.deepcopy(stored)
    for end in ("evcEndPointA", "evcEndPointZ"):
        for flow in change[end]["ingressBandwidthProfilePerClassofServiceName"]:
            flow["bwpFlow"]["cir"] = {"irValue": 20, "irUnits": "MBPS"}
            flow["bwpFlow"]["cbs"] = {"dataSizeValue": 40, "dataSizeUnits": "KBYTES"}
    before_partner = _profiles(parties.partner_a)
    modified = parties.wait(parties.order({"id": "1", "action": "modify", "product": {
        "id": made["id"], "productOffering": {"id": "evpl"}, "productConfiguration": change}})["id"])
    assert modified["state"] == "completed", modified
    changed = {k: p for k, p in _profiles(parties.partner_a).items() if k in before_partner and p != before_partner[k]}
    assert changed and all((p["cir-kbps"], p["eir-kbps"]) == (20_000, 200_000) for p in changed.values()), changed


def test_cir_and_eir_off_net_over_interlude_are_quoted_ordered_and_policed_at_the_partner(
        parties: Parties, vlan: int) -> None:
    product = item("1", "evpl", evpl_rates(vlan, cir=50, eir=100), site("site-east-2-1"), OGDENVILLE)["product"]
    own_nrc, own_mrc, partner_nrc, partner_mrc = _qualified_and_quoted(parties, product, "Ogdenville")
    asked = Catalog().price("evpl", 50, eir_mbps=100)
    assert (own_nrc, own_mrc) == (asked.nrc, asked.mrc)
    # Beta Fibre (price factor 1.2) priced the committed 50 and the excess 100 Mbit/s
    partner = Catalog(price_factor=1.2).price("access-eline", 50, eir_mbps=100)
    assert (partner_nrc, partner_mrc) == (partner.nrc, partner.mrc)
    assert partner_mrc > Catalog(price_factor=1.2).price("access-eline", 50).mrc

    made, ours, theirs = _ordered(parties, product, parties.partner_b)
    assert made["status"] == "active"
    design = _service(parties, made["productOrderItem"][0]["productOrderId"])["serviceConfiguration"]["cadenzaDesign"]
    assert design["partner"]["party"] == "partner-b" and design["partner"]["eirMbps"] == 100
    for profile in (*ours, *theirs):
        assert (profile["cir-kbps"], profile["eir-kbps"]) == (50_000, 100_000), profile
