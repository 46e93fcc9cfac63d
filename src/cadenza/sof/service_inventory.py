"""A service in SOF's inventory: Legato v5 `ServiceStateType`, verbatim.

`designed` when its components are decomposed and placed, `reserved` once the VLANs SOF
chooses are held, `active` after every component is configured and the end-to-end activation
test passed, `terminated` when it is deleted or its fulfilment failed (everything released;
kept as history). `inactive` is a deactivated service that can come back; `feasibilityChecked`
belongs to serviceability checks, which this SOF answers without keeping a record.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from cadenza.core.clock import now
from cadenza.core.errors import Conflict
from cadenza.core.notifications.outbox import publish
from cadenza.sof.channels import CUSTOMER_SERVICES, SERVICES
from cadenza.sof.rows import ServiceRow

__all__ = [
    "FEASIBILITY_CHECKED", "DESIGNED", "RESERVED", "INACTIVE", "ACTIVE", "TERMINATED", "STATES", "TRANSITIONS",
    "IllegalServiceTransition", "transition_to", "announce_created", "announce_changed",
]

FEASIBILITY_CHECKED = "feasibilityChecked"
DESIGNED = "designed"
RESERVED = "reserved"
INACTIVE = "inactive"
ACTIVE = "active"
TERMINATED = "terminated"
STATES = (FEASIBILITY_CHECKED, DESIGNED, RESERVED, INACTIVE, ACTIVE, TERMINATED)

TRANSITIONS: dict[str, frozenset[str]] = {
    FEASIBILITY_CHECKED: frozenset({DESIGNED, TERMINATED}),
    DESIGNED: frozenset({RESERVED, TERMINATED}),
    RESERVED: frozenset({ACTIVE, TERMINATED}),
    ACTIVE: frozenset({INACTIVE, TERMINATED}),
    INACTIVE: frozenset({ACTIVE, TERMINATED}),
    TERMINATED: frozenset(),
}


class IllegalServiceTransition(Conflict):
    pass


def _publish(session: Session, row: ServiceRow, event_type: str, wake: Callable[[], None] | None) -> None:
    channel = SERVICES[row.interface]
    publish(session, api=channel.api, event_type=event_type, party=row.party, wake=wake,
            listener_base_path=channel.listener_base,
            resource={"id": row.id, "href": channel.href("service", row.id)})
    if row.customer is not None:  # the customer hears of its own service over ALLEGRO
        resource = {"id": row.id, "href": CUSTOMER_SERVICES.href("service", row.id)}
        if event_type == "serviceStateChangeEvent":  # Allegro's state change payload carries the state
            resource["state"] = row.state
        publish(session, api=CUSTOMER_SERVICES.api, event_type=event_type, party=row.customer, wake=wake,
                listener_base_path=CUSTOMER_SERVICES.listener_base, resource=resource)


def announce_created(session: Session, row: ServiceRow, *, wake: Callable[[], None] | None = None) -> None:
    _publish(session, row, "serviceCreateEvent", wake)


def announce_changed(session: Session, row: ServiceRow, *, wake: Callable[[], None] | None = None) -> None:
    """An attribute (e.g. the bandwidth) changed while the state did not."""
    row.updated_at = now()
    _publish(session, row, "serviceAttributeValueChangeEvent", wake)


def transition_to(session: Session, row: ServiceRow, target: str, *, reason: str | None = None,
                  wake: Callable[[], None] | None = None) -> None:
    if target not in TRANSITIONS[row.state]:
        raise IllegalServiceTransition(f"Service {row.id} is {row.state}; it cannot become {target}")
    row.state = target
    row.reason = reason
    row.updated_at = now()
    if target == ACTIVE and row.start_date is None:
        row.start_date = row.updated_at
    if target == TERMINATED:
        row.end_date = row.updated_at
    _publish(session, row, "serviceStateChangeEvent", wake)
    if target == TERMINATED:
        _publish(session, row, "serviceDeleteEvent", wake)
