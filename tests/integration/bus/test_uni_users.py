"""Which EVC products use a UNI product: found in the database through the indexed
`relatedProductId` key, on SQLite and PostgreSQL alike, however many products the owner holds."""

from __future__ import annotations

from cadenza.bus.product_inventory import new_product, product_transition, products, users_of
from cadenza.core.db import Database


def _product(session, owner: str, offering: str, relations: list[dict]) -> str:  # noqa: ANN001
    item = {"id": "1", "product": {"productOffering": {"id": offering}, "productRelationship": relations}}
    return new_product(session, family="cantata", owner=owner, base="", order_id="o", item=item).id


def test_the_evcs_in_service_on_a_uni_are_found_and_no_others(database: Database) -> None:
    with database.transaction() as session:
        uni = _product(session, "acme", "uni", [])
        other_uni = _product(session, "acme", "uni", [])
        on_uni = [_product(session, "acme", "evpl", [{"relationshipType": "CONNECTS_TO_UNI_A", "id": uni}])
                  for _ in range(3)]
        _product(session, "acme", "evpl", [{"relationshipType": "CONNECTS_TO_UNI_A", "id": other_uni}])
        _product(session, "globex", "evpl", [{"relationshipType": "CONNECTS_TO_UNI_Z", "id": uni}])
        for _ in range(120):  # more than a page: the search is not a scan of the first hundred
            _product(session, "acme", "evpl", [])
        mentioned = _product(session, "acme", "evpl", [])
        row = products.get(session, mentioned, None)
        row.document = {**row.document, "note": f"moved from {uni}"}  # the id in text, not a relationship
        gone = products.get(session, on_uni[0], None)
        product_transition(gone, "cancelled")
    with database.transaction() as session:
        assert sorted(r.id for r in users_of(session, uni, "acme")) == sorted(on_uni[1:])
        assert [r.id for r in users_of(session, uni, "globex")] != []
        assert users_of(session, "no-such-uni", "acme") == []
