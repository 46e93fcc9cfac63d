"""The service order and its items: Legato v5 `ServiceOrderStateType`, used verbatim for both
(the spec gives items the same enum).

Cadenza's SOF decides at once whether it can accept an order (a bad one is answered 422 and
never stored, so `rejected` is never reached); accepted orders are `acknowledged`, worked
`inProgress`, and end `completed` or `failed` per item, the order `completed`, `failed` or
`partial` from its items. A problem it cannot solve ends the item `failed` with a termination
error a person can act on. An item whose partner does not answer is `held` (the spec's "cannot
be progressed due to an issue ... upon resolution ... will continue to progress"), and so is
its order while any item is, with a note saying what it waits for; it goes back `inProgress`
when the partner answers, or `failed` once the partner's patience is spent. SOF never parks an
order in `pending`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from cadenza.core.clock import now
from cadenza.core.errors import Conflict
from cadenza.core.notifications.outbox import publish
from cadenza.sof.channels import ORDERS
from cadenza.sof.rows import ServiceOrderItemRow, ServiceOrderRow

__all__ = [
    "ACKNOWLEDGED", "REJECTED", "PENDING", "HELD", "IN_PROGRESS", "COMPLETED", "FAILED", "PARTIAL",
    "STATES", "TRANSITIONS", "FINAL", "IllegalOrderTransition", "transition_to", "item_transition_to",
    "announce_created", "outcome",
]

ACKNOWLEDGED = "acknowledged"
REJECTED = "rejected"
PENDING = "pending"
HELD = "held"
IN_PROGRESS = "inProgress"
COMPLETED = "completed"
FAILED = "failed"
PARTIAL = "partial"
STATES = (ACKNOWLEDGED, REJECTED, PENDING, HELD, IN_PROGRESS, COMPLETED, FAILED, PARTIAL)

TRANSITIONS: dict[str, frozenset[str]] = {
    # an item cancelled before its turn goes straight to failed
    ACKNOWLEDGED: frozenset({IN_PROGRESS, FAILED}),
    IN_PROGRESS: frozenset({COMPLETED, FAILED, PARTIAL, HELD}),
    REJECTED: frozenset(),
    PENDING: frozenset(),
    # items: back to work, or given up on; an order leaves held (to inProgress) with its last held item
    HELD: frozenset({IN_PROGRESS, FAILED}),
    COMPLETED: frozenset(),
    FAILED: frozenset(),
    PARTIAL: frozenset(),
}
FINAL = frozenset({REJECTED, COMPLETED, FAILED, PARTIAL})

ORDER_STATE_CHANGE = "serviceOrderStateChangeEvent"
ITEM_STATE_CHANGE = "serviceOrderItemStateChangeEvent"
ORDER_CREATE = "serviceOrderCreateEvent"


class IllegalOrderTransition(Conflict):
    pass


def _check(kind: str, ident: str, state: str, target: str) -> None:
    if target not in TRANSITIONS[state]:
        raise IllegalOrderTransition(f"{kind} {ident} is {state}; it cannot become {target}")


def _publish(session: Session, order: ServiceOrderRow, event_type: str, item: ServiceOrderItemRow | None,
             wake: Callable[[], None] | None) -> None:
    channel = ORDERS[order.interface]
    resource = {"id": order.id, "href": channel.href("serviceOrder", order.id)}
    if item is not None:
        resource["orderItemId"] = item.item_id
    if channel.states_in_events and event_type != ORDER_CREATE:
        resource["state"] = item.state if item is not None else order.state
    publish(session, api=channel.api, event_type=event_type, resource=resource,
            listener_base_path=channel.listener_base, party=order.party, wake=wake)


def announce_created(session: Session, order: ServiceOrderRow, *, wake: Callable[[], None] | None = None) -> None:
    _publish(session, order, ORDER_CREATE, None, wake)


def transition_to(session: Session, order: ServiceOrderRow, target: str, *,
                  wake: Callable[[], None] | None = None) -> None:
    _check("Service order", order.id, order.state, target)
    order.state = target
    if target == IN_PROGRESS and order.start_date is None:
        order.start_date = now()
    if target in FINAL:
        order.completion_date = now()
    _publish(session, order, ORDER_STATE_CHANGE, None, wake)


def item_transition_to(session: Session, order: ServiceOrderRow, item: ServiceOrderItemRow, target: str, *,
                       error: dict[str, str] | None = None, wake: Callable[[], None] | None = None) -> None:
    _check("Service order item", f"{order.id}/{item.item_id}", item.state, target)
    item.state = target
    if error is not None:
        item.termination_error = [*(item.termination_error or []), error]
    _publish(session, order, ITEM_STATE_CHANGE, item, wake)


def outcome(item_states: Sequence[str]) -> str:
    """The order's final state from its items' (Legato: all completed, all failed, or partial)."""
    if all(s == COMPLETED for s in item_states):
        return COMPLETED
    if all(s == FAILED for s in item_states):
        return FAILED
    return PARTIAL
