"""How a date-time a request carries is read into POSIX seconds (core.clock.epoch_seconds)."""

from __future__ import annotations

import pytest

from cadenza.core.clock import epoch_seconds, iso_at
from cadenza.core.errors import Unprocessable


def test_an_rfc_3339_date_time_is_read_with_its_offset_and_one_without_as_utc() -> None:
    assert epoch_seconds("2026-12-03T12:00:00Z", "/at") == 1_796_299_200.0
    assert epoch_seconds("2026-12-03t12:00:00z", "/at") == 1_796_299_200.0
    assert epoch_seconds("2026-12-03T14:00:00+02:00", "/at") == 1_796_299_200.0
    assert epoch_seconds("2026-12-03T12:00:00", "/at") == 1_796_299_200.0
    assert iso_at(1_796_299_200.0) == "2026-12-03T12:00:00.000Z"
    assert epoch_seconds(None, "/at") is None and epoch_seconds("", "/at") is None


def test_a_date_this_process_cannot_keep_is_a_422_naming_where_it_is() -> None:
    with pytest.raises(Unprocessable) as refused:
        epoch_seconds("0000-01-01T00:00:00Z", "/scheduleDefinition/start")
    assert refused.value.property_path == "/scheduleDefinition/start"
    with pytest.raises(Unprocessable):
        epoch_seconds("not a date", "/x")
