"""What the Service Provider asks a partner for when an off-net end has an excess rate: the
partner's POQ and quote, and its Access E-Line order, carry the CIR (0 allowed) and the EIR,
so the partner qualifies, prices and configures what the customer asked. The partner is a
real SonataClient on an injected transport playing the partner's HTTP side."""

from __future__ import annotations

import json
from typing import Any

import httpx

from cadenza.bus import quote_contract
from cadenza.bus.mapping import bandwidth
from cadenza.bus.partners import PartnerDirectory, access_eline_configuration
from cadenza.bus.product_schemas import validate_product_configuration
from cadenza.bus.sonata_access import access_eline_item
from cadenza.interfaces.sonata.client import SonataClient
from cadenza.landscape.config import PartnerConfig

PARTNER = PartnerConfig(party="partner-a", name="Alpha Access", url="http://partner-a.example", client_id="sp",
                        client_secret="secret-secret", enni="enni-1", partner_enni="enni-sp", cities=["Springfield"])
PLACE = {"@type": "FieldedAddress", "role": "INSTALL_LOCATION", "city": "Springfield", "streetName": "Evergreen",
         "streetNr": "11", "postcode": "50001", "country": "US"}


def test_the_access_eline_ordered_from_a_partner_commits_nothing_and_allows_the_eir() -> None:
    item = access_eline_item("access", site={"id": "s-1"}, ce_vlan=100, s_vlan=1100, mbps=0, eir_mbps=200)
    config = item["product"]["productConfiguration"]
    validate_product_configuration(config, pointer="/p")
    asked = bandwidth(config, pointer="/p")
    assert (asked.cir_mbps, asked.eir_mbps) == (0, 200)
    [flow] = config["uniEp"]["ingressBandwidthProfilePerClassOfServiceName"]
    assert flow["bwpFlow"]["cbs"]["dataSizeValue"] == 0 and flow["bwpFlow"]["ebs"]["dataSizeValue"] > 0


def test_a_committed_access_eline_keeps_no_excess_rate_unless_asked() -> None:
    plain = access_eline_item("access", site={"id": "s-1"}, ce_vlan=None, s_vlan=1100, mbps=50)
    both = access_eline_item("access", site={"id": "s-1"}, ce_vlan=None, s_vlan=1100, mbps=50, eir_mbps=100)
    assert bandwidth(plain["product"]["productConfiguration"], pointer="").eir_mbps == 0
    assert (bandwidth(both["product"]["productConfiguration"], pointer="").cir_mbps,
            bandwidth(both["product"]["productConfiguration"], pointer="").eir_mbps) == (50, 100)
    assert bandwidth(access_eline_configuration(0, eir_mbps=200), pointer="").eir_mbps == 200


def test_the_partner_is_asked_to_qualify_and_quote_the_excess_rate() -> None:
    asked: list[dict[str, Any]] = []

    def partner(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return httpx.Response(200, json={"access_token": "t", "expires_in": 300})
        body = json.loads(request.content)
        asked.append(body)
        if request.url.path.endswith("/productOfferingQualification"):
            return httpx.Response(201, json={"id": "poq-1", "state": "done.ready", "productOfferingQualificationItem": [
                {"id": "1", "state": "done.ready", "serviceabilityConfidence": "green",
                 "installationInterval": {"amount": 15, "units": "calendarDays"}}]})
        return httpx.Response(201, json={"id": "q-1", "state": "approved.orderable", "quoteItem": [
            {"id": "1", "state": "approved.orderable",
             "quoteItemInstallationInterval": {"amount": 15, "units": "calendarDays"},
             "quoteItemPrice": [{"priceType": "nonRecurring",
                                 "price": {"dutyFreeAmount": {"unit": "USD", "value": 600}}},
                                {"priceType": "recurring", "recurringChargePeriod": "month",
                                 "price": {"dutyFreeAmount": {"unit": "USD", "value": 135}}}]}]})

    directory = PartnerDirectory([PARTNER], buyer_name="SP", buyer_party="sp", client_factory=lambda p: SonataClient(
        p.url, client_id=p.client_id, client_secret=p.client_secret, transport=httpx.MockTransport(partner)))
    offer = directory.qualify_and_quote(PARTNER, PLACE, 0, ce_vlan=100, eir_mbps=200)
    assert offer.serviceable and offer.price is not None and offer.price.mrc == 135
    poq, quote = asked
    for product in (poq["productOfferingQualificationItem"][0]["product"], quote["quoteItem"][0]["product"]):
        rates = bandwidth(product["productConfiguration"], pointer="")
        assert (rates.cir_mbps, rates.eir_mbps) == (0, 200)


def test_an_order_keeps_to_the_excess_rate_its_quote_priced() -> None:
    def line(eir: int, cir: int = 0) -> dict[str, Any]:
        return {"action": "add", "product": access_eline_item("1", site={"id": "s-1"}, ce_vlan=100, s_vlan=1100,
                                                              mbps=cir, eir_mbps=eir)["product"]}

    assert quote_contract._differences(line(200), line(200)) == []
    assert quote_contract._differences(line(200), line(300)) == [
        ("excess bandwidth (EIR 200 Mbit/s quoted)", "/product/productConfiguration")]
    assert quote_contract._differences(line(200), line(200, cir=50))[0][0] == "committed bandwidth (0 Mbit/s quoted)"
