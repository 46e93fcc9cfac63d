"""POQ and quote take the MEF 125 item structure (an EVC item tied to UNI items by
CONNECTS_TO_UNI_A/_Z) as they take the short form, price what was asked (CIR and EIR), and take
the address ids a successful address validation gave out (tests/e2e/test_mef_payloads.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cadenza.bus.catalog import EIR_SHARE
from cadenza.bus.product_schemas import ACCESS_ELINE_OVC, OPERATOR_UNI, example_configuration
from cadenza.core.db import Database
from cadenza.interfaces.sonata import SonataClient
from tests.helpers.mef import mef_json
from tests.helpers.mef125 import epl_use_case_2a, mef125_items, with_rates
from tests.integration.bus.conftest_poq import BUYER_SECRET, SP, Domain, partner_domain, sp_domain, tmp_sqlite
from tests.integration.bus.test_poq_quote import (
    CONTACT,
    OFF_NET,
    PARTNER_SITES,
    QUOTE,
    SP_SITES,
    charges,
    created_poq,
    created_quote,
)

MEF106 = "sonata/documentation/productSchema/carrierEthernet/operatorEthernet/MEF 106 resources/"
METRO_1 = {"@type": "GeographicAddressRef", "id": "addr-site-metro-1", "role": "INSTALL_LOCATION"}
METRO_2 = {"@type": "GeographicSiteRef", "id": "site-metro-2", "role": "INSTALL_LOCATION"}


@pytest.fixture
def sp(database: Database, tmp_path: Path) -> Iterator[Domain]:
    with partner_domain(tmp_sqlite(tmp_path, "alpha"), party="partner-a", price_factor=1.0,
                        sites=PARTNER_SITES) as alpha, \
            sp_domain(database, sites=SP_SITES, partners=[alpha], cities=["Springfield"]) as domain:
        yield domain


def poq(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"instantSyncQualification": True, "relatedContactInformation": CONTACT,
            "productOfferingQualificationItem": items}


def quote(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm", "quoteItem": items}


def test_a_poq_in_the_mef125_structure_qualifies_the_evc_at_its_uni_items_places(sp: Domain) -> None:
    with sp.client("acme", "acme-secret-1") as acme:
        answer = created_poq(acme, poq(mef125_items((METRO_1, METRO_2), relation_key="qualificationItemRelationship")))
    assert answer["state"] == "done.ready"
    evc, uni_a, uni_z = answer["productOfferingQualificationItem"]
    assert (evc["state"], evc["serviceabilityConfidence"]) == ("done.ready", "green")
    assert "site-metro-1" in evc["serviceabilityConfidenceReason"] and "site-metro-2" in evc[
        "serviceabilityConfidenceReason"]
    assert {uni_a["serviceabilityConfidence"], uni_z["serviceabilityConfidence"]} == {"green"}
    assert evc["qualificationItemRelationship"][0] == {"relationshipType": "CONNECTS_TO_UNI_A", "id": "item-002"}


def test_a_quote_in_the_mef125_structure_prices_the_evc_and_each_uni(sp: Domain) -> None:
    with sp.client("acme", "acme-secret-1") as acme:
        answer = created_quote(acme, quote(mef125_items((METRO_1, METRO_2), relation_key="quoteItemRelationship",
                                                        epl=with_rates(epl_use_case_2a(), cir=100, eir=0))))
    assert answer["state"] == "approved.orderable"
    evc, uni_a, uni_z = answer["quoteItem"]
    assert charges(evc) == (1000, 750)  # the EPL at 100 Mbit/s
    assert charges(uni_a) == charges(uni_z) == (500, 100)  # a 1000BASE_T UNI port


def test_the_quote_prices_the_excess_rate_and_a_best_effort_evc_is_cheaper(sp: Domain) -> None:
    def evc_charges(epl: dict[str, Any]) -> tuple[float, float]:
        with sp.client("acme", "acme-secret-1") as acme:
            answer = created_quote(acme, quote(mef125_items((METRO_1, METRO_2), relation_key="quoteItemRelationship",
                                                            epl=epl)))
        assert answer["state"] == "approved.orderable", answer
        return charges(answer["quoteItem"][0])

    best_effort = evc_charges(epl_use_case_2a())  # MEF's own example: CIR 0, EIR 70 Mbit/s
    committed = evc_charges(with_rates(epl_use_case_2a(), cir=100, eir=0))
    both = evc_charges(with_rates(epl_use_case_2a(), cir=100, eir=100))
    assert best_effort == (1000, EIR_SHARE * 750)  # 70 Mbit/s excess priced at the 100 Mbit/s tier
    assert both == (1000, 750 + EIR_SHARE * 750) and committed == (1000, 750)


def test_an_excess_rate_off_net_is_qualified_and_quoted_by_the_partner_at_its_price(sp: Domain) -> None:
    with sp.client("acme", "acme-secret-1") as acme:
        answer = created_poq(acme, poq(mef125_items((METRO_1, OFF_NET), relation_key="qualificationItemRelationship")))
        evc = answer["productOfferingQualificationItem"][0]
        assert evc["serviceabilityConfidence"] == "green", evc
        assert "Off-net via partner-a" in evc["serviceabilityConfidenceReason"]
        quoted = created_quote(acme, quote(mef125_items((METRO_1, OFF_NET), relation_key="quoteItemRelationship")))
    assert quoted["state"] == "approved.orderable", quoted
    # MEF's EPL (CIR 0 + EIR 70) at the 100 Mbit/s tier, and the partner's Access E-Line asked
    # for the same: 600 to install, EIR_SHARE of its 100 Mbit/s tier (420) a month.
    assert charges(quoted["quoteItem"][0]) == (1000 + 600, EIR_SHARE * 750 + EIR_SHARE * 420)


def test_an_evc_item_pointing_at_a_missing_uni_item_names_the_relationship(sp: Domain) -> None:
    items = mef125_items((METRO_1, METRO_2), relation_key="quoteItemRelationship")
    items[0]["quoteItemRelationship"][1]["id"] = "item-999"
    with sp.client("acme", "acme-secret-1") as acme:
        reply = acme.post(QUOTE, json=quote(items))
        assert reply.status_code == 422, reply.text
        assert reply.json()[0]["propertyPath"] == "/quoteItem/0/quoteItemRelationship/1/id"
        assert reply.json()[0]["code"] == "referenceNotFound"
        one_end = mef125_items((METRO_1, METRO_2), relation_key="quoteItemRelationship")
        one_end[0]["quoteItemRelationship"].pop()
        reply = acme.post(QUOTE, json=quote(one_end))
        assert reply.status_code == 422 and "end point Z" in reply.json()[0]["reason"]
        unknown_uni = mef125_items((METRO_1, METRO_2), relation_key="quoteItemRelationship")
        unknown_uni[0]["product"]["productRelationship"] = [{"relationshipType": "CONNECTS_TO_UNI_Z", "id": "no-uni"}]
        unknown_uni[0]["quoteItemRelationship"].pop()
        reply = acme.post(QUOTE, json=quote(unknown_uni))
        assert reply.status_code == 422 and reply.json()[0]["propertyPath"] == \
            "/quoteItem/0/product/productRelationship/0/id"


def test_a_buyer_qualifies_and_quotes_an_access_eline_in_the_mef106_structure(database: Database,
                                                                              tmp_path: Path) -> None:
    """MEF 106 UseCase2/4: the Access E-Line item CONNECTS_TO_UNI an Operator UNI item of the
    same request, and names the buyer's ENNI in productRelationship (CONNECTS_TO_ENNI)."""
    document = mef_json(MEF106 + "UseCase2Request.json")
    ovc_item, uni_item = (dict(i) for i in document["productOfferingQualificationItem"])
    partner_site = {"@type": "GeographicSiteRef", "id": "site-spr-1", "role": "INSTALL_LOCATION"}
    ovc_item["product"] = {**ovc_item["product"], "productOffering": {"id": "access-eline"},
                           "productConfiguration": example_configuration(ACCESS_ELINE_OVC)}
    uni_item["product"] = {"productOffering": {"id": "operator-uni"}, "place": [partner_site],
                           "productConfiguration": example_configuration(OPERATOR_UNI)}
    assert ovc_item["qualificationItemRelationship"] == [{"relationshipType": "CONNECTS_TO_UNI", "id": "item-002"}]
    assert ovc_item["product"]["productRelationship"][0]["relationshipType"] == "CONNECTS_TO_ENNI"
    with partner_domain(tmp_sqlite(tmp_path, "alpha"), party="partner-a", price_factor=1.0,
                        sites=PARTNER_SITES) as alpha, \
            SonataClient(alpha.url, client_id=SP, client_secret=BUYER_SECRET) as sonata:
        poq = sonata.create_poq({"instantSyncQualification": True, "relatedContactInformation": CONTACT,
                                 "productOfferingQualificationItem": [ovc_item, uni_item]})
        assert poq["state"] == "done.ready", poq
        assert [i["serviceabilityConfidence"] for i in poq["productOfferingQualificationItem"]] == ["green", "green"]
        quote = sonata.create_quote({"instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm", "quoteItem": [
            {"id": ovc_item["id"], "action": "add", "product": ovc_item["product"],
             "quoteItemRelationship": ovc_item["qualificationItemRelationship"]},
            {"id": uni_item["id"], "action": "add", "product": uni_item["product"]}]})
        assert quote["state"] == "approved.orderable", quote
        ovc, uni = quote["quoteItem"]
        assert charges(ovc) == (600, 420) and charges(uni) == (400, 80)  # Access E-Line 100 Mbit/s; a 1G port
