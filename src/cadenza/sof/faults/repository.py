"""Finding fault management jobs, reports, cancel / modify requests and tracking records: one
by id and the spec's list filters as queries, always limited to the caller's party (None: an
operator, who sees everyone's). Another party's id is not found, as an unknown one is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Select, false, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from cadenza.core.errors import NotFound
from cadenza.core.paging import Window, within
from cadenza.sof.faults.rows import FaultJobProcessRow, FaultJobRow, FaultReportRow, FmTrackingRecordRow

__all__ = ["job", "report", "process", "jobs", "reports", "processes", "tracking_records", "Window"]

Row = TypeVar("Row", FaultJobRow, FaultReportRow, FaultJobProcessRow)


def _owned(session: Session, kind: type[Row], row_id: str, party: str | None, name: str) -> Row:
    row = session.get(kind, row_id)
    if row is None or (party is not None and row.party != party):
        raise NotFound(f"No {name} with id '{row_id}'")
    return row


def job(session: Session, job_id: str, party: str | None) -> FaultJobRow:
    return _owned(session, FaultJobRow, job_id, party, "fault management job")


def report(session: Session, report_id: str, party: str | None) -> FaultReportRow:
    return _owned(session, FaultReportRow, report_id, party, "fault management report")


def process(session: Session, kind: str, process_id: str, party: str | None) -> FaultJobProcessRow:
    row = _owned(session, FaultJobProcessRow, process_id, party, f"{kind} fault management job")
    if row.kind != kind:
        raise NotFound(f"No {kind} fault management job with id '{process_id}'")
    return row


def _mine(query: Select[Any], column: InstrumentedAttribute[Any], party: str | None) -> Select[Any]:
    return query if party is None else query.where(column == party)


def jobs(party: str | None, filters: Mapping[str, Any], created: Window) -> Select[tuple[FaultJobRow]]:
    """`filters`: state, jobType, serviceId; serviceFromId and entityId match nothing (this
    seller manages services, ServiceRef, only)."""
    query = within(_mine(select(FaultJobRow), FaultJobRow.party, party), FaultJobRow.created_at, created)
    for name, column in (("state", FaultJobRow.state), ("jobType", FaultJobRow.job_type),
                         ("serviceId", FaultJobRow.service_id)):
        if filters.get(name) is not None:
            query = query.where(column == filters[name])
    if any(filters.get(n) is not None for n in ("serviceFromId", "serviceToId", "entityId")):
        query = query.where(false())
    return query.order_by(FaultJobRow.created_at, FaultJobRow.id)


def reports(party: str | None, filters: Mapping[str, Any], created: Window, starts: Window,
            ends: Window) -> Select[tuple[FaultReportRow]]:
    query = within(_mine(select(FaultReportRow), FaultReportRow.party, party), FaultReportRow.created_at, created)
    query = within(within(query, FaultReportRow.start_s, starts, epoch=True), FaultReportRow.end_s, ends,
                    epoch=True)
    for name, column in (("state", FaultReportRow.state), ("faultManagementJobId", FaultReportRow.job_id),
                         ("serviceId", FaultReportRow.service_id)):
        if filters.get(name) is not None:
            query = query.where(column == filters[name])
    # every report is json in the payload, of a service
    if any(filters.get(n) is not None for n in ("serviceFromId", "serviceToId", "entityId")) \
            or filters.get("outputFormat") not in (None, "json") \
            or filters.get("resultFormat") not in (None, "payload"):
        query = query.where(false())
    return query.order_by(FaultReportRow.created_at, FaultReportRow.id)


def processes(kind: str, party: str | None, filters: Mapping[str, Any],
              created: Window) -> Select[tuple[FaultJobProcessRow]]:
    query = within(_mine(select(FaultJobProcessRow), FaultJobProcessRow.party, party),
                    FaultJobProcessRow.created_at, created).where(FaultJobProcessRow.kind == kind)
    for name, column in (("state", FaultJobProcessRow.state), ("faultManagementJobId", FaultJobProcessRow.job_id)):
        if filters.get(name) is not None:
            query = query.where(column == filters[name])
    return query.order_by(FaultJobProcessRow.created_at, FaultJobProcessRow.id)


def tracking_records(party: str | None, related: Mapping[str, str | None],
                     created: Window) -> Select[tuple[FmTrackingRecordRow]]:
    """`related`: the record's relatedObjectId @type -> the id wanted (None: any)."""
    query = within(_mine(select(FmTrackingRecordRow), FmTrackingRecordRow.party, party),
                    FmTrackingRecordRow.created_at, created)
    for kind, wanted in related.items():
        if wanted is not None:
            query = query.where(FmTrackingRecordRow.related_type == kind, FmTrackingRecordRow.related_id == wanted)
    return query.order_by(FmTrackingRecordRow.created_at, FmTrackingRecordRow.id)
