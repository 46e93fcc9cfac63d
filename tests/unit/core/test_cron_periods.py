"""A period of the domain's configuration as the cron of a DBOS schedule: the largest period that
divides the minute, the hour or the day and is no longer than the one asked for."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from croniter import croniter

from cadenza.core.schedules import cron_every


@pytest.mark.parametrize(("period_s", "cron", "kept"), [
    (0.2, "*/1 * * * * *", 1),
    (1, "*/1 * * * * *", 1),
    (30, "*/30 * * * * *", 30),
    (45, "*/30 * * * * *", 30),
    (60, "0 */1 * * * *", 60),
    (90, "0 */1 * * * *", 60),
    (300, "0 */5 * * * *", 300),
    (3600, "0 0 */1 * * *", 3600),
    (5 * 3600, "0 0 */4 * * *", 4 * 3600),
    (7 * 86400, "0 0 0 * * *", 86400),
])
def test_a_period_becomes_a_cron_every_worker_reads_alike(period_s: float, cron: str, kept: int) -> None:
    assert cron_every(period_s) == (cron, kept)
    assert croniter.is_valid(cron, second_at_beginning=True)


def test_the_cron_fires_at_the_period_it_says_it_keeps() -> None:
    for period_s in (1, 7, 30, 45, 120, 3600, 7200):
        cron, kept = cron_every(period_s)
        fires = croniter(cron, datetime(2026, 1, 1, 0, 0, 0, 500_000, tzinfo=UTC), second_at_beginning=True)
        first, second = fires.get_next(datetime), fires.get_next(datetime)
        assert (second - first).total_seconds() == kept
