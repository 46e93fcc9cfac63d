"""The confirmation period (MEF 124 Table 9, `closed`): a resolved ticket the buyer neither
closes nor reopens closes by itself once the period agreed with the buyer has passed.

Each resolution of a ticket waits in a durable workflow of its own (`bus-ticket-confirm-<ticket
id>-<n>`, n counting the ticket's resolutions), so a restart neither loses the wait nor starts a
second one, and a ticket reopened and resolved again waits afresh: the old wait, ending, finds
the resolution it waited for superseded and does nothing. A ticket the buyer answered first is
no longer resolved and is left as it is.
"""

from __future__ import annotations

import logging

from dbos import DBOS

from cadenza.bus.trouble import ticket
from cadenza.bus.trouble.desk import TroubleDesk, close, resolutions
from cadenza.bus.trouble.store import tickets
from cadenza.core.clock import now, parse_iso
from cadenza.core.db import Database
from cadenza.core.workflows import durable_sleep, start_once

__all__ = ["desk_of", "register_desk", "wait_for_confirmation", "resume_confirmations"]

log = logging.getLogger(__name__)

# the desks of the domains in this process, by domain name: what a resumed workflow finds its desk by
_DESKS: dict[str, tuple[TroubleDesk, Database]] = {}


def desk_of(domain: str) -> TroubleDesk:
    return _DESKS[domain][0]


def register_desk(domain: str, desk: TroubleDesk, database: Database) -> None:
    _DESKS[domain] = (desk, database)
    desk.confirm_later = lambda ticket_id, resolution: wait_for_confirmation(domain, ticket_id, resolution)


def wait_for_confirmation(domain: str, ticket_id: str, resolution: int, *, wait_s: float | None = None) -> None:
    desk, _ = _DESKS[domain]
    start_once(close_unconfirmed_ticket, f"bus-ticket-confirm-{ticket_id}-{resolution}", domain, ticket_id,
               resolution, desk.confirmation_s if wait_s is None else wait_s)


@DBOS.workflow()
def close_unconfirmed_ticket(domain: str, ticket_id: str, resolution: int, wait_s: float) -> bool:
    durable_sleep(max(wait_s, 0.0))
    return close_ticket_if_unconfirmed(domain, ticket_id, resolution)


@DBOS.step()
def close_ticket_if_unconfirmed(domain: str, ticket_id: str, resolution: int) -> bool:
    desk, database = _DESKS[domain]
    with database.transaction() as session:
        row = tickets.get(session, ticket_id, None, for_update=True)
        if row.state != ticket.RESOLVED or resolutions(row) != resolution:
            return False  # the buyer answered, or this resolution was superseded
        close(session, desk, row, confirmed=False)
        log.info("trouble ticket %s closed: no answer within the confirmation period", ticket_id)
        return True


def resume_confirmations(domain: str) -> int:
    """At start: every resolved ticket has its wait (one the domain died before starting is
    started now, for what is left of the period)."""
    desk, database = _DESKS[domain]
    with database.read() as session:
        rows = [tickets.get(session, i, None) for i in tickets.ids_in(session, [ticket.RESOLVED])]
        waiting = [(row.id, resolutions(row), row.document.get("resolutionDate")) for row in rows]
    for ticket_id, resolution, resolved_at in waiting:
        passed = (now() - parse_iso(resolved_at)).total_seconds() \
            if resolved_at else 0.0
        wait_for_confirmation(domain, ticket_id, resolution, wait_s=desk.confirmation_s - passed)
    return len(waiting)
