"""The operator's view of an order's interactions, for `cadenza trace ORDER_ID`."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from cadenza.bus.product_order import orders
from cadenza.core.auth import Principal, require
from cadenza.core.clock import iso
from cadenza.core.db import Database
from cadenza.core.trace import interactions

__all__ = ["trace_router"]


def _related_ids(document: dict) -> list[str]:
    """The order and the POQs and quotes its items came from (steps 2-3 happen before it exists)."""
    ids = [document["id"]]
    for item in document.get("productOrderItem", []):
        quote = (item.get("quoteItem") or {}).get("quoteId")
        poq = (item.get("productOfferingQualificationItem") or {}).get("productOfferingQualificationId")
        ids += [i for i in (quote, poq) if i and i not in ids]
    return ids


def trace_router(database: Database) -> APIRouter:
    router = APIRouter(prefix="/cadenza/trace/v1", tags=["operations"])

    @router.get("/order/{order_id}")
    def order_trace(order_id: str, _principal: Principal = Depends(require("admin"))) -> dict:
        with database.transaction() as session:
            ids = _related_ids(orders.get(session, order_id, None).document)
        events = sorted((e for i in ids for e in interactions(database, i)), key=lambda e: e.at)
        return {"order": order_id, "interactions": [
            {"at": iso(e.at), "step": e.step, "referencePoint": e.reference_point, "from": e.source, "to": e.target,
             "operation": e.operation, "detail": e.detail} for e in events]}

    return router
