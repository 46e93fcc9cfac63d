"""When the coordinator leaves a service alone for a reservation, and what it reads of a report."""

from __future__ import annotations

from datetime import UTC, datetime

from cadenza.cus.capacity import holding
from cadenza.interfaces.allegro.pm_client import utilisation_by_interval
from cadenza.interfaces.allegro.pm_paths import CE_PM_RESULTS_TYPE, SLS_RESULTS_TYPE

AT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _reservation(state: str, start: str, service: str = "s1") -> dict:
    return {"id": "r", "state": state, "service": {"id": service}, "startDate": start,
            "endDate": "2026-12-03T20:00:00Z"}


def test_a_reservation_holds_while_active_and_from_an_interval_before_its_start() -> None:
    assert holding([_reservation("active", "2026-12-03T11:00:00Z")], "s1", AT) is not None
    assert holding([_reservation("scheduled", "2026-12-03T12:10:00Z")], "s1", AT) is not None
    assert holding([_reservation("scheduled", "2026-12-03T12:20:00Z")], "s1", AT) is None
    for over in ("completed", "cancelled", "failed"):
        assert holding([_reservation(over, "2026-12-03T11:00:00Z")], "s1", AT) is None
    assert holding([_reservation("active", "2026-12-03T11:00:00Z", service="s2")], "s1", AT) is None


def test_the_busier_direction_of_each_interval_is_what_the_coordinator_sizes_by() -> None:
    def entry(start: str, *percent: float) -> dict:
        return {"measurementTime": {"measurementStartDate": start},
                "measurementData": [{"@type": SLS_RESULTS_TYPE, "frameLossRatioPercent": 0},
                                    *({"@type": CE_PM_RESULTS_TYPE, "utilizationIn": p} for p in percent)]}

    report = {"reportContent": [{"reportContentItem": [entry("2026-12-03T10:00:00Z", 40.0, 70.5),
                                                       entry("2026-12-03T10:15:00Z", 12.0, 3.0)]}]}
    assert utilisation_by_interval(report) == {"2026-12-03T10:00:00Z": 70.5, "2026-12-03T10:15:00Z": 12.0}
    assert utilisation_by_interval({"reportContent": None}) == {}
