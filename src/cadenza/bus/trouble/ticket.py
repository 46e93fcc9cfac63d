"""The trouble ticket's states, exactly as MEF 124 Figure 9 draws them (troubleTicketStates.puml),
and the one way to move a ticket between them.

    [*] -> acknowledged -> inProgress <-> pending
              │              │  ▲  │         │
              │              │  │  └─> resolved ─> closed        (buyer confirms, or no answer in time)
              │              │  │         │
              │              │  └── reopened <┘                  (buyer rejects the resolution)
              └──────────────┴─────────────────> assessingCancellation -> cancelled
                                                 (from acknowledged, inProgress, pending)

Every change of `status` publishes `troubleTicketStatusChangeEvent` (R62); reaching `resolved`
also `troubleTicketResolvedEvent` (R66) and `pending` also `troubleTicketInformationRequiredEvent`
(R64: the ticket has no work orders, so none needs an appointment). A change the seller makes to
its own attributes without a move (a note, `sellerPriority`, a related issue) publishes
`troubleTicketAttributeValueChangeEvent` (R61); the buyer's own patches publish none (Table 11).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus.rows import BusResourceRow
from cadenza.bus.trouble.store import tickets
from cadenza.core.clock import iso
from cadenza.core.errors import Unprocessable
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.cantata.trouble_ticket import (
    TICKET_ATTRIBUTE_VALUE_CHANGE_EVENT,
    TICKET_INFORMATION_REQUIRED_EVENT,
    TICKET_RESOLVED_EVENT,
    TICKET_STATUS_CHANGE_EVENT,
    TROUBLE_TICKET_API,
    TROUBLE_TICKET_BASE,
    TROUBLE_TICKET_LISTENER_BASE,
)
from cadenza.interfaces.sonata.trouble_ticket import (
    SONATA_TROUBLE_TICKET_API,
    SONATA_TROUBLE_TICKET_BASE,
    SONATA_TROUBLE_TICKET_LISTENER_BASE,
)

__all__ = ["ACKNOWLEDGED", "IN_PROGRESS", "PENDING", "RESOLVED", "CLOSED", "REOPENED", "ASSESSING_CANCELLATION",
           "CANCELLED", "TRANSITIONS", "TERMINAL", "OPEN", "TicketApi", "CANTATA_TICKETS", "SONATA_TICKETS",
           "ticket_api", "IllegalTicketTransition", "announce", "seller_note", "update", "transition_to"]

# TroubleTicketStatusType, verbatim
ACKNOWLEDGED = "acknowledged"
IN_PROGRESS = "inProgress"
PENDING = "pending"
RESOLVED = "resolved"
CLOSED = "closed"
REOPENED = "reopened"
ASSESSING_CANCELLATION = "assessingCancellation"
CANCELLED = "cancelled"
TRANSITIONS: dict[str, frozenset[str]] = {
    ACKNOWLEDGED: frozenset({IN_PROGRESS, ASSESSING_CANCELLATION}),
    IN_PROGRESS: frozenset({PENDING, RESOLVED, ASSESSING_CANCELLATION}),
    PENDING: frozenset({IN_PROGRESS, ASSESSING_CANCELLATION}),
    RESOLVED: frozenset({CLOSED, REOPENED}),
    REOPENED: frozenset({IN_PROGRESS}),
    ASSESSING_CANCELLATION: frozenset({CANCELLED}),
    CLOSED: frozenset(),
    CANCELLED: frozenset(),
}
TERMINAL = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)
OPEN = frozenset(TRANSITIONS) - TERMINAL
# what each move tells besides the status change (R64, R66)
_ALSO: dict[str, str] = {RESOLVED: TICKET_RESOLVED_EVENT, PENDING: TICKET_INFORMATION_REQUIRED_EVENT}


@dataclass(frozen=True, slots=True)
class TicketApi:
    """Where one family's tickets are served and heard of."""

    family: str  # the row's family: cantata (a customer) or sonata (a provider buying from us)
    base: str
    listener_base: str
    api: str  # the hub's API name
    scope: str


CANTATA_TICKETS = TicketApi("cantata", TROUBLE_TICKET_BASE, TROUBLE_TICKET_LISTENER_BASE, TROUBLE_TICKET_API,
                            "cantata")
SONATA_TICKETS = TicketApi("sonata", SONATA_TROUBLE_TICKET_BASE, SONATA_TROUBLE_TICKET_LISTENER_BASE,
                           SONATA_TROUBLE_TICKET_API, "sonata")


def ticket_api(family: str) -> TicketApi:
    return {"cantata": CANTATA_TICKETS, "sonata": SONATA_TICKETS}[family]


class IllegalTicketTransition(Unprocessable):
    """MEF 124 answers a move the diagram does not allow with 422 (R35, R40)."""


def announce(session: Session, row: BusResourceRow, event_type: str, wake: Callable[[], None] | None) -> None:
    # only the buyer who opened the ticket hears of it
    api = ticket_api(row.family)
    publish(session, api=api.api, event_type=event_type, listener_base_path=api.listener_base,
            resource={"id": row.id, "href": row.document["href"]}, party=row.owner, wake=wake)


def seller_note(row: BusResourceRow, author: str, text: str, *, at: str | None = None) -> dict[str, Any]:
    """A note the seller adds (R18: source seller), numbered after the ones there are."""
    notes = row.document.get("note") or []
    return {"id": f"seller-{len(notes) + 1}", "author": author, "date": at or iso(), "source": "seller",
            "text": text[:4000]}


def update(session: Session, row: BusResourceRow, changes: Mapping[str, Any], *,
           wake: Callable[[], None] | None = None) -> None:
    """The seller changes its attributes of the ticket without moving it (R61)."""
    tickets.save(row, {**row.document, **changes})
    announce(session, row, TICKET_ATTRIBUTE_VALUE_CHANGE_EVENT, wake)


def transition_to(session: Session, row: BusResourceRow, target: str, *, reason: str,
                  changes: Mapping[str, Any] | None = None, at: str | None = None,
                  wake: Callable[[], None] | None = None) -> None:
    """Move the ticket to `target` (a `statusChange` entry with `reason`), with the attributes
    that change with it, and tell its buyer."""
    if target not in TRANSITIONS[row.state]:
        raise IllegalTicketTransition(f"Trouble ticket {row.id} is {row.state}: it cannot become {target}",
                                      property_path="/status")
    moment = at or iso()
    document = {**row.document, **(changes or {}), "status": target,
                "statusChange": [*row.document.get("statusChange", []),
                                 {"status": target, "changeDate": moment, "changeReason": reason[:4000]}]}
    if target == RESOLVED:
        document["resolutionDate"] = moment
    tickets.save(row, document, state=target)
    announce(session, row, TICKET_STATUS_CHANGE_EVENT, wake)
    if target in _ALSO:
        announce(session, row, _ALSO[target], wake)
