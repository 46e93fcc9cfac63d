"""The appointment's states, as MEF 137 Figure 11 draws them (appointmentStates.puml), and the
one way to move an appointment between them.

    [*] -> confirmed ──> inProgress ──> completed      (the visit took place)
              │  ↺            ├──────> missed          (it did not: the seller's issue)
              │ (rescheduled) └──────> failed          (it did not: the buyer's issue)
              └──> cancelled                           (buyer or seller cancels)

`inProgress` is the point of no return: from there the appointment can no longer be cancelled.
Every move publishes `appointmentStatusChangeEvent` (R28); the seller's own changes of notes or
of its contact without a move publish `appointmentAttributeValueChangeEvent` (R29).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus.rows import BusResourceRow
from cadenza.bus.workforce.apis import workforce_api
from cadenza.bus.workforce.store import appointments
from cadenza.core.errors import Unprocessable
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.cantata.workforce import (
    APPOINTMENT_ATTRIBUTE_VALUE_CHANGE_EVENT,
    APPOINTMENT_STATUS_CHANGE_EVENT,
)

__all__ = ["CONFIRMED", "IN_PROGRESS", "CANCELLED", "MISSED", "FAILED", "COMPLETED", "TRANSITIONS", "TERMINAL",
           "OPEN", "IllegalAppointmentTransition", "announce", "update", "transition_to"]

# AppointmentStatusType, verbatim
CONFIRMED = "confirmed"
IN_PROGRESS = "inProgress"
CANCELLED = "cancelled"
MISSED = "missed"
FAILED = "failed"
COMPLETED = "completed"
TRANSITIONS: dict[str, frozenset[str]] = {
    CONFIRMED: frozenset({IN_PROGRESS, CANCELLED}),
    IN_PROGRESS: frozenset({COMPLETED, MISSED, FAILED}),
    CANCELLED: frozenset(),
    MISSED: frozenset(),
    FAILED: frozenset(),
    COMPLETED: frozenset(),
}
TERMINAL = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)
OPEN = frozenset({CONFIRMED, IN_PROGRESS})  # R20: a work order has at most one of these


class IllegalAppointmentTransition(Unprocessable):
    """A move the diagram does not allow (422, as R40 and R46 answer the buyer's)."""


def announce(session: Session, row: BusResourceRow, event_type: str, wake: Callable[[], None] | None) -> None:
    # R60-R61: only the buyer whose appointment it is hears of it
    api = workforce_api(row.family)
    publish(session, api=api.appointment_api, event_type=event_type, listener_base_path=api.appointment_listener_base,
            resource={"id": row.id, "href": row.document["href"]}, party=row.owner, wake=wake)


def update(session: Session, row: BusResourceRow, changes: Mapping[str, Any], *,
           wake: Callable[[], None] | None = None) -> None:
    """The seller changes its attributes (a note, its contact) without a move (R29)."""
    appointments.save(row, {**row.document, **changes})
    announce(session, row, APPOINTMENT_ATTRIBUTE_VALUE_CHANGE_EVENT, wake)


def transition_to(session: Session, row: BusResourceRow, target: str, *, changes: Mapping[str, Any] | None = None,
                  wake: Callable[[], None] | None = None) -> None:
    if target not in TRANSITIONS[row.state]:
        raise IllegalAppointmentTransition(f"Appointment {row.id} is {row.state}: it cannot become {target}",
                                           property_path="/status")
    appointments.save(row, {**row.document, **(changes or {}), "status": target}, state=target)
    announce(session, row, APPOINTMENT_STATUS_CHANGE_EVENT, wake)
