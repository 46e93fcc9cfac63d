"""How long delivery takes: the one lead-time model behind a POQ item's `installationInterval`,
a quote item's `quoteItemInstallationInterval` and an order item's `expectedCompletionDate`.

The catalog states each offering's lead time on-net and off-net (a partner's access leg comes
first); where a partner is involved, the partner's own quoted lead time counts too, and the
longer of the two stands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from cadenza.core.clock import iso, now

__all__ = ["CatalogLeadTime", "installation_days", "interval", "expected_completion"]

# (offering id, off-net?) -> days, as the catalog states it (bus.catalog.Catalog.lead_time_days)
CatalogLeadTime = Callable[[str, bool], int]


def installation_days(catalog: CatalogLeadTime, offering: str, *, off_net: bool,
                      partner_days: Iterable[int | None] = ()) -> int:
    days = catalog(offering, off_net)
    for quoted in partner_days:
        if quoted is not None:
            days = max(days, quoted)
    return days


def interval(days: int) -> dict[str, Any]:
    """As a MEF Duration."""
    return {"amount": days, "units": "calendarDays"}


def expected_completion(days: int, *, start: datetime | None = None) -> str:
    return iso((start or now()) + timedelta(days=days))
