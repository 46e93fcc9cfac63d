"""The operator's trouble routes. Not a MEF reference point: Cadenza operator routes, scope
`admin`. `GET /stats` answers the repair statistics (`cadenza trouble stats`,
bus/trouble/stats.py); `POST /troubleTicket/{id}/fieldWork` sends a technician for a ticket by
hand, as diagnosis does for trouble software cannot fix (`dispatch_field_work`,
bus/workforce/field.py)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from cadenza.bus.runtime import Bus
from cadenza.bus.trouble.stats import repair_stats
from cadenza.bus.workforce.field import dispatch_field_work
from cadenza.bus.workforce.force import Fault
from cadenza.bus.workforce.views import work_order_view
from cadenza.core.auth import require

__all__ = ["TROUBLE_OPERATOR_BASE", "FieldWorkRequest", "trouble_operator_router"]

TROUBLE_OPERATOR_BASE = "/cadenza/trouble/v1"


class FieldWorkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["element", "port", "link"]
    element: str = Field(min_length=1, max_length=200)
    port: str | None = Field(None, max_length=200, description="the failed port (kind port)")
    farEnd: str | None = Field(None, max_length=200, description="the link's other end (kind link)")  # noqa: N815
    description: str = Field("", max_length=4000, description="what was found, in words a person can act on")
    siteId: str | None = Field(None, max_length=200, description="the site to visit")  # noqa: N815


def trouble_operator_router(bus: Bus) -> APIRouter:
    router = APIRouter(prefix=TROUBLE_OPERATOR_BASE, tags=["trouble (operator)"],
                       dependencies=[Depends(require("admin"))])

    @router.get("/stats")
    def stats() -> dict[str, Any]:
        with bus.database.read() as session:
            return repair_stats(session)

    @router.post("/troubleTicket/{id}/fieldWork", status_code=201)
    def send_field_work(id: str, body: FieldWorkRequest) -> dict[str, Any]:  # noqa: A002
        """The work order opened for the ticket (its visit booked or asked for)."""
        fault = Fault(body.kind, body.element, body.port, body.farEnd, body.description, body.siteId)
        with bus.database.transaction() as session:
            return work_order_view(dispatch_field_work(session, bus.name, id, fault).document)

    return router
