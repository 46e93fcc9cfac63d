"""LEGATO as the BUS serves it to its SOF for the partner's part of a service (MEF 55.0.1
step 9b, second option): the SOF asks, the BUS orders the partner's Access E-Line over SONATA
(`bus/sonata_access.py`). Contract: `interfaces/legato/partner_access.py`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from cadenza.bus.sonata_access import SonataAccess
from cadenza.core.auth import Principal, require
from cadenza.core.errors import Forbidden, NotFound, ServiceUnavailable, Unprocessable
from cadenza.interfaces.legato.partner_access import (
    PARTNER_ACCESS_BASE,
    AccessRequest,
    PartnerAccessError,
    status_to_json,
)

__all__ = ["partner_access_router"]

T = TypeVar("T")


class ModifyBody(BaseModel):
    bandwidth_mbps: int = Field(ge=1)
    idempotency_key: str = Field(min_length=1, max_length=200)
    ce_vlan: int | None = Field(None, ge=1, le=4094)  # the new CE-VLAN at the partner's UNI; None: it stays


class RemoveBody(BaseModel):
    idempotency_key: str = Field(min_length=1, max_length=200)


def partner_access_router(own_party: str, accesses: Mapping[str, SonataAccess]) -> APIRouter:
    router = APIRouter(prefix=PARTNER_ACCESS_BASE + "/{party}", tags=["LEGATO partner access (Cadenza)"])
    caller = Depends(require("legato"))

    def access_for(party: str, principal: Principal) -> SonataAccess:
        if principal.party != own_party:  # only this domain's own SOF orders through its BUS
            raise Forbidden(f"Only {own_party}'s service orchestration may order partner access here")
        access = accesses.get(party)
        if access is None:
            raise NotFound(f"No partner '{party}' is bought from over SONATA; known: {', '.join(sorted(accesses))}")
        return access

    async def run(call: Callable[[], T]) -> T:
        try:
            return await run_in_threadpool(call)
        except PartnerAccessError as exc:
            if exc.refused:
                raise Unprocessable(exc.reason) from exc
            raise ServiceUnavailable(exc.reason) from exc

    @router.post("/accessOrder", status_code=201)
    async def order(party: str, request: AccessRequest, principal: Principal = caller) -> dict[str, str]:
        access = access_for(party, principal)
        if request.partner != party:
            raise Unprocessable(f"The request names partner '{request.partner}' but was sent to '{party}'",
                                property_path="/partner")
        return {"reference": await run(lambda: access.order(request))}

    @router.get("/accessOrder/{reference}")
    async def status(party: str, reference: str, principal: Principal = caller) -> dict[str, Any]:
        access = access_for(party, principal)
        return status_to_json(await run(lambda: access.status(reference)))

    @router.post("/accessOrder/{reference}/modify", status_code=204, response_class=Response)
    async def modify(party: str, reference: str, body: ModifyBody, principal: Principal = caller) -> Response:
        access = access_for(party, principal)
        await run(lambda: access.modify(reference, body.bandwidth_mbps, body.idempotency_key, ce_vlan=body.ce_vlan))
        return Response(status_code=204)

    @router.post("/accessOrder/{reference}/remove", status_code=204, response_class=Response)
    async def remove(party: str, reference: str, body: RemoveBody, principal: Principal = caller) -> Response:
        access = access_for(party, principal)
        await run(lambda: access.remove(reference, body.idempotency_key))
        return Response(status_code=204)

    return router
