"""Order, item and service state rules; a service's operational state; combining segment test results."""

from __future__ import annotations

import pytest

from cadenza.interfaces.presto import paths as presto
from cadenza.sof import operational
from cadenza.sof import service_inventory as inventory
from cadenza.sof import service_order as orders
from cadenza.sof.testing import SegmentResult, combine


def test_the_states_are_the_legato_enums_verbatim() -> None:
    assert orders.STATES == ("acknowledged", "rejected", "pending", "held", "inProgress", "completed", "failed",
                             "partial")
    assert inventory.STATES == ("feasibilityChecked", "designed", "reserved", "inactive", "active", "terminated")
    assert set(orders.TRANSITIONS) == set(orders.STATES) and set(inventory.TRANSITIONS) == set(inventory.STATES)


def test_a_service_is_enabled_only_while_active_with_every_segment_enabled() -> None:
    assert operational.derived(inventory.ACTIVE, [presto.ENABLED, presto.ENABLED]) == operational.ENABLED
    assert operational.derived(inventory.ACTIVE, [presto.ENABLED, presto.DISABLED]) == operational.DISABLED
    assert operational.derived(inventory.RESERVED, [presto.ENABLED]) == operational.DISABLED
    assert operational.derived(inventory.TERMINATED, []) == operational.DISABLED


@pytest.mark.parametrize(("start", "target"), [
    ("completed", "inProgress"), ("failed", "completed"), ("acknowledged", "completed"), ("held", "completed"),
    ("acknowledged", "held"), ("pending", "inProgress")])
def test_an_order_never_leaves_a_state_except_by_a_declared_transition(start: str, target: str) -> None:
    assert target not in orders.TRANSITIONS[start]


def test_a_held_item_goes_back_to_work_or_fails_and_nothing_else() -> None:
    # Legato: held "cannot be progressed due to an issue ... upon resolution ... will continue"
    assert orders.HELD in orders.TRANSITIONS[orders.IN_PROGRESS]
    assert orders.TRANSITIONS[orders.HELD] == frozenset({orders.IN_PROGRESS, orders.FAILED})


def test_a_terminated_service_stays_terminated_and_only_a_reserved_one_becomes_active() -> None:
    assert inventory.TRANSITIONS[inventory.TERMINATED] == frozenset()
    assert [s for s, targets in inventory.TRANSITIONS.items() if inventory.ACTIVE in targets] == [
        inventory.RESERVED, inventory.INACTIVE]


def test_an_orders_outcome_follows_its_items() -> None:
    assert orders.outcome(["completed", "completed"]) == "completed"
    assert orders.outcome(["failed", "failed"]) == "failed"
    assert orders.outcome(["completed", "failed"]) == "partial"


def test_segments_in_series_add_delay_compound_loss_and_keep_the_slowest_rate() -> None:
    result = combine([SegmentResult("metro", True, 1.5, 0.0002, 480.0), SegmentResult("core", True, 3.0, 0.0003,
                                                                                     495.0)],
                     cir_mbps=500, max_delay_ms=None)
    assert result["frameDelayMs"] == 4.5 and result["informationRateMbps"] == 480.0
    assert result["frameLossRatio"] == pytest.approx(1 - (1 - 0.0002) * (1 - 0.0003))
    assert result["result"] == "PASS"


def test_a_delay_bound_or_a_failing_segment_fails_the_service() -> None:
    slow = combine([SegmentResult("a", True, 6.0, 0.0, 100.0), SegmentResult("b", True, 5.0, 0.0, 100.0)],
                   cir_mbps=100, max_delay_ms=10)
    assert slow["result"] == "FAIL" and "exceeds the 10 ms bound" in slow["failures"][0]
    broken = combine([SegmentResult("partner/p", False, 0.0, 1.0, 0.0, ("unreachable",))], cir_mbps=10,
                     max_delay_ms=None)
    assert broken["result"] == "FAIL" and "partner/p: unreachable" in broken["failures"]
