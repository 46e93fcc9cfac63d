"""Cadenza's reservations over ALLEGRO (MEF 55.0.1 §10.3 "reservations"; no MEF API has one):
a customer reserves bandwidth on its own service for a window, reads and cancels its
reservations (docs/allegro-profile.md, "Reservations"). The rules are in sof/control/reservation.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends
from pydantic import ValidationError

from cadenza.core.auth import Principal, require
from cadenza.core.clock import iso
from cadenza.core.errors import Unprocessable
from cadenza.interfaces.allegro.inventory_paths import service_href
from cadenza.interfaces.allegro.ordering_paths import order_href
from cadenza.interfaces.allegro.reservation import RESERVATION_BASE, ReservationCreate, reservation_href
from cadenza.sof.control import reservation, schedule
from cadenza.sof.control.rows import CapacityReservationRow
from cadenza.sof.service import Sof

__all__ = ["allegro_reservation_router"]

SCOPE = "allegro"


def view(row: CapacityReservationRow) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": row.id, "href": reservation_href(row.id), "state": row.state,
        "service": {"id": row.service_id, "href": service_href(row.service_id)},
        "bandwidthMbps": row.mbps, "startDate": iso(schedule.utc(row.start_at)),
        "endDate": iso(schedule.utc(row.end_at)),
        "serviceOrder": {"id": row.order_id, "href": order_href(row.order_id)},
        "creationDate": iso(schedule.utc(row.created_at))}
    if row.reason:
        shown["reason"] = row.reason
    return shown


def _parse(payload: Any) -> ReservationCreate:  # noqa: ANN401 - JSON as received
    try:
        return ReservationCreate.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/" + "/".join(str(p) for p in first["loc"])
        raise Unprocessable(f"{where}: {first['msg']}", property_path=where,
                            code="missingProperty" if first["type"] == "missing" else "invalidValue") from exc


def allegro_reservation_router(sof: Sof) -> APIRouter:
    router = APIRouter(prefix=RESERVATION_BASE, tags=["ALLEGRO reservations (Cadenza profile)"])
    caller = Depends(require(SCOPE))

    @router.post("/reservation", status_code=201, operation_id="allegro.cadenzaCreateReservation",
                 summary="Reserve bandwidth on one of your services for a window")
    def create_reservation(payload: Any = Body(...), principal: Principal = caller) -> dict[str, Any]:  # noqa: ANN401
        asked = _parse(payload)
        row = reservation.reserve(sof, principal.party, principal.owner_filter, reservation.Reserve(
            asked.serviceId, asked.bandwidthMbps, asked.startDate, asked.endDate, asked.description))
        return view(row)

    @router.get("/reservation", operation_id="allegro.cadenzaListReservation")
    def list_reservation(principal: Principal = caller) -> list[dict[str, Any]]:
        with sof.database.read() as session:
            return [view(row) for row in reservation.mine(session, principal.owner_filter)]

    @router.get("/reservation/{id}", operation_id="allegro.cadenzaRetrieveReservation")
    def retrieve_reservation(id: str, principal: Principal = caller) -> dict[str, Any]:  # noqa: A002
        with sof.database.read() as session:
            return view(reservation.find(session, id, principal.owner_filter))

    @router.post("/reservation/{id}/cancel", operation_id="allegro.cadenzaCancelReservation",
                 summary="Cancel a reservation: before its window nothing changes; during it the bandwidth goes back")
    def cancel_reservation(id: str, principal: Principal = caller) -> dict[str, Any]:  # noqa: A002
        return view(reservation.cancel(sof, id, principal.owner_filter))

    return router
