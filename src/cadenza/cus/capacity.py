"""Capacity for a known event (thread 10.9 step 5): the coordinator reserves a rate on a service
for a window ahead of time (Cadenza's ALLEGRO reservations, docs/allegro-profile.md), which SOF
accepts only when the network can hold it beside the other reservations, applies at the start
and gives back at the end (step 11).

While a reservation of a service is held, or about to be (an interval before its start), the
watching coordinator leaves the service alone: the rate is the event's, not the traffic's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from cadenza.core.clock import parse_iso

__all__ = ["holding", "HELD"]

HELD = ("scheduled", "active")
_LEAD = timedelta(minutes=15)


def _moment(text: str) -> datetime:
    return parse_iso(text)


def holding(reservations: Iterable[dict[str, Any]], service_id: str, at: datetime) -> dict[str, Any] | None:
    """The reservation of `service_id` that holds its rate at `at`, if any."""
    for reservation in reservations:
        if reservation["service"]["id"] != service_id or reservation["state"] not in HELD:
            continue
        if reservation["state"] == "active" or _moment(reservation["startDate"]) - _LEAD <= at:
            return reservation
    return None
