"""The field force's calendar (MEF 137 use case 7, Search Appointment Timeslot): the slots its
crews can take, in the network's simulated time, and which of them a request or a customer's
settings allow.

Crews work every day from `from_hour` to `to_hour` (UTC) in back-to-back slots of `slot_hours`;
a slot is free while fewer appointments than there are crews are booked into it (confirmed or
inProgress, any customer's: the crews are shared). Slots start no sooner than `lead_s` after
the search and no later than `horizon_days` ahead.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.bus.rows import BusResourceRow
from cadenza.bus.settings import FieldForceSettings, FieldVisitSettings
from cadenza.bus.workforce import appointment
from cadenza.bus.workforce.store import appointments
from cadenza.core.clock import parse_iso

__all__ = ["Slot", "parse", "crew_slots", "busy_slots", "free_slots", "within", "allowed_by"]

Slot = tuple[float, float]  # start, end: POSIX seconds of simulated time
_HOUR = 3600.0


def parse(value: str) -> float:
    return parse_iso(value).timestamp()


def crew_slots(settings: FieldForceSettings, now_s: float) -> Iterator[Slot]:
    earliest, latest = now_s + settings.lead_s, now_s + settings.horizon_days * 86_400.0
    day = math.floor(earliest / 86_400.0) * 86_400.0
    length = settings.slot_hours * _HOUR
    while day < latest:
        start = day + settings.from_hour * _HOUR
        while start + length <= day + settings.to_hour * _HOUR and start < latest:
            if start >= earliest:
                yield start, start + length
            start += length
        day += 86_400.0


def busy_slots(session: Session, *, excluding: str | None = None) -> list[Slot]:
    """What the crews are booked for: every open appointment (`excluding` one being moved)."""
    rows = session.scalars(select(BusResourceRow).where(BusResourceRow.kind == appointments.kind,
                                                        BusResourceRow.state.in_(sorted(appointment.OPEN))))
    return [(parse(r.document["validFor"]["startDateTime"]), parse(r.document["validFor"]["endDateTime"]))
            for r in rows if r.id != excluding]


def free_slots(settings: FieldForceSettings, now_s: float, busy: Sequence[Slot]) -> Iterator[Slot]:
    for slot in crew_slots(settings, now_s):
        if sum(1 for b in busy if b[0] < slot[1] and slot[0] < b[1]) < settings.crews:
            yield slot


def within(slot: Slot, windows: Sequence[Slot]) -> bool:
    return any(w[0] <= slot[0] and slot[1] <= w[1] for w in windows)


def allowed_by(slot: Slot, visits: FieldVisitSettings) -> bool:
    """A slot the customer's settings allow: on one of its weekdays, inside its hours."""
    start = datetime.fromtimestamp(slot[0], UTC)
    day_start = start.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    return (start.weekday() in visits.weekdays and day_start + visits.from_hour * _HOUR <= slot[0]
            and slot[1] <= day_start + visits.to_hour * _HOUR)
