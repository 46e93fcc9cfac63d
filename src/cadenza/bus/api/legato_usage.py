"""LEGATO as the BUS serves it to its SOF for usage events (MEF 55.0.1 §10.3 step 14): the SOF
reports a change of a product's service, the BUS keeps it once (bus/usage/). Contract:
interfaces/legato/usage.py; only this domain's own SOF (or operator) reports or reads."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from cadenza.bus.usage import repository
from cadenza.core.auth import Principal, require
from cadenza.core.db import Database
from cadenza.core.errors import Forbidden
from cadenza.interfaces.legato.usage import USAGE_BASE, UsageEvent

__all__ = ["usage_router"]


def usage_router(own_party: str, database: Database) -> APIRouter:
    router = APIRouter(prefix=USAGE_BASE, tags=["LEGATO usage (Cadenza)"])
    caller = Depends(require("legato"))

    def own(principal: Principal) -> None:
        if principal.party != own_party:
            raise Forbidden(f"Only {own_party}'s service orchestration reports usage to this BUS")

    @router.post("/usageEvent", status_code=201, response_model=None)
    def report(event: UsageEvent, principal: Principal = caller) -> dict[str, Any] | JSONResponse:
        own(principal)
        with database.transaction() as session:
            row, new = repository.record(session, event)
            body = repository.view(row)
        return body if new else JSONResponse(body, status_code=200)  # heard before: kept once

    @router.get("/usageRecord")
    def list_records(productId: str | None = None, serviceId: str | None = None,  # noqa: N803 - as in the payload
                     principal: Principal = caller) -> list[dict[str, Any]]:
        own(principal)
        with database.read() as session:
            return [repository.view(r) for r in repository.records(session, product_id=productId,
                                                                   service_id=serviceId)]

    return router
