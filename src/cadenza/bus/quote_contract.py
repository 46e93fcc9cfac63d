"""The quote is the contract (MEF 55.0.1 steps 3-4): an order item that references a quote
item (`quoteItem` {quoteId, id}) is delivered and billed on the quote's terms.

At acceptance, in the order's transaction, each referenced quote is checked (the buyer's
own, of this API family, `approved.orderable`, not expired, not already ordered) and each
item against the quote item it names (same action, offering, committed bandwidth, places,
product): a difference is a 422 naming the field. The order then keeps, in its delivery
plan (internal working state, not the MEF document):

- the quoted charges, which billing uses (`quoted_charges`);
- for each off-net end, the partner the quote chose and the partner's own quote item, so
  the partner is not chosen again and the partner's order references its quote.

The quote becomes `accepted`: one order uses it up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus import quote  # a module: quote -> product_change -> ordering -> here
from cadenza.bus.deferred import INTERNAL
from cadenza.bus.mapping import bandwidth
from cadenza.bus.partners import quote_price
from cadenza.bus.rows import BusResourceRow
from cadenza.core.clock import iso
from cadenza.core.errors import NotFound, Unprocessable

__all__ = ["bind_quotes", "quoted_charges", "place_key"]

ORDERABLE = "approved.orderable"


def _fail(reason: str, pointer: str, code: str = "invalidValue") -> Unprocessable:
    return Unprocessable(reason, code=code, property_path=pointer)


def _norm(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


def place_key(place: Any) -> tuple[str, ...]:
    """What identifies a place, whatever form it is given in: a site or address id, or the
    street address (number, street, city, postcode); role and spelling of the rest aside."""
    if not isinstance(place, dict):
        return ("?", repr(place))
    kind = place.get("@type")
    if kind in ("GeographicSiteRef", "GeographicAddressRef"):
        return (str(kind), str(place.get("id")))
    return ("address", *(_norm(place.get(k)) for k in ("streetNr", "streetName", "city", "postcode")))


def _rates(product: dict[str, Any]) -> tuple[int, int] | None:
    """(committed, excess) Mbit/s: both set the price."""
    config = product.get("productConfiguration")
    if not isinstance(config, dict):
        return None
    try:
        asked = bandwidth(config, pointer="")
    except Unprocessable:
        return None
    return asked.cir_mbps, asked.eir_mbps


def _differences(quoted: dict[str, Any], ordered: dict[str, Any]) -> list[tuple[str, str]]:
    """(what differs, where in the order item) between a quote item and an order item: the
    attributes that set the price and what is delivered where. Others (the VLAN at an end,
    the S-VLAN on an ENNI) may be given at order time."""
    found: list[tuple[str, str]] = []
    q_product, o_product = quoted.get("product") or {}, ordered.get("product") or {}
    if quoted.get("action") != ordered.get("action"):
        found.append((f"action ({quoted.get('action')} quoted)", "/action"))
    if (q_product.get("productOffering") or {}).get("id") != (o_product.get("productOffering") or {}).get("id"):
        found.append((f"product offering ({(q_product.get('productOffering') or {}).get('id')} quoted)",
                      "/product/productOffering/id"))
    if q_product.get("id") != o_product.get("id"):
        found.append((f"product ({q_product.get('id')} quoted)", "/product/id"))
    quoted_rates, ordered_rates = _rates(q_product), _rates(o_product)
    if (quoted_rates or (None, None))[0] != (ordered_rates or (None, None))[0]:
        found.append((f"committed bandwidth ({(quoted_rates or (None,))[0]} Mbit/s quoted)",
                      "/product/productConfiguration"))
    elif quoted_rates is not None and ordered_rates is not None and quoted_rates[1] != ordered_rates[1]:
        found.append((f"excess bandwidth (EIR {quoted_rates[1]} Mbit/s quoted)", "/product/productConfiguration"))
    if [place_key(p) for p in q_product.get("place") or []] != [place_key(p) for p in o_product.get("place") or []]:
        found.append(("places", "/product/place"))
    return found


def _quote(session: Session, quote_id: str, *, family: str, party: str, pointer: str) -> BusResourceRow:
    try:
        row = quote.quotes.get(session, quote_id, party, for_update=True)
    except NotFound:
        row = None
    if row is None or row.family != family:
        raise _fail(f"No quote '{quote_id}' of yours: reference a quote you asked for over this API",
                    f"{pointer}/quoteId", "referenceNotFound")
    return row


def _check_orderable(row: BusResourceRow, pointer: str) -> None:
    end = (row.document.get("validFor") or {}).get("endDateTime")
    if row.state == ORDERABLE and end and end < iso():
        raise _fail(f"Quote {row.id} expired on {end}: ask for a new quote", f"{pointer}/quoteId")
    if row.state == "accepted":
        raise _fail(f"Quote {row.id} has already been ordered: a quote is used by one order; ask for a new quote",
                    f"{pointer}/quoteId")
    if row.state != ORDERABLE:
        raise _fail(f"Quote {row.id} is {row.state}; only a firm quote that is approved.orderable can be ordered",
                    f"{pointer}/quoteId")


def _bind_partners(work: dict[str, Any], offers: list[dict[str, Any]], quote_id: str, pointer: str) -> None:
    """The quote's partner for each off-net end, matched by the end's city (an item has at
    most one off-net end per city), with the partner's own quote item."""
    for end in work.get("ends", []):
        if end.get("edge_point") is not None:
            continue
        city = _norm(end.get("city"))
        offer = next((o for o in offers if _norm((o.get("place") or {}).get("city")) == city), None)
        if offer is None or not offer.get("quote"):
            raise _fail(f"Quote {quote_id} holds no partner's offer for {end.get('city')}: ask for a new quote",
                        f"{pointer}/quoteId")
        end["partner"] = offer["partner"]
        end["partnerQuoteItem"] = {"quoteId": offer["quote"], "id": offer.get("quoteItem") or "1"}
        end["partnerPrice"] = offer.get("price")
        end["partner_lead_days"] = offer.get("leadTimeDays")  # the quoted lead time dates the item (bus.lead_time)


def bind_quotes(session: Session, *, family: str, party: str, order_id: str, items: list[dict[str, Any]],
                work: dict[str, dict[str, Any]], wake: Callable[[], None] | None = None) -> None:
    """Check every item's `quoteItem` and put the quoted terms into its `work`; the quotes
    referenced become `accepted`. Raises Unprocessable (the order is then refused whole)."""
    used: dict[str, tuple[BusResourceRow, dict[str, Any]]] = {}
    ordered: set[tuple[str, str]] = set()
    for n, item in enumerate(items):
        ref = item.get("quoteItem")
        if ref is None:
            continue
        pointer = f"/productOrderItem/{n}/quoteItem"
        if not isinstance(ref, dict) or not isinstance(ref.get("quoteId"), str) or not isinstance(ref.get("id"), str):
            raise _fail("quoteItem names the quote and its item: {quoteId, id}", pointer, "missingProperty")
        if (ref["quoteId"], ref["id"]) in ordered:
            # one quoted item is one product at one price: two order items on it would get two for one
            raise _fail(f"Item '{ref['id']}' of quote {ref['quoteId']} is referenced by another item of this order "
                        "too: each quote item is ordered once", f"{pointer}/id")
        ordered.add((ref["quoteId"], ref["id"]))
        if ref["quoteId"] not in used:
            row = _quote(session, ref["quoteId"], family=family, party=party, pointer=pointer)
            _check_orderable(row, pointer)
            used[ref["quoteId"]] = (row, dict(row.document))
        row, document = used[ref["quoteId"]]
        quoted = next((q for q in document.get("quoteItem", []) if q.get("id") == ref["id"]), None)
        if quoted is None:
            raise _fail(f"Quote {row.id} has no item '{ref['id']}'", f"{pointer}/id", "referenceNotFound")
        if quoted.get("state") != ORDERABLE:
            raise _fail(f"Item '{ref['id']}' of quote {row.id} is {quoted.get('state')}: it cannot be ordered",
                        f"{pointer}/id")
        differences = _differences(quoted, item)
        if differences:
            named = ", ".join(what for what, _ in differences)
            raise _fail(f"Item {item['id']} differs from item '{ref['id']}' of quote {row.id} in {named}: order "
                        "what was quoted, or ask for a new quote", f"/productOrderItem/{n}{differences[0][1]}")
        internal = next((i for i in document.get(INTERNAL, {}).get("items", []) if i.get("id") == ref["id"]), {})
        price = quote_price(quoted)
        plan = work[item["id"]]
        plan["quoted"] = {"quoteId": row.id, "quoteItemId": ref["id"], "nrc": price.nrc if price else 0.0,
                          "mrc": price.mrc if price else 0.0, "currency": price.currency if price else None}
        _bind_partners(plan, [p for p in internal.get("partners", []) if p], row.id, pointer)
    for row, document in used.values():
        quote.quote_transition(session, row, document, "accepted", reason=f"ordered by product order {order_id}",
                               wake=wake)


def quoted_charges(plan_work: dict[str, Any] | None) -> dict[str, Any] | None:
    """The charges a quote set for an order item's product ({nrc, mrc, currency}), if any."""
    quoted = (plan_work or {}).get("quoted")
    if not quoted or quoted.get("currency") is None:
        return None
    return {"nrc": quoted["nrc"], "mrc": quoted["mrc"], "currency": quoted["currency"], "quoteId": quoted["quoteId"]}
