"""Finding test profiles, jobs, results and requests: one by id and the spec's list filters as
queries, always limited to the caller's party (None: an operator, who sees everyone's). Another
party's id is not found, as an unknown one is; the SP's offered profiles are everyone's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from cadenza.core.errors import NotFound
from cadenza.core.paging import Window, within
from cadenza.sof.function_testing.rows import TestJobProcessRow, TestJobRow, TestProfileRow, TestResultRow

__all__ = ["profile", "job", "result", "process", "profiles", "jobs", "results", "processes"]

Row = TypeVar("Row", TestJobRow, TestResultRow, TestJobProcessRow)


def _owned(session: Session, kind: type[Row], row_id: str, party: str | None, name: str) -> Row:
    row = session.get(kind, row_id)
    if row is None or (party is not None and row.party != party):
        raise NotFound(f"No {name} with id '{row_id}'")
    return row


def profile(session: Session, profile_id: str, party: str | None) -> TestProfileRow:
    row = session.get(TestProfileRow, profile_id)
    if row is None or (party is not None and row.party not in (None, party)):
        raise NotFound(f"No test profile with id '{profile_id}'")
    return row


def job(session: Session, job_id: str, party: str | None) -> TestJobRow:
    return _owned(session, TestJobRow, job_id, party, "test job")


def result(session: Session, result_id: str, party: str | None) -> TestResultRow:
    return _owned(session, TestResultRow, result_id, party, "test result")


def process(session: Session, kind: str, process_id: str, party: str | None) -> TestJobProcessRow:
    row = _owned(session, TestJobProcessRow, process_id, party, f"{kind} test job request")
    if row.kind != kind:
        raise NotFound(f"No {kind} test job request with id '{process_id}'")
    return row


def _mine(query: Select[Any], column: InstrumentedAttribute[Any], party: str | None) -> Select[Any]:
    return query if party is None else query.where(column == party)


def profiles(party: str | None, specification: str | None, created: Window,
             updated: Window) -> Select[tuple[TestProfileRow]]:
    query = select(TestProfileRow)
    if party is not None:
        query = query.where(or_(TestProfileRow.party.is_(None), TestProfileRow.party == party))
    query = within(within(query, TestProfileRow.created_at, created), TestProfileRow.updated_at, updated)
    if specification is not None:
        query = query.where(TestProfileRow.specification_id == specification)
    return query.order_by(TestProfileRow.created_at, TestProfileRow.id)


def jobs(party: str | None, filters: Mapping[str, Any], starts: Window, ends: Window) -> Select[tuple[TestJobRow]]:
    """`filters`: relatedServiceIdFrom, relatedServiceIdTo (both the job's one service),
    testProfileId, name."""
    query = _mine(select(TestJobRow), TestJobRow.party, party)
    query = within(within(query, TestJobRow.start_s, starts, epoch=True), TestJobRow.end_s, ends, epoch=True)
    for name, column in (("relatedServiceIdFrom", TestJobRow.service_id), ("relatedServiceIdTo", TestJobRow.service_id),
                         ("testProfileId", TestJobRow.profile_id)):
        if filters.get(name) is not None:
            query = query.where(column == filters[name])
    return query.order_by(TestJobRow.created_at, TestJobRow.id)


def results(party: str | None, filters: Mapping[str, Any], starts: Window,
            ends: Window) -> Select[tuple[TestResultRow]]:
    """`filters`: testJobId, relatedServiceIdFrom / To, relatedServiceSpecificationId;
    relatedContactInformationName matches nothing (a result carries no contact)."""
    query = _mine(select(TestResultRow), TestResultRow.party, party)
    query = within(within(query, TestResultRow.start_s, starts, epoch=True), TestResultRow.end_s, ends, epoch=True)
    for name, column in (("testJobId", TestResultRow.job_id), ("relatedServiceIdFrom", TestResultRow.service_id),
                         ("relatedServiceIdTo", TestResultRow.service_id),
                         ("relatedServiceSpecificationId", TestResultRow.specification_id)):
        if filters.get(name) is not None:
            query = query.where(column == filters[name])
    if filters.get("relatedContactInformationName") is not None:
        query = query.where(false())
    return query.order_by(TestResultRow.start_s, TestResultRow.id)


def processes(kind: str, party: str | None, filters: Mapping[str, Any],
              created: Window) -> Select[tuple[TestJobProcessRow]]:
    query = within(_mine(select(TestJobProcessRow), TestJobProcessRow.party, party),
                    TestJobProcessRow.created_at, created).where(TestJobProcessRow.kind == kind)
    for name, column in (("state", TestJobProcessRow.state), ("testJobId", TestJobProcessRow.job_id)):
        if filters.get(name) is not None:
            query = query.where(column == filters[name])
    return query.order_by(TestJobProcessRow.created_at, TestJobProcessRow.id)
