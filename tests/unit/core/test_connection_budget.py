"""A domain's workers are refused at start when the server could never hold their connections,
and are told how short they are beside the server's other clients."""

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


def test_workers_short_beside_the_other_clients_are_told_by_how_much() -> None:
    assert left_after(3, POOLS, limit=100, reserved=3, used=10) == -6


def test_workers_no_server_of_that_size_could_hold_are_refused_with_what_to_change() -> None:
    left_after(3, POOLS, limit=100, reserved=7, used=0)
    with pytest.raises(TooFewConnections) as refused:
        left_after(4, POOLS, limit=100, reserved=3, used=0)
    said = str(refused.value)
    assert "4 workers would open up to 124 PostgreSQL connections" in said
    assert "the server allows 97 (max_connections 100, 3 reserved for superusers)" in said
    assert "raise max_connections" in said and "database.pool_size 5" in said
