"""The operator's view of SLS assessment (MEF 55.0.1 §10.6): the degradations found, where
they were located, what was done and their state. Not a MEF reference point (the customer hears
of degradations as incidents, issue 13): Cadenza's operator API, `admin` scope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends
from sqlalchemy import select

from cadenza.core.auth import require
from cadenza.core.clock import iso
from cadenza.sof.service import Sof
from cadenza.sof.sls.rows import SlsAssessmentRow, SlsDegradationRow

__all__ = ["sls_router", "SLS_BASE"]

SLS_BASE = "/cadenza/sls/v1"
State = Literal["detected", "rerouting", "manualIntervention", "resolved"]


def _at(number: int | None) -> str | None:
    return None if number is None else iso(datetime.fromtimestamp(number * 900, UTC))


def _view(row: SlsDegradationRow) -> dict[str, Any]:
    return {"id": row.id, "serviceId": row.service_id, "direction": row.direction, "state": row.state,
            "cause": row.cause, "breaches": row.breaches, "since": _at(row.first_number),
            "lastBreach": _at(row.last_breach_number), "resolvedAt": _at(row.resolved_number),
            "history": row.history}


def sls_router(sof: Sof) -> APIRouter:
    router = APIRouter(prefix=SLS_BASE, tags=["SLS assessment (operator)"], dependencies=[Depends(require("admin"))])

    @router.get("/degradation")
    def degradations(serviceId: str | None = None, state: State | None = None) -> list[dict[str, Any]]:  # noqa: N803
        query = select(SlsDegradationRow).order_by(SlsDegradationRow.created_at)
        if serviceId is not None:
            query = query.where(SlsDegradationRow.service_id == serviceId)
        if state is not None:
            query = query.where(SlsDegradationRow.state == state)
        with sof.database.read() as session:
            return [_view(r) for r in session.scalars(query)]

    @router.get("/assessment")
    def assessments() -> list[dict[str, Any]]:
        with sof.database.read() as session:
            return [{"serviceId": r.service_id, "assessedUntil": _at(r.last_number + 1),
                     "assessedAt": iso(r.assessed_at.astimezone(UTC))}
                    for r in session.scalars(select(SlsAssessmentRow).order_by(SlsAssessmentRow.service_id))]

    return router
