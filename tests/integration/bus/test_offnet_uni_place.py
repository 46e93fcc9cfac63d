"""Where a partner's UNI product is, read back from the plan of the order that added it (the
product itself has no `relatedSite`), and which partner's line an EVC in service has there."""

from __future__ import annotations

from typing import Any

import pytest

from cadenza.bus.order_plans import plans
from cadenza.bus.product_inventory import new_product, product_transition, products, uni_place
from cadenza.core.db import Database
from cadenza.core.errors import Unprocessable

OAK = {"streetNr": "31", "streetName": "Oak", "city": "Springfield", "postcode": "70001"}


def _is_uni(offering: str | None) -> bool:
    return offering == "uni"


def _plan(session: Any, order_id: str, work: dict[str, Any]) -> None:
    plans.add(session, family="cantata", owner="acme", state="planned", resource_id=f"plan-{order_id}",
              document={"order": order_id, "sequence": list(work), "work": work})


def _product(session: Any, order_id: str, item_id: str, offering: str,
             relations: list[dict[str, Any]] | None = None, site: str | None = None) -> str:
    item = {"id": item_id, "product": {"productOffering": {"id": offering}, "productRelationship": relations or []}}
    row = new_product(session, family="cantata", owner="acme", base="", order_id=order_id, item=item, site=site)
    product_transition(row, "active")
    return row.id


def _off_net_end(partner: str | None = None) -> dict[str, Any]:
    end = {"edge_point": None, "ce_vlan": 501, "address": OAK, "city": "Springfield", "site": None}
    return {**end, "partner": partner} if partner else end


def test_a_partners_uni_is_at_its_address_and_pinned_to_the_partner_of_the_line_in_service(
        database: Database) -> None:
    with database.transaction() as session:
        # an order made before choose_partners noted the partner on the UNI item: the EVC's end says it
        _plan(session, "o1", {
            "uni-a": {"kind": "uni", "end": {"edge_point": "uni-east-1-1", "address": {}, "site": "site-east-1-1"}},
            "uni-z": {"kind": "uni", "end": _off_net_end()},
            "evc": {"kind": "evc", "ends": [{"edge_point": "uni-east-1-1"}, _off_net_end("partner-a")],
                    "unis": [{"end": "A", "item": "uni-a", "product": None},
                             {"end": "Z", "item": "uni-z", "product": None}]}})
        uni = _product(session, "o1", "uni-z", "uni")
        evc = _product(session, "o1", "evc", "evpl", [{"relationshipType": "CONNECTS_TO_UNI_Z", "id": uni}])
    with database.transaction() as session:
        place, partner = uni_place(session, uni, "acme", pointer="/p", is_uni=_is_uni)
    assert place == {"@type": "FieldedAddress", "role": "INSTALL_LOCATION", **OAK} and partner == "partner-a"

    with database.transaction() as session:
        # a later EVC on the UNI by product id, served by another partner once the first line went
        _plan(session, "o2", {"evc": {"kind": "evc", "ends": [_off_net_end("partner-b"), {"edge_point": "x"}],
                                      "unis": [{"end": "A", "item": None, "product": uni}]}})
        later = _product(session, "o2", "evc", "evpl", [{"relationshipType": "CONNECTS_TO_UNI_A", "id": uni}])
        product_transition(products.get(session, evc, None), "pendingTerminate")
        product_transition(products.get(session, evc, None), "terminated")
    with database.transaction() as session:
        assert uni_place(session, uni, "acme", pointer="/p", is_uni=_is_uni)[1] == "partner-b"
        product_transition(products.get(session, later, None), "pendingTerminate")
        product_transition(products.get(session, later, None), "terminated")
    with database.transaction() as session:
        # no EVC in service: the partner's line went with the last one; the address is any off-net place
        place, partner = uni_place(session, uni, "acme", pointer="/p", is_uni=_is_uni)
    assert place["streetName"] == "Oak" and partner is None


def test_an_on_net_uni_is_its_site_and_a_uni_without_a_plan_is_refused(database: Database) -> None:
    with database.transaction() as session:
        on_net = _product(session, "o3", "uni", "uni", site="site-east-1-1")
        lost = _product(session, "no-plan", "uni", "uni")
    with database.transaction() as session:
        assert uni_place(session, on_net, "acme", pointer="/p", is_uni=_is_uni) == (
            {"@type": "GeographicSiteRef", "id": "site-east-1-1", "role": "INSTALL_LOCATION"}, None)
        with pytest.raises(Unprocessable) as refused:
            uni_place(session, lost, "acme", pointer="/p", is_uni=_is_uni)
    assert refused.value.property_path == "/p"
