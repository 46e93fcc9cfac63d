"""Rendering a degradation row: the same document for the operator (`/cadenza/sls/v1`) and for
the BUS over LEGATO (interfaces/legato/degradation.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cadenza.core.clock import iso
from cadenza.core.pm.interval import INTERVAL_S
from cadenza.interfaces.legato.degradation import degradation_href
from cadenza.sof.sls.rows import SlsDegradationRow

__all__ = ["degradation_view", "interval_start"]



def interval_start(number: int | None) -> str | None:
    """The start of measurement interval `number` (network time)."""
    return None if number is None else iso(datetime.fromtimestamp(number * INTERVAL_S, UTC))


def degradation_view(row: SlsDegradationRow) -> dict[str, Any]:
    return {"id": row.id, "href": degradation_href(row.id), "serviceId": row.service_id,
            "direction": row.direction, "state": row.state, "cause": row.cause, "breaches": row.breaches,
            "since": interval_start(row.first_number), "lastBreach": interval_start(row.last_breach_number),
            "resolvedAt": interval_start(row.resolved_number), "history": row.history}
