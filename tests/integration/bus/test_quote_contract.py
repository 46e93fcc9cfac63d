"""An order item that references a quote is held to it: what a quote must be to be ordered
(the e2e tests in tests/e2e/test_serviceability_and_quote_contract.py show the rest)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cadenza.bus.quote import quotes
from cadenza.bus.quote_contract import bind_quotes
from cadenza.core.db import Database
from cadenza.core.errors import Unprocessable
from tests.integration.bus.conftest_poq import Domain, sp_domain
from tests.integration.bus.test_poq_quote import QUOTE, SP_SITES, created_quote, epl, site_ref

ITEM = {"id": "1", "action": "add", "product": epl(site_ref("site-metro-1"), site_ref("site-metro-2"))}


@pytest.fixture
def sp(database: Database) -> Iterator[Domain]:
    with sp_domain(database, sites=SP_SITES, partners=[], cities=[]) as domain:
        yield domain


def bind(database: Database, quote_id: str, item: dict[str, Any] | None = None) -> dict[str, Any]:
    ordered = {**(item or ITEM), "quoteItem": {"quoteId": quote_id, "id": "1"}}
    work: dict[str, Any] = {"1": {"item": "1", "action": "add"}}
    with database.transaction() as session:
        bind_quotes(session, family="cantata", party="acme", order_id="order-1", items=[ordered], work=work)
    return work["1"]


def test_an_expired_quote_cannot_be_ordered_and_shows_expired(sp: Domain, database: Database) -> None:
    with sp.client("acme", "acme-secret-1") as acme:
        quote = created_quote(acme, {"instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm",
                                     "quoteItem": [ITEM]})
        assert quote["state"] == "approved.orderable"
        with database.transaction() as session:  # thirty days pass
            row = quotes.get(session, quote["id"], None)
            quotes.save(row, {**row.document, "validFor": {**row.document["validFor"],
                                                           "endDateTime": "2026-01-01T00:00:00.000Z"}})
        with pytest.raises(Unprocessable, match="expired on 2026-01-01") as refused:
            bind(database, quote["id"])
        assert refused.value.property_path == "/productOrderItem/0/quoteItem/quoteId"
        assert acme.get(f"{QUOTE}/{quote['id']}").json()["state"] == "expired"


def test_a_budgetary_quote_is_not_orderable_and_a_firm_one_is_used_up_once(sp: Domain, database: Database) -> None:
    with sp.client("acme", "acme-secret-1") as acme:
        budgetary = created_quote(acme, {"instantSyncQuote": True, "buyerRequestedQuoteLevel": "budgetary",
                                         "quoteItem": [ITEM]})
        with pytest.raises(Unprocessable, match="only a firm quote that is approved.orderable"):
            bind(database, budgetary["id"])
        firm = created_quote(acme, {"instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm",
                                    "quoteItem": [ITEM]})
        work = bind(database, firm["id"])
        assert work["quoted"]["quoteId"] == firm["id"] and work["quoted"]["mrc"] > 0
        assert acme.get(f"{QUOTE}/{firm['id']}").json()["state"] == "accepted"
        with pytest.raises(Unprocessable, match="already been ordered"):
            bind(database, firm["id"])


def test_one_quote_item_cannot_be_ordered_by_two_items_of_one_order(sp: Domain, database: Database) -> None:
    with sp.client("acme", "acme-secret-1") as acme:
        firm = created_quote(acme, {"instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm",
                                    "quoteItem": [ITEM]})
        twice = [{**ITEM, "id": n, "quoteItem": {"quoteId": firm["id"], "id": "1"}} for n in ("1", "2")]
        work: dict[str, Any] = {n: {"item": n, "action": "add"} for n in ("1", "2")}
        with (pytest.raises(Unprocessable, match="referenced by another item of this order") as refused,
              database.transaction() as session):
            bind_quotes(session, family="cantata", party="acme", order_id="order-1", items=twice, work=work)
        assert refused.value.property_path == "/productOrderItem/1/quoteItem/id"
        assert acme.get(f"{QUOTE}/{firm['id']}").json()["state"] == "approved.orderable"  # not used up


def test_a_list_shows_a_quote_whose_validity_ended_as_expired(sp: Domain, database: Database) -> None:
    with sp.client("acme", "acme-secret-1") as acme:
        quote = created_quote(acme, {"instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm",
                                     "quoteItem": [ITEM]})
        fresh = created_quote(acme, {"instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm",
                                     "quoteItem": [ITEM]})
        with database.transaction() as session:  # thirty days pass for the first one
            row = quotes.get(session, quote["id"], None)
            quotes.save(row, {**row.document, "validFor": {**row.document["validFor"],
                                                           "endDateTime": "2026-01-01T00:00:00.000Z"}})
        orderable = acme.get(QUOTE, params={"state": "approved.orderable"})
        assert [q["id"] for q in orderable.json()] == [fresh["id"]] and orderable.headers["X-Total-Count"] == "1"
        expired = acme.get(QUOTE, params={"state": "expired"})
        assert [(q["id"], q["state"]) for q in expired.json()] == [(quote["id"], "expired")]
