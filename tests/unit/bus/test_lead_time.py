"""One lead-time model: the catalog's on-net or off-net lead time, or the partner's quoted one
when it is longer; dates count from the given start."""

from __future__ import annotations

from datetime import UTC, datetime

from cadenza.bus.catalog import Catalog
from cadenza.bus.lead_time import expected_completion, installation_days, interval


def test_on_net_and_off_net_lead_times_come_from_the_catalog_and_the_partner() -> None:
    catalog = Catalog(price_factor=1.0).lead_time_days
    assert installation_days(catalog, "evpl", off_net=False) == 10
    assert installation_days(catalog, "evpl", off_net=True) == 30
    assert installation_days(catalog, "evpl", off_net=True, partner_days=[12, None]) == 30
    assert installation_days(catalog, "evpl", off_net=True, partner_days=[45]) == 45
    assert interval(45) == {"amount": 45, "units": "calendarDays"}
    assert expected_completion(30, start=datetime(2026, 1, 31, 12, tzinfo=UTC)) == "2026-03-02T12:00:00.000Z"
