"""The work order's states, as MEF 137 Figure 17 draws them (useCase14WorkOrderStates.puml),
and the one way to move a work order between them.

    [*] -> open ──> planned ──> inProgress ──> completed          (all tasks done)
             │  ▲      │             └──────> unableToComplete   (some could not be done)
             │  └──────┤  (R49: the appointment was cancelled; a new one is needed)
             └─────────┴──> cancelled

`open -> inProgress` (work with no visit to book) is in the diagram; Cadenza's field work
always books a visit, so its work orders pass through `planned`. `planned -> open` is not
drawn but MEF 137 R49 requires it when the buyer cancels the appointment.

A new work order publishes `workOrderCreateEvent` (R56), every move `workOrderStateChangeEvent`
(R57), and setting `appointmentRequired` to true `workOrderAppointmentRequiredEvent` (R58).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus.rows import BusResourceRow
from cadenza.bus.workforce.apis import workforce_api
from cadenza.bus.workforce.store import work_orders
from cadenza.core.errors import Unprocessable
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.cantata.workforce import (
    WORK_ORDER_APPOINTMENT_REQUIRED_EVENT,
    WORK_ORDER_CREATE_EVENT,
    WORK_ORDER_STATE_CHANGE_EVENT,
)

__all__ = ["OPEN", "PLANNED", "IN_PROGRESS", "COMPLETED", "CANCELLED", "UNABLE_TO_COMPLETE", "TRANSITIONS",
           "TERMINAL", "IllegalWorkOrderTransition", "announce", "add", "transition_to", "update"]

# WorkOrderStateType, verbatim
OPEN = "open"
PLANNED = "planned"
IN_PROGRESS = "inProgress"
COMPLETED = "completed"
CANCELLED = "cancelled"
UNABLE_TO_COMPLETE = "unableToComplete"
TRANSITIONS: dict[str, frozenset[str]] = {
    OPEN: frozenset({PLANNED, IN_PROGRESS, CANCELLED}),
    PLANNED: frozenset({IN_PROGRESS, CANCELLED, OPEN}),
    IN_PROGRESS: frozenset({COMPLETED, UNABLE_TO_COMPLETE}),
    COMPLETED: frozenset(),
    CANCELLED: frozenset(),
    UNABLE_TO_COMPLETE: frozenset(),
}
TERMINAL = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)


class IllegalWorkOrderTransition(Unprocessable):
    """A move the diagram does not allow (MEF 137 answers business rule breaches with 422)."""


def announce(session: Session, row: BusResourceRow, event_type: str, wake: Callable[[], None] | None) -> None:
    # R62-R63: only the buyer whose ticket the work is for hears of it
    api = workforce_api(row.family)
    publish(session, api=api.work_order_api, event_type=event_type, listener_base_path=api.work_order_listener_base,
            resource={"id": row.id, "href": row.document["href"]}, party=row.owner, wake=wake)


def add(session: Session, *, family: str, owner: str, base_url: str, document: dict[str, Any],
        wake: Callable[[], None] | None = None) -> BusResourceRow:
    """A new work order, `open` (R56; R58 when it needs an appointment)."""
    row = work_orders.add(session, family=family, owner=owner, state=OPEN, document={**document, "state": OPEN})
    href = f"{base_url}{workforce_api(family).work_order_base}/workorder/{row.id}"
    work_orders.save(row, {"id": row.id, "href": href, **row.document})
    announce(session, row, WORK_ORDER_CREATE_EVENT, wake)
    if row.document.get("appointmentRequired"):
        announce(session, row, WORK_ORDER_APPOINTMENT_REQUIRED_EVENT, wake)
    return row


def update(session: Session, row: BusResourceRow, changes: Mapping[str, Any], *,
           wake: Callable[[], None] | None = None) -> None:
    """Change attributes without a move; R58 when `appointmentRequired` becomes true."""
    required_before = bool(row.document.get("appointmentRequired"))
    work_orders.save(row, {**row.document, **changes})
    if row.document.get("appointmentRequired") and not required_before:
        announce(session, row, WORK_ORDER_APPOINTMENT_REQUIRED_EVENT, wake)


def transition_to(session: Session, row: BusResourceRow, target: str, *, changes: Mapping[str, Any] | None = None,
                  wake: Callable[[], None] | None = None) -> None:
    """Move the work order to `target` with the attributes that change with it, and tell its buyer."""
    if target not in TRANSITIONS[row.state]:
        raise IllegalWorkOrderTransition(f"Work order {row.id} is {row.state}: it cannot become {target}",
                                         property_path="/state")
    required_before = bool(row.document.get("appointmentRequired"))
    work_orders.save(row, {**row.document, **(changes or {}), "state": target}, state=target)
    announce(session, row, WORK_ORDER_STATE_CHANGE_EVENT, wake)
    if row.document.get("appointmentRequired") and not required_before:
        announce(session, row, WORK_ORDER_APPOINTMENT_REQUIRED_EVENT, wake)
