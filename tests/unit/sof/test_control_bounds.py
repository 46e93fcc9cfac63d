"""The bounds of dynamic control (MEF 55.0.1 §10.3 step 3): a change within them passes, and
each bound broken is refused with a 422 that names it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from cadenza.bus.control_policies import DEFAULT_POLICIES, control_policy
from cadenza.core.errors import Unprocessable
from cadenza.interfaces.legato.control_policy import BandwidthBounds, CeVlanChange, ChangeWindow, ControlPolicy
from cadenza.sof.control.bounds import Asked, check, day_start

MONDAY_NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
POLICY = ControlPolicy(bandwidth=BandwidthBounds(minMbps=10, maxMbps=1000, stepMbps=10),
                       endPointBandwidth=BandwidthBounds(minMbps=1, maxMbps=800),
                       ceVlanChange=CeVlanChange(allowed=True, lowest=100, highest=200),
                       changeWindows=(ChangeWindow(days=("monday", "tuesday"), start="06:00", end="22:00"),),
                       maxChangesPerDay=3, maxScheduleAheadDays=7)


def asked(mbps: int = 200, *, current: int = 100, vlans: tuple[int | None, ...] = (), at: datetime = MONDAY_NOON,
          start: datetime | None = None, today: int = 0) -> Asked:
    return Asked(mbps=mbps, current_mbps=current, vlans=vlans, at=at, requested_start=start or at,
                 changes_today=today)


def refusal(policy: ControlPolicy, change: Asked) -> Unprocessable:
    with pytest.raises(Unprocessable) as refused:
        check(policy, change, pointer="/serviceOrderItem/0/service/serviceConfiguration/cadenzaEvcPlacement")
    assert refused.value.status == 422 and refused.value.code == "invalidValue"
    return refused.value


def test_a_change_within_every_bound_passes() -> None:
    check(POLICY, asked(200, vlans=(150,), today=2), pointer="/x")
    check(POLICY, asked(10, at=MONDAY_NOON.replace(hour=6, minute=0)), pointer="/x")  # the window's first minute
    check(POLICY, asked(100, vlans=(100, 200)), pointer="/x")  # a CE-VLAN change alone


@pytest.mark.parametrize(("change", "reason"), [
    (asked(1200), "bandwidth 1200 Mbit/s is above the maximum 1000 Mbit/s of this product"),
    (asked(5), "bandwidth 5 Mbit/s is below the minimum 10 Mbit/s of this product"),
    (asked(205), "bandwidth 205 Mbit/s is not a whole number of 10 Mbit/s steps above the minimum 10 Mbit/s"),
    (asked(900), "bandwidth 900 Mbit/s is above the maximum 800 Mbit/s of an end point of this product"),
    (asked(100, vlans=(99,)), "CE-VLAN 99 is outside the CE-VLANs 100-200 this product allows"),
    (asked(100), "the change asks for nothing new"),
    (asked(200, today=3), "this product allows at most 3 changes per day (UTC) and 3 were made today"),
    (asked(200, at=MONDAY_NOON.replace(hour=22)), "changed only in its change windows (UTC) mon,tue 06:00-22:00; "
                                                  "it is mon 22:00 UTC"),
    (asked(200, at=MONDAY_NOON + timedelta(days=2)), "it is wed 12:00 UTC"),
    (asked(200, start=MONDAY_NOON + timedelta(days=8)), "requestedStartDate is 8 days ahead: this product allows "
                                                        "changes scheduled at most 7 days ahead"),
])
def test_a_change_outside_a_bound_is_refused_naming_it(change: Asked, reason: str) -> None:
    refused = refusal(POLICY, change)
    assert reason in refused.reason, refused.reason


def test_the_schedule_bound_names_the_requested_start_and_the_others_the_change() -> None:
    assert refusal(POLICY, asked(200, start=MONDAY_NOON + timedelta(days=30))).property_path == "/requestedStartDate"
    assert refusal(POLICY, asked(1200)).property_path.endswith("/cadenzaEvcPlacement")


def test_what_a_product_does_not_allow_is_refused_as_such() -> None:
    fixed = ControlPolicy(maxChangesPerDay=5)
    assert "the bandwidth of this product cannot be changed" in refusal(fixed, asked(200)).reason
    assert "the CE-VLANs of this product cannot be changed" in refusal(fixed, asked(100, vlans=(150,))).reason
    assert "at most 0 changes per day" in refusal(POLICY.model_copy(update={"maxChangesPerDay": 0}), asked()).reason


def test_no_change_window_means_any_time_and_the_day_is_the_utc_day() -> None:
    anytime = POLICY.model_copy(update={"changeWindows": ()})
    check(anytime, asked(200, at=datetime(2026, 12, 12, 23, 59, tzinfo=UTC)), pointer="/x")  # a Saturday night
    assert day_start(datetime(2026, 12, 7, 23, 30, tzinfo=UTC)) == datetime(2026, 12, 7, tzinfo=UTC)


@pytest.mark.parametrize("document", [
    {"bandwidth": {"minMbps": 100, "maxMbps": 10}},
    {"bandwidth": {"minMbps": 10, "maxMbps": 100, "stepMbps": 0}},
    {"ceVlanChange": {"allowed": True, "lowest": 300, "highest": 200}},
    {"changeWindows": [{"days": ["monday"], "start": "22:00", "end": "06:00"}]},
    {"changeWindows": [{"days": ["funday"]}]},
    {"changeWindows": [{"start": "25:00"}]},
    {"maxChangesPerDay": -1},
    {"unknownBound": 1},
])
def test_a_malformed_policy_is_refused(document: dict) -> None:
    with pytest.raises(ValidationError):
        ControlPolicy.model_validate(document)


def test_the_catalog_declares_bounds_for_what_customers_buy_and_a_domain_may_replace_them() -> None:
    assert set(DEFAULT_POLICIES) == {"evpl", "epl", "internet-access"}
    assert DEFAULT_POLICIES["evpl"].ceVlanChange.allowed and not DEFAULT_POLICIES["epl"].ceVlanChange.allowed
    assert control_policy("access-eline", {}) is None and control_policy(None, {}) is None
    tighter = ControlPolicy(bandwidth=BandwidthBounds(minMbps=50, maxMbps=500), maxChangesPerDay=1)
    assert control_policy("evpl", {"evpl": tighter}) is tighter
    assert control_policy("epl", {"evpl": tighter}) is DEFAULT_POLICIES["epl"]


def test_a_scheduled_change_meets_the_bounds_of_the_time_it_is_applied() -> None:
    saturday = MONDAY_NOON - timedelta(days=2)
    # asked on a Saturday (no window) for Monday noon (in the window): accepted
    check(POLICY, Asked(mbps=200, current_mbps=100, vlans=(), at=saturday, requested_start=MONDAY_NOON,
                        applies_at=MONDAY_NOON, changes_today=0), pointer="/x")
    # asked on Monday noon for Monday 23:00: refused, naming the time it would be applied
    late = MONDAY_NOON.replace(hour=23)
    refused = refusal(POLICY, Asked(mbps=200, current_mbps=100, vlans=(), at=MONDAY_NOON, requested_start=late,
                                    applies_at=late, changes_today=0))
    assert "it is mon 23:00 UTC" in refused.reason, refused.reason
    full = refusal(POLICY, Asked(mbps=200, current_mbps=100, vlans=(), at=saturday, requested_start=MONDAY_NOON,
                                 applies_at=MONDAY_NOON, changes_today=3))
    assert "3 are made or scheduled on 2026-12-07" in full.reason, full.reason
