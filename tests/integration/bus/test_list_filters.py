"""BUS lists filter in the database before paging, so a filter finds its match however many
other resources there are, and the total counts the matches (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from cadenza.bus.poq import poqs
from cadenza.bus.product_inventory import new_product, products
from cadenza.bus.product_order import cancellations, orders
from cadenza.bus.quote import quotes
from cadenza.core.clock import iso
from cadenza.core.db import Database

BASE = "/mefApi/sonata/productInventory/v7"


def _product(session, n: int, owner: str = "buyer"):  # noqa: ANN001, ANN202
    item = {"id": "1", "product": {"productOffering": {"id": "access-eline"}, "productConfiguration": {},
                                   "place": [{"@type": "GeographicSiteRef", "id": f"site-{n % 3}"}]}}
    return new_product(session, family="sonata", owner=owner, base=BASE, order_id=f"order-{n}", item=item)


def test_a_product_is_found_by_its_order_among_more_than_a_page_of_others(database: Database) -> None:
    with database.transaction() as session:
        for n in range(130):
            _product(session, n)
        _product(session, 999, owner="another-buyer")
    with database.read() as session:
        oldest, total = products.list(session, "buyer", equal={"productOrderId": "order-0"})
        assert total == 1 and [r.document["productOrderItem"][0]["productOrderId"] for r in oldest] == ["order-0"]
        everything, total = products.list(session, "buyer", limit=100)
        assert total == 130 and len(everything) == 100
        at_site, total = products.list(session, "buyer", equal={"geographicalSiteId": "site-1"}, offset=40, limit=10)
        assert total == 43 and len(at_site) == 3
        assert products.list(session, "buyer", equal={"productOrderId": "order-999"})[1] == 0  # not the buyer's
        assert products.list(session, None, equal={"productOrderId": "order-999"})[1] == 1  # the domain sees all


def test_a_changed_document_changes_what_its_filters_find(database: Database) -> None:
    with database.transaction() as session:
        row = _product(session, 1)
        document = dict(row.document)
        document["productOrderItem"] = [*document["productOrderItem"],
                                        {"productOrderId": "modify-1", "productOrderItemId": "1"}]
        document["relatedSite"] = []
        products.save(row, document)
    with database.read() as session:
        assert products.list(session, "buyer", equal={"productOrderId": "order-1"})[1] == 1
        assert products.list(session, "buyer", equal={"productOrderId": "modify-1"})[1] == 1
        assert products.list(session, "buyer", equal={"geographicalSiteId": "site-1"})[1] == 0


def test_orders_filter_by_external_id_and_dates_and_state_together(database: Database) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with database.transaction() as session:
        for n in range(120):
            orders.add(session, family="sonata", owner="buyer", state="completed" if n % 2 else "failed",
                       resource_id=f"o-{n}", document={"id": f"o-{n}", "externalId": f"ext-{n}", "productOrderItem": [
                           {"id": "1", "requestedCompletionDate": iso(start + timedelta(days=n))}],
                           "orderDate": iso(start + timedelta(hours=n))})
        long_id = "x" * 1000
        orders.add(session, family="sonata", owner="buyer", state="acknowledged", resource_id="o-long",
                   document={"id": "o-long", "externalId": long_id})
    with database.read() as session:
        found, total = orders.list(session, "buyer", equal={"externalId": "ext-3"})
        assert total == 1 and found[0].id == "o-3"
        assert orders.list(session, "buyer", equal={"externalId": "ext-3"}, state="failed")[1] == 0
        assert orders.list(session, "buyer", equal={"externalId": long_id})[0][0].id == "o-long"
        assert orders.list(session, "buyer", equal={"externalId": long_id[:-1]})[1] == 0
        window = {"itemRequestedCompletionDate": (start + timedelta(days=9, hours=1), start + timedelta(days=20))}
        assert orders.list(session, "buyer", within=window)[1] == 10  # days 10..19
        # a date given with another offset is the same moment
        eastern = datetime(2026, 1, 1, 4, 30, tzinfo=UTC).astimezone(timezone(timedelta(hours=-5)))
        assert orders.list(session, "buyer", within={"orderDate": (eastern, None)})[1] == 120 - 5


def test_cancellations_poqs_and_quotes_filter_by_their_keys(database: Database) -> None:
    with database.transaction() as session:
        for n in range(110):
            cancellations.add(session, family="cantata", owner="acme", state="done",
                              document={"productOrder": {"productOrderId": f"o-{n}"},
                                        "cancellationReasonType": "technical" if n % 10 else "commercial"})
            poqs.add(session, family="cantata", owner="acme", state="done.ready",
                     document={"projectId": f"p-{n % 4}"})
            quotes.add(session, family="cantata", owner="acme", state="approved.orderable",
                       document={"externalId": f"q-{n}", "quoteLevel": "firm" if n < 5 else "budgetary"})
    with database.read() as session:
        assert cancellations.list(session, "acme", equal={"productOrderId": "o-7"})[1] == 1
        assert cancellations.list(session, "acme", equal={"cancellationReasonType": "commercial"})[1] == 11
        assert poqs.list(session, "acme", equal={"projectId": "p-1"})[1] == 28
        assert quotes.list(session, "acme", equal={"quoteLevel": "firm"})[1] == 5
        assert quotes.list(session, "acme", equal={"externalId": "q-0", "quoteLevel": "firm"})[1] == 1
