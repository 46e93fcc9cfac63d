"""A trouble report of one service, as SOF diagnoses and remedies it (the states and their moves
are declared once, in interfaces/legato/trouble_report.py, beside the contract the BUS reads).

Every report opened, every move and the findings added are told to the BUS that reported it,
over LEGATO, from the outbox in the same transaction: a BUS that is down hears of it when back.
The findings one transaction adds are told once: the event only names the report, which the BUS
reads whole, so a diagnosis recording six findings with its move no longer has it read seven times.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.db import per_transaction
from cadenza.core.errors import Conflict
from cadenza.core.ids import new_id
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.legato import trouble_report as contract
from cadenza.sof.trouble.rows import TroubleReportRow

__all__ = ["IllegalTroubleReportTransition", "open_report", "add_finding", "transition_to", "view"]


class IllegalTroubleReportTransition(Conflict):
    pass


def _announce(session: Session, row: TroubleReportRow, event_type: str, wake: Callable[[], None] | None) -> None:
    publish(session, api=contract.TROUBLE_REPORT_API, event_type=event_type,
            listener_base_path=contract.TROUBLE_REPORT_LISTENER_BASE,
            resource={"id": row.id, "href": contract.trouble_report_href(row.id)}, party=row.party, wake=wake)


def open_report(session: Session, *, party: str, service_id: str, ticket_id: str, attempt: int, description: str,
                wake: Callable[[], None] | None = None) -> tuple[TroubleReportRow, bool]:
    """The report of (service, ticket, attempt), opened `acknowledged` unless it exists (then False)."""
    found = session.scalars(select(TroubleReportRow).where(TroubleReportRow.service_id == service_id,
                                                           TroubleReportRow.ticket_id == ticket_id,
                                                           TroubleReportRow.attempt == attempt)).first()
    if found is not None:
        return found, False
    moment = now()
    row = TroubleReportRow(id=new_id(), party=party, service_id=service_id, ticket_id=ticket_id,
                           attempt=attempt, description=description, state=contract.ACKNOWLEDGED, cause=None,
                           partner=None, partner_reference=None, remedy=None, findings=[],
                           history=[{"at": iso(moment), "state": contract.ACKNOWLEDGED,
                                     "why": "the BUS reported trouble on the service"}],
                           created_at=moment, updated_at=moment)
    session.add(row)
    session.flush()
    _announce(session, row, contract.TROUBLE_REPORT_CREATE_EVENT, wake)
    return row, True


def add_finding(session: Session, row: TroubleReportRow, step: str, text: str, *,
                wake: Callable[[], None] | None = None) -> None:
    row.findings = [*row.findings, {"at": iso(), "step": step, "text": text[:4000]}]
    row.updated_at = now()
    told: set[str] = per_transaction(session, "trouble_report_findings_told", set)
    if row.id not in told:
        told.add(row.id)
        _announce(session, row, contract.TROUBLE_REPORT_FINDING_EVENT, wake)


def add_remedy_once(session: Session, report_id: str, text: str, *, wake: Callable[[], None] | None = None) -> None:
    """The remedy's finding on a report still remediating, unless it has one: a remedy step
    replayed after a crash asks its ICM again (which then changes nothing) but says it once."""
    row = session.get(TroubleReportRow, report_id)
    if row is not None and row.state == contract.REMEDIATING and not any(
            f["step"] == "remedy" for f in row.findings):
        add_finding(session, row, "remedy", text, wake=wake)


def transition_to(session: Session, row: TroubleReportRow, target: str, *, why: str,
                  changes: dict[str, Any] | None = None, wake: Callable[[], None] | None = None) -> None:
    if target not in contract.TRANSITIONS[row.state]:
        raise IllegalTroubleReportTransition(f"Trouble report {row.id} is {row.state}: it cannot become {target}")
    for name, value in (changes or {}).items():
        setattr(row, name, value)
    row.state, row.updated_at = target, now()
    row.history = [*row.history, {"at": iso(), "state": target, "why": why[:4000]}]
    _announce(session, row, contract.TROUBLE_REPORT_STATE_CHANGE_EVENT, wake)


def view(row: TroubleReportRow) -> dict[str, Any]:
    return {"id": row.id, "href": contract.trouble_report_href(row.id), "serviceId": row.service_id,
            "ticketId": row.ticket_id, "attempt": row.attempt, "description": row.description, "state": row.state,
            "cause": row.cause, "partner": row.partner, "partnerReference": row.partner_reference,
            "remedy": row.remedy,
            "findings": list(row.findings), "history": list(row.history),
            "creationDate": iso(row.created_at.astimezone(UTC)), "lastUpdate": iso(row.updated_at.astimezone(UTC))}
