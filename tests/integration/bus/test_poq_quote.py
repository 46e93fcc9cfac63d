"""POQ and quote across two organisations: a Service Provider answering its customers over
CANTATA and asking its partners over SONATA, each domain served on a real port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cadenza.bus.poq import poqs
from cadenza.bus.product_schemas import EPL_EVC, example_configuration
from cadenza.bus.quote import quotes as quote_store
from cadenza.core.db import Database
from cadenza.core.notifications.rows import OutboxEventRow
from cadenza.interfaces.sonata import SonataClient, SonataHttpError
from cadenza.interfaces.sonata.paths import POQ_EVENTS, QUOTE_EVENTS, poq_base, poq_spec, quote_base, quote_spec
from tests.helpers.openapi import assert_conforms
from tests.helpers.servers import wait_until
from tests.integration.bus.conftest_poq import (
    BUYER_SECRET,
    SP,
    Domain,
    address,
    partner_domain,
    site,
    sp_domain,
    tmp_sqlite,
)

POQ = poq_base("cantata") + "/productOfferingQualification"
QUOTE = quote_base("cantata") + "/quote"
CONTACT = [{"role": "buyerContactInformation", "name": "Wile E.", "emailAddress": "wile@acme.example",
            "number": "+1-555-0101"}]
METRO = address("101", "Main", "Metropolis", "10001")
SPRINGFIELD = address("11", "Evergreen", "Springfield", "50001")
SP_SITES = [site("site-metro-1", METRO, edge_point="uni-east-1-1"),
            site("site-metro-2", address("102", "Main", "Metropolis", "10001"), edge_point="uni-east-1-2",
                 customer="acme")]
PARTNER_SITES = [site("site-spr-1", SPRINGFIELD, edge_point="uni-partner-1-1")]
OFF_NET = {"@type": "FieldedAddress", "role": "INSTALL_LOCATION", "streetNr": "11", "streetName": "Evergreen",
           "streetType": "Street", "city": "Springfield", "postcode": "50001", "country": "US"}
NOWHERE = {**OFF_NET, "city": "Ogdenville", "postcode": "90001"}


def site_ref(site_id: str) -> dict[str, Any]:
    return {"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION", "id": site_id}


def epl(*places: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"productOffering": {"id": "epl"}, "productConfiguration": config or example_configuration(EPL_EVC),
            "place": list(places)}


def poq_body(*places: dict[str, Any], instant: bool = True, **extra: Any) -> dict[str, Any]:
    return {"instantSyncQualification": instant, "relatedContactInformation": CONTACT,
            "productOfferingQualificationItem": [{"id": "1", "action": "add", "product": epl(*places)}], **extra}


def quote_body(*places: dict[str, Any], level: str = "firm") -> dict[str, Any]:
    return {"instantSyncQuote": True, "buyerRequestedQuoteLevel": level,
            "quoteItem": [{"id": "1", "action": "add", "product": epl(*places)}]}


def created_poq(http: Any, body: dict[str, Any]) -> dict[str, Any]:
    reply = http.post(POQ, json=body)
    assert reply.status_code == 201, reply.text
    assert_conforms(poq_spec("cantata"), "/productOfferingQualification", "post", 201, reply.json())
    return reply.json()


def created_quote(http: Any, body: dict[str, Any]) -> dict[str, Any]:
    reply = http.post(QUOTE, json=body)
    assert reply.status_code == 201, reply.text
    assert_conforms(quote_spec("cantata"), "/quote", "post", 201, reply.json())
    return reply.json()


def charges(item: dict[str, Any]) -> tuple[float, float]:
    nrc = sum(p["price"]["dutyFreeAmount"]["value"] for p in item["quoteItemPrice"] if p["priceType"] == "nonRecurring")
    mrc = sum(p["price"]["dutyFreeAmount"]["value"] for p in item["quoteItemPrice"] if p["priceType"] == "recurring")
    return nrc, mrc


@pytest.fixture
def one_partner(database: Database, tmp_path: Path) -> Iterator[tuple[Domain, Domain]]:
    with partner_domain(tmp_sqlite(tmp_path, "alpha"), party="partner-a", price_factor=1.0,
                        sites=PARTNER_SITES) as alpha, \
            sp_domain(database, sites=SP_SITES, partners=[alpha], cities=["Springfield"]) as sp:
        yield sp, alpha


def test_a_customer_poq_for_on_net_sites_is_qualified_green(one_partner: tuple[Domain, Domain]) -> None:
    sp, _ = one_partner
    with sp.client("acme", "acme-secret-1") as acme:
        poq = created_poq(acme, poq_body(site_ref("site-metro-1"), site_ref("site-metro-2")))
        item = poq["productOfferingQualificationItem"][0]
        assert poq["state"] == "done.ready"
        assert item["state"] == "done.ready"
        assert item["serviceabilityConfidence"] == "green"
        assert item["installationInterval"] == {"amount": 10, "units": "calendarDays"}  # EPL on-net lead time
        assert "On-net" in item["serviceabilityConfidenceReason"]
        again = acme.get(f"{POQ}/{poq['id']}")
        assert again.status_code == 200 and again.json() == poq
        assert_conforms(poq_spec("cantata"), "/productOfferingQualification/{id}", "get", 200, again.json())
        listed = acme.get(POQ, params={"state": "done.ready"})
        assert [p["id"] for p in listed.json()] == [poq["id"]] and listed.headers["X-Total-Count"] == "1"
        assert_conforms(poq_spec("cantata"), "/productOfferingQualification", "get", 200, listed.json())


def test_an_off_net_address_is_qualified_and_quoted_by_the_partner_over_sonata(
        one_partner: tuple[Domain, Domain]) -> None:
    sp, alpha = one_partner
    with sp.client("acme", "acme-secret-1") as acme:
        poq = created_poq(acme, poq_body(site_ref("site-metro-1"), OFF_NET))
        item = poq["productOfferingQualificationItem"][0]
        assert (poq["state"], item["serviceabilityConfidence"]) == ("done.ready", "green")
        assert "Off-net via partner-a" in item["serviceabilityConfidenceReason"]
        assert item["installationInterval"]["amount"] == 30  # EPL off-net lead time beats the partner's 15 days

        quote = created_quote(acme, quote_body(site_ref("site-metro-1"), OFF_NET))
        quoted = quote["quoteItem"][0]
        assert (quote["state"], quoted["state"], quote["quoteLevel"]) == ("approved.orderable",
                                                                           "approved.orderable", "firm")
        # Our EPL at 100 Mbit/s (1000 + 750/month) plus the partner's Access E-Line (600 + 420/month).
        assert charges(quoted) == (1600, 1170)
        assert quoted["quoteItemInstallationInterval"] == {"amount": 30, "units": "calendarDays"}
        assert quote["validFor"]["endDateTime"] > quote["quoteDate"]
        assert "_cadenza" not in quote and "partner-a" not in str(quote)  # partner dealings stay private
        got = acme.get(f"{QUOTE}/{quote['id']}")
        assert got.status_code == 200
        assert_conforms(quote_spec("cantata"), "/quote/{id}", "get", 200, got.json())

    # The partner holds a POQ and a quote for each of our two questions, owned by the buying provider.
    with alpha.database.transaction() as session:
        partner_poqs, _ = poqs.list(session, SP, family="sonata")
        partner_quotes, _ = quote_store.list(session, SP, family="sonata")
        assert len(partner_poqs) == 2 and len(partner_quotes) == 2
        partner_item = partner_quotes[0].document["quoteItem"][0]
        assert partner_item["product"]["productOffering"]["id"] == "access-eline"
        assert partner_item["product"]["place"] == [OFF_NET]
    offers = sp.quotes["cantata"].partner_offers(quote["id"], party="acme")
    assert offers["1"][0]["partner"] == "partner-a"
    assert offers["1"][0]["quote"] == partner_quotes[0].id  # the newest: the one asked for this quote


def test_with_two_partners_in_the_same_city_the_cheaper_one_is_chosen(database: Database, tmp_path: Path) -> None:
    with partner_domain(tmp_sqlite(tmp_path, "alpha"), party="partner-a", price_factor=1.0,
                        sites=PARTNER_SITES) as alpha, \
            partner_domain(tmp_sqlite(tmp_path, "beta"), party="partner-b", price_factor=0.8,
                           sites=PARTNER_SITES) as beta, \
            sp_domain(database, sites=SP_SITES, partners=[alpha, beta], cities=["Springfield"]) as sp, \
            sp.client("acme", "acme-secret-1") as acme:
        quote = created_quote(acme, quote_body(site_ref("site-metro-1"), OFF_NET))
        # partner-b's Access E-Line is 0.8 x (600 + 420/month) = 480 + 336/month.
        assert charges(quote["quoteItem"][0]) == (1480, 1086)
        offers = sp.quotes["cantata"].partner_offers(quote["id"], party="acme")["1"]
        assert [o["partner"] for o in offers] == ["partner-b"]
        assert offers[0]["price"] == {"nrc": 480, "mrc": 336, "currency": "USD"}
    with alpha.database.transaction() as session:  # the dearer partner was asked too
        assert len(quote_store.list(session, SP)[0]) == 1


def test_an_address_outside_every_footprint_is_not_serviceable_with_a_reason(
        one_partner: tuple[Domain, Domain]) -> None:
    sp, _ = one_partner
    with sp.client("acme", "acme-secret-1") as acme:
        poq = created_poq(acme, poq_body(site_ref("site-metro-1"), NOWHERE))
        item = poq["productOfferingQualificationItem"][0]
        assert (poq["state"], item["state"], item["serviceabilityConfidence"]) == ("done.ready", "done.ready", "red")
        assert "Ogdenville is outside our network and every partner's footprint" in item[
            "serviceabilityConfidenceReason"]
        assert "installationInterval" not in item
        quote = created_quote(acme, quote_body(site_ref("site-metro-1"), NOWHERE))
        assert quote["state"] == "unableToProvide"
        assert "Ogdenville" in quote["quoteItem"][0]["terminationError"][0]["value"]


def test_a_customer_cannot_read_another_customers_poq_or_quote(one_partner: tuple[Domain, Domain]) -> None:
    sp, _ = one_partner
    with sp.client("acme", "acme-secret-1") as acme, sp.client("globex", "globex-secret-1") as globex:
        poq = created_poq(acme, poq_body(site_ref("site-metro-1")))
        quote = created_quote(acme, quote_body(site_ref("site-metro-1")))
        assert globex.get(f"{POQ}/{poq['id']}").status_code == 404
        assert globex.get(f"{QUOTE}/{quote['id']}").json()["code"] == "notFound"
        assert globex.get(POQ).json() == [] and globex.get(QUOTE).json() == []
        # acme's own site is invisible to globex: a reference it cannot use.
        refused = created_poq(globex, poq_body(site_ref("site-metro-2")))
        assert refused["state"] == "terminatedWithError"
        assert refused["productOfferingQualificationItem"][0]["terminationError"][0]["code"] == "referenceNotFound"


def test_bad_requests_get_the_spec_error_naming_the_field(one_partner: tuple[Domain, Domain]) -> None:
    sp, _ = one_partner
    config = example_configuration(EPL_EVC)
    config["maximumFrameSize"] = "big"
    with sp.client("acme", "acme-secret-1") as acme:
        body = poq_body(site_ref("site-metro-1"))
        body["productOfferingQualificationItem"][0]["product"]["productConfiguration"] = config
        reply = acme.post(POQ, json=body)
        assert reply.status_code == 422  # the spec's 422 is a list of Error422
        assert reply.json()[0]["propertyPath"] == ("/productOfferingQualificationItem/0/product/productConfiguration"
                                                   "/maximumFrameSize")
        wrong = acme.post(QUOTE, json={**quote_body(site_ref("site-metro-1")), "quoteItem": [
            {"id": "1", "action": "add", "product": {**epl(site_ref("site-metro-1")),
                                                      "productOffering": {"id": "access-eline"}}}]})
        assert wrong.status_code == 422 and wrong.json()[0]["code"] == "referenceNotFound"
        unknown = acme.post(QUOTE, json=quote_body(site_ref("no-such-site")))
        assert unknown.status_code == 422 and unknown.json()[0]["propertyPath"] == "/quoteItem/0/product/place/0/id"


def _answered(http: Any, path: str) -> dict[str, Any]:
    """A deferred request once its assessment (a workflow of its own) has answered it."""
    return wait_until(lambda: (r := http.get(path).json())["state"] not in ("acknowledged", "inProgress") and r,
                      timeout=30, interval=0.1, what=f"{path} to be answered")


def test_a_deferred_poq_moves_through_in_progress_and_publishes_each_change(
        one_partner: tuple[Domain, Domain]) -> None:
    sp, _ = one_partner
    with sp.client("acme", "acme-secret-1") as acme:
        hub = acme.post(poq_base("cantata") + "/hub", json={"callback": "http://127.0.0.1:9/listenerEndpoint"})
        assert hub.status_code == 201
        poq = created_poq(acme, poq_body(site_ref("site-metro-1"), instant=False,
                                         requestedPOQCompletionDate="2030-01-01T00:00:00Z"))
        assert poq["state"] == "acknowledged" and "expectedPOQCompletionDate" in poq
        done = _answered(acme, f"{POQ}/{poq['id']}")
        assert [c["state"] for c in done["stateChange"]] == ["acknowledged", "inProgress", "done.ready"]
        assert done["productOfferingQualificationItem"][0]["state"] == "done.ready"
        assert_conforms(poq_spec("cantata"), "/productOfferingQualification/{id}", "get", 200, done)
    with sp.database.transaction() as session:
        events = [e.event_type for e in session.scalars(select(OutboxEventRow).order_by(OutboxEventRow.created_at))]
    assert events.count("poqCreateEvent") == 1
    assert events.count("poqStateChangeEvent") == 2
    assert events.count("poqItemStateChangeEvent") == 2
    assert set(events) == set(POQ_EVENTS)  # every event the hub offers is published, and only those


def test_a_deferred_quote_publishes_every_event_its_hub_offers(one_partner: tuple[Domain, Domain]) -> None:
    sp, _ = one_partner
    with sp.client("acme", "acme-secret-1") as acme:
        hub = acme.post(quote_base("cantata") + "/hub", json={"callback": "http://127.0.0.1:9/listenerEndpoint"})
        assert hub.status_code == 201
        quote = created_quote(acme, {**quote_body(site_ref("site-metro-1")), "instantSyncQuote": False,
                                     "requestedQuoteCompletionDate": "2030-01-01T00:00:00Z"})
        done = _answered(acme, f"{QUOTE}/{quote['id']}")
        assert done["state"] == "approved.orderable", done
        refused = acme.post(quote_base("cantata") + "/hub", json={"callback": "http://127.0.0.1:9/listenerEndpoint",
                                                                   "query": "eventType=quoteCreateEvent"})
        assert refused.status_code == 400 and "quoteStateChangeEvent" in refused.json()["reason"]
    with sp.database.transaction() as session:
        events = [e.event_type for e in session.scalars(
            select(OutboxEventRow).where(OutboxEventRow.api == "cantata.quote"))]
    assert set(events) == set(QUOTE_EVENTS)


def test_quotes_can_be_declined_once_answered_and_not_cancelled_then(one_partner: tuple[Domain, Domain]) -> None:
    sp, _ = one_partner
    base = quote_base("cantata")
    with sp.client("acme", "acme-secret-1") as acme:
        quote = created_quote(acme, quote_body(site_ref("site-metro-1"), level="budgetary"))
        assert (quote["state"], quote["quoteLevel"]) == ("answered", "budgetary")
        refused = acme.post(f"{base}/cancelQuote", json={"quoteId": quote["id"]})
        assert refused.status_code == 422 and "answered" in refused.json()[0]["reason"]
        declined = acme.post(f"{base}/rejectQuote", json={"quoteId": quote["id"], "reason": "too dear"})
        assert declined.status_code == 200 and declined.json() == {"quoteId": quote["id"], "reason": "too dear"}
        assert acme.get(f"{QUOTE}/{quote['id']}").json()["state"] == "declined"


def test_the_sonata_client_maps_seller_errors_and_reuses_its_token(one_partner: tuple[Domain, Domain]) -> None:
    _, alpha = one_partner
    with SonataClient(alpha.url, client_id=SP, client_secret=BUYER_SECRET) as sonata:
        poq = sonata.create_poq({"instantSyncQualification": True, "relatedContactInformation": CONTACT,
                                 "productOfferingQualificationItem": [{"id": "1", "action": "add", "product": {
                                     "productOffering": {"id": "access-eline"}, "place": [OFF_NET]}}]})
        assert poq["productOfferingQualificationItem"][0]["serviceabilityConfidence"] == "green"
        token = sonata._credentials.token()
        assert sonata.get_poq(poq["id"]) == poq
        listing = sonata.list_poqs(state="done.ready")
        assert [p["id"] for p in listing.items] == [poq["id"]] and listing.total == 1
        assert sonata._credentials.token() == token  # one token for the whole conversation
        with pytest.raises(SonataHttpError) as missing:
            sonata.get_quote("no-such-quote")
        assert (missing.value.status, missing.value.code) == (404, "notFound")
        with pytest.raises(SonataHttpError) as refused:
            sonata.create_quote({"instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm",
                                 "quoteItem": [{"id": "1", "action": "add", "product": {
                                     "productOffering": {"id": "epl"}, "place": [OFF_NET]}}]})
        assert refused.value.status == 422 and refused.value.property_path == "/quoteItem/0/product/productOffering/id"
    with SonataClient(alpha.url, client_id=SP, client_secret="not-the-secret") as stranger, \
            pytest.raises(SonataHttpError) as denied:
        stranger.get_poq(poq["id"])
    assert denied.value.status == 401
