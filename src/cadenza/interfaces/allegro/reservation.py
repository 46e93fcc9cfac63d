"""Cadenza's reservation API (docs/allegro-profile.md, "Reservations"): a customer reserves
bandwidth on its own service for a window. No MEF API has one, so it is served under
`/cadenza/allegro/`, with the `allegro` scope; this is its contract and a client."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cadenza.interfaces.allegro.http import AllegroHttp

__all__ = ["RESERVATION_BASE", "RESERVATION_STATES", "ReservationCreate", "ReservationClient", "reservation_href"]

RESERVATION_BASE = "/cadenza/allegro/reservation/v1"
RESERVATION_STATES = ("scheduled", "active", "completed", "cancelled", "failed")


class ReservationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    serviceId: str = Field(min_length=1, max_length=64)  # noqa: N815 - the API's names
    bandwidthMbps: int = Field(ge=1, le=100_000)  # noqa: N815
    startDate: AwareDatetime  # noqa: N815
    endDate: AwareDatetime  # noqa: N815
    description: str | None = Field(default=None, max_length=500)


def reservation_href(reservation_id: str) -> str:
    return f"{RESERVATION_BASE}/reservation/{reservation_id}"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class ReservationClient:
    def __init__(self, base_url: str, token: Callable[[], str], *, transport: httpx.BaseTransport | None = None,
                 timeout_s: float = 30.0) -> None:
        self._http = AllegroHttp(base_url, RESERVATION_BASE, token, transport=transport, timeout_s=timeout_s)

    def close(self) -> None:
        self._http.close()

    def reserve(self, service_id: str, bandwidth_mbps: int, start: datetime, end: datetime) -> dict[str, Any]:
        body = {"serviceId": service_id, "bandwidthMbps": bandwidth_mbps, "startDate": _iso(start),
                "endDate": _iso(end)}
        return self._http.send("POST", "/reservation", json=body).json()

    def get(self, reservation_id: str) -> dict[str, Any]:
        return self._http.send("GET", f"/reservation/{reservation_id}").json()

    def list(self) -> list[dict[str, Any]]:
        return self._http.send("GET", "/reservation").json()

    def cancel(self, reservation_id: str) -> dict[str, Any]:
        return self._http.send("POST", f"/reservation/{reservation_id}/cancel").json()
