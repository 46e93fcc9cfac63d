"""A domain's workers are refused at start when their connections would not fit on the server."""

from __future__ import annotations

import pytest

from cadenza.core.connection_budget import DatabasePools, TooFewConnections, left_after

POOLS = DatabasePools(pool_size=5, max_overflow=10, workflow_pool_size=10)


def test_a_worker_holds_its_two_pools_and_its_own_connections() -> None:
    assert POOLS.per_process == 5 + 10 + 10 + 6


def test_workers_that_fit_leave_the_rest_free() -> None:
    # 100 - 3 reserved - 4 in use = 93 free; three workers of 31 take them all
    assert left_after(3, POOLS, limit=100, reserved=3, used=4) == 0
    assert left_after(2, POOLS, limit=100, reserved=3, used=4) == 31


def test_one_worker_more_than_fits_is_refused_with_what_to_change() -> None:
    with pytest.raises(TooFewConnections) as refused:
        left_after(4, POOLS, limit=100, reserved=3, used=4)
    said = str(refused.value)
    assert "4 workers would open up to 124 PostgreSQL connections" in said
    assert "the server has 93 free (max_connections 100, 3 reserved for superusers, 4 in use)" in said
    assert "raise max_connections" in said and "database.pool_size 5" in said


def test_connections_already_in_use_count_against_a_worker() -> None:
    assert left_after(1, POOLS, limit=100, reserved=3, used=66) == 0
    with pytest.raises(TooFewConnections, match="1 worker would open up to 31"):
        left_after(1, POOLS, limit=100, reserved=3, used=67)
