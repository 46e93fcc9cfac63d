"""The delivery plans of accepted orders (the Seller's working notes, kept beside the MEF
order), and what a later order reads back from them: where an off-net UNI is and which
partner provides it. An off-net UNI product has no `relatedSite` (it is at no site of ours),
so its address and partner are known only from the plan that delivered it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus.rows import BusResourceRow
from cadenza.bus.store import ResourceStore
from cadenza.core.errors import NotFound

__all__ = ["plans", "order_plan", "OffNetUni", "offnet_uni", "uni_end_partner"]

plans = ResourceStore("orderPlan", label="order plan")
_ENDS = ("A", "Z")


def order_plan(session: Session, order_id: str) -> dict[str, Any]:
    return plans.get(session, f"plan-{order_id}", None).document


@dataclass(frozen=True, slots=True)
class OffNetUni:
    address: dict[str, str]  # FieldedAddress fields
    partner: str | None  # the partner whose access line serves the UNI now; None: no line in service


def _origin(product: BusResourceRow) -> tuple[str, str] | None:
    made = (product.document.get("productOrderItem") or [{}])[0]
    order_id, item_id = made.get("productOrderId"), made.get("productOrderItemId")
    return (str(order_id), str(item_id)) if order_id and item_id else None


def _plan_of(session: Session, product: BusResourceRow) -> tuple[dict[str, Any], str] | None:
    origin = _origin(product)
    if origin is None:
        return None
    try:
        return order_plan(session, origin[0]), origin[1]
    except NotFound:
        return None


def uni_end_partner(work: dict[str, Any], *, uni_item: str | None = None, uni_product: str | None = None
                    ) -> str | None:
    """The partner serving the end of an EVC's `work` that connects to the UNI item `uni_item`
    of the same order, or to the UNI product `uni_product`."""
    ends = work.get("ends") or []
    for uni in work.get("unis") or []:
        if (uni_item and uni.get("item") == uni_item) or (uni_product and uni.get("product") == uni_product):
            index = _ENDS.index(uni["end"]) if uni.get("end") in _ENDS else -1
            if 0 <= index < len(ends) and ends[index].get("partner"):
                return str(ends[index]["partner"])
    return None


def offnet_uni(session: Session, uni: BusResourceRow, users: Iterable[BusResourceRow]) -> OffNetUni | None:
    """Where the off-net UNI product `uni` is (from the plan of the order that added it) and the
    partner of the access line an EVC in service (`users`) has on it; None when no plan says."""
    found = _plan_of(session, uni)
    if found is None:
        return None
    plan, item_id = found
    end = (plan["work"].get(item_id) or {}).get("end") or {}
    if not end.get("address") or end.get("edge_point") is not None:
        return None
    uni_order = _origin(uni)
    for evc in users:
        # the line in service decides: the one the UNI came with, or a later EVC's on it
        evc_plan = _plan_of(session, evc)
        if evc_plan is None:
            continue
        evc_order = _origin(evc)
        same_order = uni_order is not None and evc_order is not None and evc_order[0] == uni_order[0]
        work = evc_plan[0]["work"].get(evc_plan[1]) or {}
        partner = uni_end_partner(work, uni_item=item_id if same_order else None, uni_product=uni.id)
        if partner is None and same_order:  # recorded on the UNI's work by choose_partners
            partner = (plan["work"].get(item_id) or {}).get("partner")
        if partner:
            return OffNetUni(dict(end["address"]), partner)
    return OffNetUni(dict(end["address"]), None)
