"""Capacity for a known event (thread 10.9 step 4, "for a later time, for a duration"): the
coordinator asks for a rate from a time, for so long, as one temporary change scheduled ahead
(ALLEGRO Service Ordering v1 with Cadenza's `requestedStartDate` ahead and `cadenzaRevertAfter`).

The order's `externalId`, the customer's own reference, says the window
(`cadenza-cac-capacity:<start>/<end>`), so that the coordinator watching the service leaves it
alone while the capacity is held, rather than lowering what was bought for the event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cadenza.interfaces.allegro.ordering_client import change_item, change_order

__all__ = ["capacity_order", "held_window", "PREFIX"]

PREFIX = "cadenza-cac-capacity:"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def capacity_order(service_id: str, service_type: str, mbps: int, start: datetime,
                   duration: timedelta) -> dict[str, Any]:
    seconds = int(duration.total_seconds())
    if seconds < 1:
        raise ValueError("the capacity is held for at least a second")
    order = change_order(change_item("1", service_id, service_type, mbps, revert_after_s=seconds), start=start,
                         external_id=f"{PREFIX}{_iso(start)}/{_iso(start + duration)}",
                         description=f"Customer Application Coordinator: {mbps} Mbit/s for a known event, "
                                     f"{_iso(start)} for {seconds} s")
    return order


def held_window(order: dict[str, Any]) -> tuple[datetime, datetime] | None:
    """The window an order of `capacity_order` holds, or None for any other order."""
    reference = order.get("externalId") or ""
    if not reference.startswith(PREFIX) or order.get("state") == "failed":
        return None
    start, _, end = reference.removeprefix(PREFIX).partition("/")
    try:
        return _moment(start), _moment(end)
    except ValueError:
        return None
