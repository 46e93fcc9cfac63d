"""Usage events: the SOF tells its BUS what a customer's change of a live service changed, so
billing can rate it (MEF 55.0.1 §10.3 step 14: "SOF sends a usage event for the product to
the BUS over LEGATO").

Legato v5 (and the Legato SDK) has no usage API; Cadenza defines one here (docs/legato-profile.md,
"Usage events"): `POST /cadenza/legato/usage/v1/usageEvent`, served by the BUS and called by
the SOF with its LEGATO credentials, and `GET .../usageRecord` to read what the BUS kept. The
event's `id` is stable for one change (the service order and its item), so a delivery made
twice (a retried step, a restart) is kept once: the BUS answers 201 the first time and 200 with
the record it already holds after that. This module holds the contract: payload, paths, client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from cadenza.core.client_credentials import TokenProvider, TokenUnavailable, send_with_token

__all__ = ["USAGE_BASE", "UsageChange", "UsageEvent", "UsageError", "LegatoUsage", "usage_event_id"]

USAGE_BASE = "/cadenza/legato/usage/v1"

Name = Annotated[str, Field(min_length=1, max_length=200)]


class UsageChange(BaseModel):
    """One attribute the change moved, from what to what (CE-VLANs: null for port-based)."""

    model_config = ConfigDict(extra="forbid")
    attribute: Literal["bandwidthMbps", "ceVlan", "partnerCeVlan"]
    endPoint: Name | None = None  # the UNI edge point of a CE-VLAN change
    fromValue: int | None
    toValue: int | None


class UsageEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Name  # usage_event_id(order, item): one change, one event
    serviceId: Name
    serviceOrderId: Name  # the order that made the change (ALLEGRO or LEGATO)
    channel: Literal["allegro", "legato"]  # who asked: the customer itself or the BUS
    usageType: Literal["serviceChange"] = "serviceChange"
    changes: list[UsageChange] = Field(min_length=1)
    appliedAt: datetime  # when the change was in place on the network, tested (its start of use)
    # how long it holds: null until a later change or the end of the service (rated up to then);
    # a temporary change names its end
    validUntil: datetime | None = None


def usage_event_id(order_id: str, item_id: str) -> str:
    return f"{order_id}/{item_id}"


class UsageError(Exception):
    def __init__(self, reason: str, *, refused: bool) -> None:
        super().__init__(reason)
        self.reason, self.refused = reason, refused


class LegatoUsage:
    """The SOF's client: one POST per event; a 4xx is the BUS refusing it, the rest is retried."""

    def __init__(self, base_url: str, token: TokenProvider, *, transport: httpx.BaseTransport | None = None,
                 timeout_s: float = 30.0) -> None:
        self._token = token
        self._http = httpx.Client(base_url=base_url.rstrip("/") + USAGE_BASE, transport=transport, timeout=timeout_s)

    def send(self, event: UsageEvent) -> dict[str, Any]:
        try:
            reply = send_with_token(self._http, "POST", "/usageEvent", self._token, json=event.model_dump(mode="json"))
        except (httpx.HTTPError, TokenUnavailable) as exc:
            raise UsageError(f"the BUS did not answer the usage event {event.id}: {exc}", refused=False) from exc
        if reply.is_success:
            return reply.json()
        try:
            reason = reply.json().get("reason") or reply.text[:300]
        except ValueError:
            reason = reply.text[:300]
        raise UsageError(reason, refused=400 <= reply.status_code < 500 and reply.status_code not in (408, 429))

    def close(self) -> None:
        self._http.close()
