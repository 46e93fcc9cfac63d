"""The item structures buyers send for a connectivity product, read into one shape.

MEF 125 (EPL, EVPL) and MEF 106 (Access E-Line) let a buyer ask for a connection in two ways,
and POQ, quote and order all take both:

- the short form Cadenza has always taken: the EVC item carries the places of its ends in
  `product.place` (two for an EVC, one UNI site for an Access E-Line);
- the form of the MEF use cases (MEF 125 UseCase2a/3a/3b/4/5, MEF 106 UseCase2/4/5): each UNI
  is an item of its own (action `add`, a UNI product offering, one `place`), and the EVC item
  points at it with an item relationship of type `CONNECTS_TO_UNI_A` / `CONNECTS_TO_UNI_Z`
  (`CONNECTS_TO_UNI` for the one UNI of an Access E-Line, or an end not named); a UNI that is
  already in the buyer's inventory is named by product id in `product.productRelationship`
  with the same types.

`read_items` turns either into `ReadItem`s: each connectivity item's product in the short
form (its `place` list holding its ends' places, A then Z, whichever form they came in), plus
where each end came from (`unis`), so POQ, quote and ordering judge and deliver one shape and
error pointers still name the field the buyer wrote. The item relationship is named after the
resource (`qualificationItemRelationship`, `quoteItemRelationship`,
`productOrderItemRelationship`), as the three APIs name it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from cadenza.core.errors import Unprocessable

__all__ = ["UNI_A", "UNI_Z", "UNI_ANY", "UNI_TYPES", "RELATIONSHIP_KEY", "UniRef", "ReadItem", "ExistingUni",
           "read_items"]

UNI_A = "CONNECTS_TO_UNI_A"
UNI_Z = "CONNECTS_TO_UNI_Z"
UNI_ANY = "CONNECTS_TO_UNI"  # MEF 106's Access E-Line to its UNI; an EVC end not named A or Z
UNI_TYPES = (UNI_A, UNI_Z, UNI_ANY)
RELATIONSHIP_KEY = {"poq": "qualificationItemRelationship", "quote": "quoteItemRelationship",
                    "order": "productOrderItemRelationship"}

Kind = Literal["evc", "access", "uni", "internet"]
# (UNI product id, pointer of the reference) -> the UNI's place and, for a partner's UNI whose
# access line is in service, that partner; raises Unprocessable when the id names no UNI product
# of the buyer that an EVC can use.
ExistingUni = Callable[[str, str], tuple[dict[str, Any], str | None]]


@dataclass(frozen=True, slots=True)
class UniRef:
    """Where one end of a connectivity item attaches."""

    end: str  # "A" or "Z"
    relationship_type: str  # as the buyer wrote it
    place: dict[str, Any]  # the UNI's place
    pointer: str  # where that place, or the UNI product's id, is in the request
    item: str | None = None  # the UNI item of this request that adds the UNI
    product: str | None = None  # the UNI product in inventory
    partner: str | None = None  # the partner providing that UNI product, whose line is there already


@dataclass(frozen=True, slots=True)
class ReadItem:
    id: str
    index: int
    action: str
    kind: Kind | None  # None: not an offering of this catalog (or no product); checked later
    product: dict[str, Any]  # the item's product; a connectivity item's `place` holds its ends' places
    place_pointers: tuple[str, ...]  # where each of `product.place` sits in the request
    unis: tuple[UniRef, ...] = ()  # the MEF form's ends; () for the short form


def _fail(reason: str, pointer: str, code: str = "invalidValue") -> Unprocessable:
    return Unprocessable(f"{pointer}: {reason}", code=code, property_path=pointer)


def _relations(value: Any, pointer: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise _fail("a list of {id, relationshipType}", pointer)
    return value


def read_items(items: list[dict[str, Any]], *, resource: Literal["poq", "quote", "order"], base: str,
               kind_of: Callable[[str], Kind | None], existing_uni: ExistingUni) -> list[ReadItem]:
    """Read every item of a request (`base` is the items' pointer, e.g. `/productOrderItem`)."""
    key = RELATIONSHIP_KEY[resource]
    by_id = {item["id"]: (n, item) for n, item in enumerate(items)}
    read: list[ReadItem] = []
    for n, item in enumerate(items):
        product = item.get("product") if isinstance(item.get("product"), dict) else {}
        offering = (product.get("productOffering") or {}).get("id") if isinstance(
            product.get("productOffering"), dict) else None
        kind = kind_of(offering) if isinstance(offering, str) else None
        pointer = f"{base}/{n}"
        places = product.get("place") if isinstance(product.get("place"), list) else []
        own = ReadItem(item["id"], n, item["action"], kind, product,
                       tuple(f"{pointer}/product/place/{i}" for i in range(len(places))))
        if item["action"] != "add" or kind not in ("evc", "access"):
            read.append(own)
            continue
        links = [(r, f"{pointer}/{key}/{m}", "item") for m, r in
                 enumerate(_relations(item.get(key), f"{pointer}/{key}")) if r.get("relationshipType") in UNI_TYPES]
        links += [(r, f"{pointer}/product/productRelationship/{m}", "product") for m, r in
                  enumerate(_relations(product.get("productRelationship"), f"{pointer}/product/productRelationship"))
                  if r.get("relationshipType") in UNI_TYPES]
        if not links:
            read.append(own)  # the short form
            continue
        if places:
            raise _fail("give the places either on the UNI items this item connects to, or in product/place, "
                        "not both", f"{pointer}/product/place")
        unis = _ends(kind, links, pointer, base, by_id, kind_of, existing_uni)
        read.append(ReadItem(item["id"], n, "add", kind, {**product, "place": [u.place for u in unis]},
                             tuple(u.pointer for u in unis), unis))
    return read


def _ends(kind: Kind, links: list[tuple[dict[str, Any], str, str]], pointer: str, base: str,
          by_id: dict[str, tuple[int, dict[str, Any]]], kind_of: Callable[[str], Kind | None],
          existing_uni: ExistingUni) -> tuple[UniRef, ...]:
    wanted = ("A", "Z") if kind == "evc" else ("A",)
    named: dict[str, UniRef] = {}
    loose: list[UniRef] = []
    for relation, where, source in links:
        kind_of_relation = relation["relationshipType"]
        uni = (_uni_item(relation, where, base, by_id, kind_of) if source == "item"
               else _uni_product(relation, where, existing_uni))
        end = {UNI_A: "A", UNI_Z: "Z"}.get(kind_of_relation)
        if end is None:
            loose.append(uni)
            continue
        if kind != "evc":
            raise _fail(f"an Access E-Line has one UNI: use {UNI_ANY}", f"{where}/relationshipType")
        if end in named:
            raise _fail(f"end point {end} is already connected to a UNI", f"{where}/relationshipType")
        named[end] = _at(uni, end, kind_of_relation)
    for uni in loose:
        free = next((e for e in wanted if e not in named), None)
        if free is None:
            raise _fail(f"this item connects to more UNIs than its {len(wanted)} end point(s)", uni.pointer)
        named[free] = _at(uni, free, UNI_ANY)
    missing = [e for e in wanted if e not in named]
    if missing:
        raise _fail(f"connect end point {' and '.join(missing)} to a UNI too: a relationship of type "
                    f"CONNECTS_TO_UNI_{missing[0]} to a UNI item of this request, or in product/productRelationship "
                    "to a UNI product you have", pointer, "missingProperty")
    return tuple(named[e] for e in wanted)


def _at(uni: UniRef, end: str, relationship_type: str) -> UniRef:
    return UniRef(end, relationship_type, uni.place, uni.pointer, uni.item, uni.product, uni.partner)


def _uni_item(relation: dict[str, Any], where: str, base: str, by_id: dict[str, tuple[int, dict[str, Any]]],
              kind_of: Callable[[str], Kind | None]) -> UniRef:
    target = by_id.get(relation.get("id"))  # type: ignore[arg-type]
    if target is None:
        raise _fail(f"'{relation.get('id')}' is not an item of this request; an existing UNI is named by its "
                    "product id in product/productRelationship", f"{where}/id", "referenceNotFound")
    index, uni = target
    product = uni.get("product") if isinstance(uni.get("product"), dict) else {}
    offering = (product.get("productOffering") or {}).get("id") if isinstance(
        product.get("productOffering"), dict) else None
    if uni.get("action") != "add" or not isinstance(offering, str) or kind_of(offering) != "uni":
        raise _fail(f"item '{relation.get('id')}' does not add a UNI (action add, a UNI product offering)",
                    f"{where}/id")
    places = product.get("place") if isinstance(product.get("place"), list) else []
    if len(places) != 1 or not isinstance(places[0], dict):
        raise _fail("a UNI item has exactly one place: where the UNI is installed",
                    f"{base}/{index}/product/place", "missingProperty")
    return UniRef("", relation["relationshipType"], places[0], f"{base}/{index}/product/place/0",
                  item=uni["id"])


def _uni_product(relation: dict[str, Any], where: str, existing_uni: ExistingUni) -> UniRef:
    product_id = relation.get("id")
    if not isinstance(product_id, str) or not product_id:
        raise _fail("name the UNI product by its id", f"{where}/id", "missingProperty")
    place, partner = existing_uni(product_id, f"{where}/id")
    return UniRef("", relation["relationshipType"], place, f"{where}/id", product=product_id, partner=partner)
