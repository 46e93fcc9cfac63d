"""The BUS's part of diagnosing a ticket (MEF 55.0.1 §10.5 steps 2-3 and 11): the product the
ticket names is mapped to the service realising it, SOF is asked over LEGATO to diagnose it
(interfaces/legato/trouble_report.py), and what SOF finds and does is brought onto the ticket
(notes, state), which tells the customer over CANTATA.

- `ask_sof` is the desk's `diagnose` hook (bus/trouble/desk.py `take_up`): the ticket goes
  `inProgress` and a durable workflow (`bus-ticket-diagnose-<ticket>-<take-up>`) reports each
  service to SOF, so a restart neither loses the request nor makes it twice (SOF answers the
  same service, ticket and take-up with the report it has).
- `hear` follows a report when SOF's hub tells of a change: each finding becomes one seller note
  (`id` `diagnosis-<report>-<n>`, so a repeated or late event adds nothing twice), and the end
  of the report moves the ticket: `resolved` (SOF fixed it), field work (a site visit is needed:
  bus/workforce/field.py `dispatch_field_work` for the element, access port or link SOF named), a linked
  ticket at the partner (the partner's segment: bus/trouble/partner.py), `pending` (no trouble
  was found: the customer is asked what it still sees).
  A report of an earlier take-up (the ticket was reopened since) adds its notes only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from dbos import DBOS
from sqlalchemy.orm import Session

from cadenza.bus.product_inventory import products, serving_service
from cadenza.bus.rows import BusResourceRow
from cadenza.bus.runtime import bus_of
from cadenza.bus.trouble import ticket
from cadenza.bus.trouble.confirmation import desk_of
from cadenza.bus.trouble.desk import TroubleDesk, require_information, resolve
from cadenza.bus.trouble.partner import open_at_partner
from cadenza.bus.trouble.records import record_diagnosis
from cadenza.bus.trouble.store import tickets
from cadenza.bus.workforce.field import dispatch_field_work
from cadenza.bus.workforce.force import Fault
from cadenza.core.clock import iso
from cadenza.core.db import Database
from cadenza.core.errors import NotFound, Unprocessable
from cadenza.core.workflows import retry_unless_stopping, start_once
from cadenza.interfaces.legato import trouble_report as contract
from cadenza.interfaces.legato.client import LegatoClient, LegatoRejected, read_if_shown

__all__ = ["ask_sof", "take_up_count", "hear", "apply_report"]

log = logging.getLogger(__name__)
_RETRY = {"retries_allowed": True, "max_attempts": 8, "interval_seconds": 1.0, "backoff_rate": 2.0,
          "should_retry": retry_unless_stopping}


def take_up_count(row: BusResourceRow) -> int:
    """Which take-up of the ticket this is: 1, then one more per reopening."""
    return 1 + sum(1 for change in row.document.get("statusChange") or [] if change["status"] == ticket.REOPENED)


def _services_of(session: Session, row: BusResourceRow) -> list[tuple[str, str]]:
    """(product id, service id) of each product the ticket names that a service realises."""
    found = []
    for entity in row.document.get("relatedEntity") or []:
        if (entity.get("@referredType") or "Product") != "Product":
            continue
        product = session.get(BusResourceRow, entity["id"])
        service = serving_service(product) if product is not None and product.kind == products.kind else None
        if service:
            found.append((entity["id"], service))
    return found


def ask_sof(domain: str) -> Callable[[Session, BusResourceRow], None]:
    """The desk's `diagnose` hook for the domain `domain`."""

    def diagnose(session: Session, row: BusResourceRow) -> None:
        desk = desk_of(domain)
        services = _services_of(session, row)
        if not services:  # a product no service realises (not delivered yet): nothing to diagnose, it waits
            log.info("trouble ticket %s: its products have no service to diagnose", row.id)
            return
        attempt = take_up_count(row)
        named = ", ".join(f"product {p} (service {s})" for p, s in services)
        note = ticket.seller_note(row, desk.author, f"We are diagnosing {named} across our network and our "
                                                    "partners': alarms, performance, configuration and segment tests")
        ticket.transition_to(session, row, ticket.IN_PROGRESS, reason=f"diagnosing {named}", wake=desk.wake,
                             changes={"note": [*(row.document.get("note") or []), note]})
        start_once(bus_ticket_diagnose, f"bus-ticket-diagnose-{row.id}-{attempt}", domain, row.id, attempt,
                   [s for _, s in services], str(row.document.get("description", "")))

    return diagnose


@DBOS.workflow()
def bus_ticket_diagnose(domain: str, ticket_id: str, attempt: int, service_ids: list[str], description: str) -> None:
    for service_id in service_ids:
        bus_ticket_report_service(domain, ticket_id, attempt, service_id, description)


@DBOS.step(**_RETRY)
def bus_ticket_report_service(domain: str, ticket_id: str, attempt: int, service_id: str, description: str) -> str:
    """Step 3: SOF is asked to diagnose one service; a refusal is told to the buyer."""
    bus = bus_of(domain)
    try:
        made = bus.legato.create_trouble_report(service_id, ticket_id, attempt=attempt, description=description)
    except LegatoRejected as exc:
        desk = desk_of(domain)
        with bus.database.transaction() as session:
            row = tickets.get(session, ticket_id, None, for_update=True)
            if row.state == ticket.IN_PROGRESS and take_up_count(row) == attempt:
                require_information(session, desk, row, f"service {service_id} cannot be diagnosed now "
                                                        f"({exc.reason}); tell us what you observe")
        return "refused"
    return made.id


def _note(report: contract.TroubleReport, index: int, finding: contract.Finding) -> dict[str, Any]:
    return {"id": f"diagnosis-{report.id}-{index + 1}", "author": "service assurance", "date": finding.at,
            "source": "seller", "text": finding.text[:4000]}


def _cause(report: contract.TroubleReport) -> str:
    """The kind of cause, as repair statistics group them."""
    if report.state == contract.NO_TROUBLE_FOUND:
        return "no trouble found"
    if report.state == contract.PARTNER_TROUBLE:
        return "partner segment"
    kind = (report.cause or "").partition(" ")[0]
    named = {"link": "link down or degraded", "element": "element down", "port": "access port down"}
    return named.get(kind, report.cause or "unknown")


def _fault(report: contract.TroubleReport) -> Fault | None:
    """What the technician is to repair, from where SOF located it ("element x", "link a|b")."""
    kind, _, where = (report.cause or "").partition(" ")
    description = report.remedy or report.cause or ""
    if kind == "element" and where:
        return Fault(kind="element", element=where, description=description)
    if kind == "port" and ":" in where:  # an access port: "port pe-e1:ge-0/0/1"
        element, port = where.split(":", 1)
        return Fault(kind="port", element=element, port=port, description=description)
    if kind == "link" and "|" in where:
        near, far = where.split("|", 1)
        return Fault(kind="link", element=near, far_end=far, description=description)
    return None


def _send_technician(session: Session, desk: TroubleDesk, row: BusResourceRow, report: contract.TroubleReport,
                     domain: str | None) -> None:
    fault = _fault(report)
    if domain is not None and fault is not None:
        try:
            dispatch_field_work(session, domain, row.id, fault)
            return
        except (Unprocessable, KeyError) as exc:  # KeyError: no workforce in this process
            log.info("trouble ticket %s: no field work sent: %s", row.id, exc)
    ticket.transition_to(session, row, ticket.PENDING, wake=desk.wake,
                         reason=f"needs a site visit: {report.remedy or report.cause}",
                         changes={"note": [*row.document.get("note", []), ticket.seller_note(
                             row, desk.author, f"Needs a site visit: {report.remedy}.", at=iso())]})


def apply_report(session: Session, desk: TroubleDesk, report: contract.TroubleReport, *,
                 domain: str | None = None) -> None:
    """Bring the ticket up to date with what SOF says of one of its services."""
    try:
        row = tickets.get(session, report.ticket_id, None, for_update=True)
    except NotFound:
        log.info("trouble report %s names ticket %s, which is gone", report.id, report.ticket_id)
        return
    notes = list(row.document.get("note") or [])
    known = {n.get("id") for n in notes}
    fresh = [_note(report, i, f) for i, f in enumerate(report.findings)
             if f"diagnosis-{report.id}-{i + 1}" not in known]
    if fresh and row.state not in ticket.TERMINAL:
        ticket.update(session, row, {"note": [*notes, *fresh]}, wake=desk.wake)
    if report.attempt != take_up_count(row) or row.state != ticket.IN_PROGRESS:
        return  # an earlier take-up's report, or the ticket has moved on (cancelled, resolved)
    if report.state in contract.FINISHED:  # for the repair statistics (cadenza trouble stats)
        record_diagnosis(session, row, cause=_cause(report), partner=report.partner)
    if report.state == contract.RESOLVED:
        resolve(session, desk, row, report.remedy or "the trouble was found and fixed")
    elif report.state == contract.NEEDS_SITE_VISIT and not row.document.get("workOrder"):
        _send_technician(session, desk, row, report, domain)
    elif report.state == contract.PARTNER_TROUBLE and report.partner and domain is not None:
        open_at_partner(domain, row, report.attempt, report.partner, report.partner_reference,
                        report.remedy or report.cause or "")
    elif report.state == contract.NO_TROUBLE_FOUND:
        require_information(session, desk, row, f"we found no fault ({report.remedy}); tell us what you still "
                                                "observe, and since when")


def hear(legato: LegatoClient, desk: TroubleDesk, database: Database, report_id: str, *,
         domain: str | None = None) -> None:
    """SOF said report `report_id` changed: read it, then apply it in one transaction."""
    report = read_if_shown(lambda: legato.get_trouble_report(report_id), f"trouble report {report_id}")
    if report is None:
        return
    with database.transaction() as session:
        apply_report(session, desk, report, domain=domain)
