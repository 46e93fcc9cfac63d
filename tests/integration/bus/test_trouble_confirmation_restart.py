"""The confirmation period is a durable wait: a domain stopped while a resolved ticket waits for
its buyer closes the ticket once the period has passed after it starts again, and a ticket
resolved just before a crash that lost its wait gets one at start; each closes once."""

from __future__ import annotations

from pathlib import Path

from cadenza.bus.trouble import desk as trouble
from cadenza.bus.trouble import ticket
from cadenza.bus.trouble.confirmation import desk_of
from cadenza.bus.trouble.store import tickets
from cadenza.core.db import Database
from tests.helpers.servers import wait_until
from tests.integration.bus.trouble_domain import CONFIRMATION_S, TroubleDomain, running_domain


def _resolved(served: TroubleDomain, *, wait: bool) -> str:
    assert served.domain.business is not None
    desk = desk_of(served.domain.business.bus.name)
    payload = {"description": "Frames lost", "observedImpact": "degraded", "priority": "high", "severity": "moderate",
               "ticketType": "assistance",
               "relatedEntity": [{"@referredType": "Product", "id": served.products["acme-corp"], "role": "x"}],
               "relatedContactInformation": [{"role": "reporterContact", "name": "N", "number": "1",
                                              "emailAddress": "n@example.com"}]}
    confirm_later = desk.confirm_later
    if not wait:  # the process dies after the commit, before the wait starts
        desk.confirm_later = None
    try:
        with served.database.transaction() as session:
            row = trouble.open_ticket(session, desk, desk.apis["cantata"], "acme-corp", payload)
            ticket.transition_to(session, row, ticket.IN_PROGRESS, reason="looking")
            trouble.resolve(session, desk, row, "the port was reset")
            return row.id
    finally:
        desk.confirm_later = confirm_later


def test_a_resolved_ticket_closes_unconfirmed_after_a_restart_and_only_once(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'domain.db'}"
    with running_domain(tmp_path, database_url) as served:
        waiting, lost = _resolved(served, wait=True), _resolved(served, wait=False)
    stopped = Database(database_url)  # stopped within the period: neither has closed
    with stopped.read() as session:
        assert [tickets.get(session, t, None).state for t in (waiting, lost)] == [ticket.RESOLVED] * 2
    stopped.dispose()
    with running_domain(tmp_path, database_url, products=False) as served:
        def closed() -> bool:
            with served.database.read() as session:
                return all(tickets.get(session, t, None).state == ticket.CLOSED for t in (waiting, lost))

        wait_until(closed, timeout=CONFIRMATION_S + 60, interval=0.3, what="both tickets to close unconfirmed")
        with served.database.read() as session:
            for ticket_id in (waiting, lost):
                moves = [c["status"] for c in tickets.get(session, ticket_id, None).document["statusChange"]]
                assert moves == ["acknowledged", "inProgress", "resolved", "closed"], moves
