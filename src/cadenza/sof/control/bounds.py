"""MEF 55.0.1 §10.3 step 3: whether a change the customer asks for falls within the bounds of
its product (interfaces/legato/control_policy.py). Each refusal is a 422 whose reason names
the bound it breaks, so the customer knows what it may ask for instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cadenza.core.errors import Unprocessable
from cadenza.interfaces.legato.control_policy import DAYS, BandwidthBounds, ControlPolicy

__all__ = ["Asked", "check", "day_start"]


@dataclass(frozen=True, slots=True)
class Asked:
    """A change as the SOF read it (`Sof.read_change`) beside the service as it is."""

    mbps: int
    current_mbps: int
    vlans: tuple[int | None, ...]  # every CE-VLAN the change sets (on-net ends and the partner's)
    at: datetime  # when it is asked, which is when it would be applied
    requested_start: datetime
    changes_today: int  # changes of this service applied (or to be) the UTC day it applies, not failed
    # when it will be applied, if later than `at` (a scheduled change): the bounds that depend
    # on the time (change windows, changes per day) are those of that moment
    applies_at: datetime | None = None


def day_start(at: datetime) -> datetime:
    moment = at.astimezone(UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _refuse(reason: str, pointer: str) -> Unprocessable:
    return Unprocessable(reason, code="invalidValue", property_path=pointer)


def _rate(bounds: BandwidthBounds, mbps: int, whose: str, pointer: str) -> None:
    if mbps < bounds.minMbps:
        raise _refuse(f"bandwidth {mbps} Mbit/s is below the minimum {bounds.minMbps} Mbit/s of {whose}", pointer)
    if mbps > bounds.maxMbps:
        raise _refuse(f"bandwidth {mbps} Mbit/s is above the maximum {bounds.maxMbps} Mbit/s of {whose}", pointer)
    if (mbps - bounds.minMbps) % bounds.stepMbps:
        raise _refuse(f"bandwidth {mbps} Mbit/s is not a whole number of {bounds.stepMbps} Mbit/s steps above the "
                      f"minimum {bounds.minMbps} Mbit/s of {whose}", pointer)


def _window_open(policy: ControlPolicy, at: datetime) -> bool:
    if not policy.changeWindows:
        return True
    moment = at.astimezone(UTC)
    day, clock = DAYS[moment.weekday()], moment.strftime("%H:%M")
    return any(day in w.days and w.start <= clock < w.end for w in policy.changeWindows)


def _windows(policy: ControlPolicy) -> str:
    return "; ".join(f"{','.join(d[:3] for d in w.days)} {w.start}-{w.end}" for w in policy.changeWindows)


def check(policy: ControlPolicy, asked: Asked, *, pointer: str, start_pointer: str = "/requestedStartDate") -> None:
    """Raise the 422 of the first bound `asked` breaks. `pointer`: where the change is in the
    request (its placement hints), named as the property path of a bound on what is asked."""
    if asked.mbps == asked.current_mbps and not asked.vlans:
        raise _refuse(f"the service already runs at {asked.mbps} Mbit/s with these CE-VLANs: the change asks for "
                      "nothing new", pointer)
    if asked.mbps != asked.current_mbps:
        if policy.bandwidth is None:
            raise _refuse("the bandwidth of this product cannot be changed by the customer", pointer)
        _rate(policy.bandwidth, asked.mbps, "this product", pointer)
        if policy.endPointBandwidth is not None:
            _rate(policy.endPointBandwidth, asked.mbps, "an end point of this product", pointer)
    changed_vlans = [v for v in asked.vlans if v is not None]
    if changed_vlans and not policy.ceVlanChange.allowed:
        raise _refuse("the CE-VLANs of this product cannot be changed by the customer", pointer)
    for vlan in changed_vlans:
        low, high = policy.ceVlanChange.lowest, policy.ceVlanChange.highest
        if not low <= vlan <= high:
            raise _refuse(f"CE-VLAN {vlan} is outside the CE-VLANs {low}-{high} this product allows", pointer)
    ahead = asked.requested_start - asked.at
    if ahead > timedelta(days=policy.maxScheduleAheadDays, minutes=5):
        raise _refuse(f"requestedStartDate is {ahead.days} days ahead: this product allows changes scheduled at most "
                      f"{policy.maxScheduleAheadDays} days ahead", start_pointer)
    applies = asked.applies_at or asked.at
    if not _window_open(policy, applies):
        moment = applies.astimezone(UTC)
        raise _refuse(f"this product is changed only in its change windows (UTC) {_windows(policy)}; it is "
                      f"{DAYS[moment.weekday()][:3]} {moment.strftime('%H:%M')} UTC", pointer)
    if asked.changes_today >= policy.maxChangesPerDay:
        day = applies.astimezone(UTC).date()
        when = "were made today" if day == asked.at.astimezone(UTC).date() else f"are made or scheduled on {day}"
        raise _refuse(f"this product allows at most {policy.maxChangesPerDay} changes per day (UTC) and "
                      f"{asked.changes_today} {when}", pointer)
