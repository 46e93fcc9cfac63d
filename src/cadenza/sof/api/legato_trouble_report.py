"""Trouble reports over LEGATO (Cadenza's addition, interfaces/legato/trouble_report.py): the
BUS reports trouble on one of its services, reads what SOF found and did, and hears of every
change at the hub. Thin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Response
from pydantic import ValidationError
from sqlalchemy import select

from cadenza.core.auth import Principal, require
from cadenza.core.errors import Unprocessable
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.store import HubStore
from cadenza.interfaces.legato.trouble_report import (
    TROUBLE_REPORT_API,
    TROUBLE_REPORT_BASE,
    TROUBLE_REPORT_EVENT_TYPES,
    TroubleReportRequest,
)
from cadenza.sof.service import Sof
from cadenza.sof.trouble import diagnosis, report
from cadenza.sof.trouble.rows import TroubleReportRow

__all__ = ["trouble_report_router"]


def trouble_report_router(sof: Sof, *, hub_store: HubStore) -> APIRouter:
    router = APIRouter(prefix=TROUBLE_REPORT_BASE, tags=["LEGATO (Cadenza profile)"])
    caller = Depends(require("legato"))

    @router.post("/troubleReport", status_code=201, operation_id="legato.cadenzaCreateTroubleReport",
                 summary="Cadenza profile: ask SOF to diagnose and remedy a service a customer reported trouble on")
    def create_trouble_report(response: Response, payload: Any = Body(...),  # noqa: ANN401 - validated below
                              principal: Principal = caller) -> dict[str, Any]:
        try:
            request = TroubleReportRequest.model_validate(payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = "/" + "/".join(str(p) for p in first["loc"])
            raise Unprocessable(f"{where}: {first['msg']}", property_path=where,
                                code="missingProperty" if first["type"] == "missing" else "invalidValue") from exc
        shown, fresh = diagnosis.report_trouble(sof, principal.owner_filter, request)
        if not fresh:
            response.status_code = 200  # the report already made for this service and ticket
        return shown

    @router.get("/troubleReport", operation_id="legato.cadenzaListTroubleReports",
                summary="Cadenza profile: the caller's trouble reports, oldest first")
    def list_trouble_reports(ticketId: str | None = None, serviceId: str | None = None,  # noqa: N803
                             principal: Principal = caller) -> list[dict[str, Any]]:
        query = select(TroubleReportRow)
        if principal.owner_filter is not None:
            query = query.where(TroubleReportRow.party == principal.owner_filter)
        if ticketId is not None:
            query = query.where(TroubleReportRow.ticket_id == ticketId)
        if serviceId is not None:
            query = query.where(TroubleReportRow.service_id == serviceId)
        with sof.database.read() as session:
            return [report.view(row) for row in session.scalars(
                query.order_by(TroubleReportRow.created_at, TroubleReportRow.id))]

    @router.get("/troubleReport/{id}", operation_id="legato.cadenzaRetrieveTroubleReport",
                summary="Cadenza profile: one trouble report of the caller's")
    def retrieve_trouble_report(id: str, principal: Principal = caller) -> dict[str, Any]:  # noqa: A002
        return diagnosis.get_report(sof, principal.owner_filter, id)

    router.include_router(hub_router(api=TROUBLE_REPORT_API, base_path="", scope="legato",
                                     event_types=TROUBLE_REPORT_EVENT_TYPES, hub_store=hub_store))
    return router
