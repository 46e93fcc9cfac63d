"""SLS degradations over LEGATO (Cadenza's addition, interfaces/legato/degradation.py): the
degradations of the caller's own services, and the hub telling of each one. Thin."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from sqlalchemy import select

from cadenza.core.auth import Principal, require
from cadenza.core.errors import NotFound
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.store import HubStore
from cadenza.interfaces.legato.degradation import DEGRADATION_API, DEGRADATION_BASE, DEGRADATION_EVENT_TYPES
from cadenza.sof.rows import ServiceRow
from cadenza.sof.service import Sof
from cadenza.sof.sls.rows import SlsDegradationRow
from cadenza.sof.sls.views import degradation_view

__all__ = ["degradation_router"]

State = Literal["detected", "rerouting", "manualIntervention", "resolved"]


def degradation_router(sof: Sof, *, hub_store: HubStore) -> APIRouter:
    router = APIRouter(prefix=DEGRADATION_BASE, tags=["LEGATO (Cadenza profile)"])
    caller = Depends(require("legato"))

    def _of(owner: str | None) -> Any:  # noqa: ANN401 - a Select
        query = select(SlsDegradationRow)
        if owner is not None:
            query = query.join(ServiceRow, ServiceRow.id == SlsDegradationRow.service_id).where(
                ServiceRow.party == owner)
        return query

    @router.get("/degradation", operation_id="legato.cadenzaListSlsDegradations",
                summary="Cadenza profile: the SLS degradations of the caller's services, oldest first")
    def list_degradations(serviceId: str | None = None, state: State | None = None,  # noqa: N803
                          principal: Principal = caller) -> list[dict[str, Any]]:
        query = _of(principal.owner_filter)
        if serviceId is not None:
            query = query.where(SlsDegradationRow.service_id == serviceId)
        if state is not None:
            query = query.where(SlsDegradationRow.state == state)
        with sof.database.read() as session:
            rows = session.scalars(query.order_by(SlsDegradationRow.created_at, SlsDegradationRow.id))
            return [degradation_view(row) for row in rows]

    @router.get("/degradation/{id}", operation_id="legato.cadenzaRetrieveSlsDegradation",
                summary="Cadenza profile: one SLS degradation of the caller's services")
    def retrieve_degradation(id: str, principal: Principal = caller) -> dict[str, Any]:  # noqa: A002
        with sof.database.read() as session:
            row = session.scalars(_of(principal.owner_filter).where(SlsDegradationRow.id == id)).first()
            if row is None:
                raise NotFound(f"No SLS degradation with id '{id}' on a service of yours")
            return degradation_view(row)

    router.include_router(hub_router(api=DEGRADATION_API, base_path="", scope="legato",
                                     event_types=DEGRADATION_EVENT_TYPES, hub_store=hub_store))
    return router
