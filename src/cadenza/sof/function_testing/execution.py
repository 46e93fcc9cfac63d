"""Test jobs for customers (§10.3 steps 9-12, the customer's own test): accepting them, their
cancel / suspend / resume / modify requests, and running them as durable workflows.

Times are the SOF's clock. A job's workflow reads the job, moves it along its states and, when a
test is due, runs it on the network (measurement.py) and records its result (id `<job id>-<due
ms>`, so a restart never makes one twice); between tests it sleeps durably, at most
`_LONGEST_SLEEP_S` (a suspended job `_SUSPENDED_POLL_S`), so a resumption, a modified start or a
cancellation is seen soon after it was made.
Tests that fall due while the job is suspended are not run.
"""

from __future__ import annotations

import math
from typing import Any

from dbos import DBOS
from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.core.clock import epoch_seconds, now
from cadenza.core.errors import NotFound, Unprocessable
from cadenza.core.ids import new_id
from cadenza.core.workflows import durable_sleep, start_once
from cadenza.sof import service_inventory
from cadenza.sof.function_testing import configuration, measurement, process, repository
from cadenza.sof.function_testing import job as jobs
from cadenza.sof.function_testing import profile as profiles
from cadenza.sof.function_testing import result as results
from cadenza.sof.function_testing.configuration import Schedule
from cadenza.sof.function_testing.rows import TestJobProcessRow, TestJobRow, TestProfileRow, TestResultRow
from cadenza.sof.performance.execution import customer_service
from cadenza.sof.rows import ServiceRow
from cadenza.sof.service import Sof
from cadenza.sof.steps import registered

__all__ = ["create_job", "request", "start_job", "resume_all"]

# How long a job's workflow sleeps at most before looking again: each look is a durable step,
# so not too often; a resumption (the customer waits for its test) is looked for sooner.
_LONGEST_SLEEP_S = 15.0
_SUSPENDED_POLL_S = 5.0
_MODIFIABLE_FIELDS = ("name", "description", "requestedStartDateTime", "requestedEndDateTime", "testProfile",
                      "relatedServiceFrom", "relatedServiceTo", "serviceSpecificTestJobConfiguration")


def _service(session: Session, document: dict[str, Any], party: str) -> ServiceRow:
    pointer = "/relatedServiceFrom/id"
    service_id = document["relatedServiceFrom"]["id"]
    try:
        row = customer_service(session, service_id, party)
    except NotFound:
        raise Unprocessable(f"{pointer}: no service '{service_id}' of yours (list yours over Service Inventory v2)",
                            code="referenceNotFound", property_path=pointer) from None
    if row.state != service_inventory.ACTIVE:
        raise Unprocessable(f"{pointer}: service {row.id} is {row.state}; only an active service is tested",
                            property_path=pointer)
    return row


def _specification(service: ServiceRow) -> str:
    return str(service.configuration.get("@type", ""))


def _profile(session: Session, document: dict[str, Any], service: ServiceRow, party: str) -> TestProfileRow | None:
    """The stored profile the job names (None: a TestProfileValue), checked against the service."""
    given = document["testProfile"]
    if given.get("@type") == "TestProfileRef":
        try:
            row = repository.profile(session, given["id"], party)
        except NotFound:
            raise Unprocessable(f"/testProfile/id: no test profile '{given['id']}' offered to you or of yours "
                                "(GET /testProfile lists them)", code="referenceNotFound",
                                property_path="/testProfile/id") from None
        valid_for = epoch_seconds(row.document.get("validFor"), "/testProfile/id")
        if valid_for is not None and valid_for <= now().timestamp():
            raise Unprocessable(f"/testProfile/id: test profile {row.id} is no longer valid (validFor "
                                f"{row.document['validFor']})", property_path="/testProfile/id")
        specification, pointer = row.specification_id, "/testProfile/id"
    elif given.get("@type") == "TestProfileValue":
        row = None
        specification = (given.get("relatedServiceSpecification") or {}).get("id") or _specification(service)
        pointer = "/testProfile/relatedServiceSpecification/id"
    else:
        raise Unprocessable("/testProfile/@type: give a TestProfileRef or a TestProfileValue",
                            property_path="/testProfile/@type")
    if specification != _specification(service):
        raise Unprocessable(f"{pointer}: the profile tests services of {specification}; service {service.id} is of "
                            f"{_specification(service)}: choose a profile for it", property_path=pointer)
    return row


def _objectives(session: Session, job: TestJobRow, service: ServiceRow) -> configuration.Objectives:
    if job.profile_id is not None:
        stored = session.get(TestProfileRow, job.profile_id)
        given = (stored.document if stored is not None else {}).get("serviceSpecificTestProfileConfiguration")
    else:
        given = job.document["testProfile"].get("serviceSpecificTestProfileConfiguration")
    return configuration.objectives_of(given, service_max_delay_ms=service.design.get("maxDelayMs"))


def _release(session: Session, job: TestJobRow, *, wake: Any = None) -> None:  # noqa: ANN401 - the SOF's wake
    """The job's own profile is available again once no job that is not over uses it."""
    if job.profile_id is None:
        return
    row = session.get(TestProfileRow, job.profile_id)
    if row is None or row.party is None:
        return
    busy = session.scalar(select(TestJobRow.id).where(TestJobRow.profile_id == row.id, TestJobRow.id != job.id,
                                                      TestJobRow.state.not_in(sorted(jobs.OVER))).limit(1))
    if busy is None:
        profiles.transition_to(session, row, profiles.AVAILABLE, wake=wake)


def _assign(session: Session, profile: TestProfileRow | None, *, wake: Any = None) -> None:  # noqa: ANN401
    if profile is not None:
        profiles.transition_to(session, profile, profiles.ASSIGNED, wake=wake)


def _apply(row: TestJobRow, schedule: Schedule) -> None:
    row.start_s, row.end_s, row.period_s = schedule.start_s, schedule.end_s, schedule.period_s
    row.next_test_s = schedule.start_s if row.results == 0 else max(row.next_test_s, schedule.start_s)


def _move(sof: Sof, session: Session, row: TestJobRow, target: str) -> None:
    jobs.transition_to(session, row, target, wake=sof.wake,
                       on_over=lambda s, j: _release(s, j, wake=sof.wake))


def create_job(sof: Sof, document: dict[str, Any], party: str) -> TestJobRow:
    """Accept the job (acknowledged), then reject it (terminationError) or schedule or start it."""
    configuration.check_job(document)
    at = now()
    with sof.database.transaction() as session:
        service = _service(session, document, party)
        profile = _profile(session, document, service, party)
        row = TestJobRow(id=new_id(), party=party, state=jobs.ACKNOWLEDGED, held_state=None, service_id=service.id,
                         profile_id=profile.id if profile is not None else None, start_s=at.timestamp(),
                         end_s=at.timestamp(), period_s=None, next_test_s=at.timestamp(), results=0,
                         actual_start_s=None, actual_end_s=None, document=dict(document), termination=None,
                         created_at=at, updated_at=at)
        session.add(row)
        session.flush()
        jobs.announce(session, row, "testJobCreateEvent", wake=sof.wake)
        schedule = configuration.schedule_of(document, at.timestamp())
        if isinstance(schedule, dict):
            row.termination = [schedule]
            _move(sof, session, row, jobs.REJECTED)
        else:
            _apply(row, schedule)
            _assign(session, profile, wake=sof.wake)
            _move(sof, session, row, jobs.SCHEDULED if row.start_s > at.timestamp() else jobs.IN_PROGRESS)
        session.flush()
        session.expunge(row)
    return row


def _job_named(session: Session, body: dict[str, Any], party: str) -> TestJobRow:
    job_id = body["testJob"]["id"]
    try:
        return repository.job(session, job_id, party)
    except NotFound:
        raise Unprocessable(f"/testJob/id: no test job '{job_id}' of yours", code="referenceNotFound",
                            property_path="/testJob/id") from None


def _refuse(row: TestJobRow, doing: str, allowed: frozenset[str] | tuple[str, ...]) -> Unprocessable:
    return Unprocessable(f"/testJob/id: test job {row.id} is {row.state}; only a job "
                         f"{' or '.join(sorted(allowed))} can be {doing}", property_path="/testJob/id")


def request(sof: Sof, kind: str, body: dict[str, Any], party: str) -> TestJobProcessRow:
    """A cancel, suspend, resume or modify request: checked whole first (a 422 changes nothing),
    then acknowledged, carried out on the job and accepted, at once."""
    with sof.database.transaction() as session:
        row = _job_named(session, body, party)
        at_s = now().timestamp()
        if kind == process.CANCEL and row.state not in jobs.RUNNING:
            raise _refuse(row, "cancelled", jobs.RUNNING)
        if kind == process.SUSPEND and row.state not in (jobs.SCHEDULED, jobs.IN_PROGRESS):
            raise _refuse(row, "suspended", (jobs.SCHEDULED, jobs.IN_PROGRESS))
        if kind == process.RESUME and row.state != jobs.SUSPENDED:
            raise _refuse(row, "resumed", (jobs.SUSPENDED,))
        modified: tuple[dict[str, Any], Schedule, TestProfileRow | None] | None = None
        if kind == process.MODIFY:
            if row.state not in (jobs.SCHEDULED, jobs.SUSPENDED):
                raise Unprocessable(f"/testJob/id: test job {row.id} is {row.state}; only a scheduled or suspended "
                                    "job can be modified (suspend it first)", property_path="/testJob/id")
            modified = _modification(session, row, body, party, at_s)
        request_row = process.open_process(session, kind, party=party, job_id=row.id, document=dict(body),
                                           wake=sof.wake)
        if kind == process.CANCEL:
            _move(sof, session, row, jobs.ASSESSING_CANCELLATION)
            _move(sof, session, row, jobs.CANCELLED)
        elif kind == process.SUSPEND:
            _move(sof, session, row, jobs.SUSPENDED)
        elif kind == process.RESUME:
            _skip_missed(row, at_s)
            _move(sof, session, row, jobs.SCHEDULED if row.start_s > at_s else jobs.IN_PROGRESS)
        elif modified is not None:
            document, schedule, profile = modified
            _move(sof, session, row, jobs.ASSESSING_MODIFICATION)
            if row.profile_id != (profile.id if profile else None):
                _release(session, row, wake=sof.wake)
                _assign(session, profile, wake=sof.wake)
            row.document, row.profile_id = document, profile.id if profile else None
            row.service_id = document["relatedServiceFrom"]["id"]
            _apply(row, schedule)
            jobs.announce(session, row, "testJobAttributeValueChangeEvent", wake=sof.wake)
            _move(sof, session, row, row.held_state or jobs.SCHEDULED)
        process.transition_to(session, request_row, process.ACCEPTED, wake=sof.wake)
        session.flush()
        session.expunge(request_row)
    return request_row


def _modification(session: Session, row: TestJobRow, body: dict[str, Any], party: str,
                  at_s: float) -> tuple[dict[str, Any], Schedule, TestProfileRow | None]:
    merged = {**row.document, **{k: body[k] for k in _MODIFIABLE_FIELDS if k in body}}
    configuration.check_job(merged)
    service = _service(session, merged, party)
    profile = _profile(session, merged, service, party)
    schedule = configuration.schedule_of(merged, at_s)
    if isinstance(schedule, dict):
        raise Unprocessable(f"{schedule['propertyPath']}: {schedule['value']}", code=schedule["code"],
                            property_path=schedule["propertyPath"])
    return merged, schedule, profile


def _skip_missed(row: TestJobRow, at_s: float) -> None:
    """Tests that fell due while the job was suspended are not run: the next is the first due now
    or later (a job of one test runs it on resumption)."""
    if row.period_s and row.next_test_s < at_s:
        row.next_test_s += math.floor((at_s - row.next_test_s) / row.period_s) * row.period_s


# -- workflows --------------------------------------------------------------------------------
def start_job(sof: Sof, job_id: str) -> None:
    start_once(run_service_test_job, f"service-test-job-{job_id}", sof.name, job_id)


def resume_all(sof: Sof) -> None:
    """At start: every job with work left has its workflow (found running, or started if the
    domain died between accepting the job and starting it)."""
    with sof.database.read() as session:
        job_ids = list(session.scalars(select(TestJobRow.id).where(TestJobRow.state.in_(sorted(jobs.RUNNING)))))
    for job_id in job_ids:
        start_job(sof, job_id)


@DBOS.workflow()
def run_service_test_job(sof_name: str, job_id: str) -> None:
    while True:
        wait = service_test_job_tick(sof_name, job_id)
        if wait is None:
            return
        durable_sleep(wait)


@DBOS.step()
def service_test_job_tick(sof_name: str, job_id: str) -> float | None:
    """One look at the job: what to do now, and how long to sleep before the next (None: done).
    Reads, then tests the service if a test is due (no transaction held), then writes."""
    sof = registered(sof_name)
    with sof.database.read() as session:
        row = session.get(TestJobRow, job_id)
        if row is None or row.state not in jobs.RUNNING:
            return None
        service = session.get(ServiceRow, row.service_id)
        objectives = _objectives(session, row, service) if service is not None else None
        session.expunge(row)
        if service is not None:
            session.expunge(service)
    now_s = now().timestamp()
    if row.state == jobs.SUSPENDED:
        return _SUSPENDED_POLL_S
    if row.state == jobs.SCHEDULED:
        if now_s < row.start_s:
            return min(_LONGEST_SLEEP_S, row.start_s - now_s)
        return _advance(sof, job_id, row.state, jobs.IN_PROGRESS)
    if now_s >= row.end_s or (row.period_s is None and row.results > 0):
        return _advance(sof, job_id, row.state, jobs.COMPLETED)
    if now_s < row.next_test_s:
        return min(_LONGEST_SLEEP_S, row.next_test_s - now_s)
    due_s = row.next_test_s
    result_id = results.result_id(job_id, due_s)
    with sof.database.read() as session:
        done = session.get(TestResultRow, result_id) is not None
    started = now().timestamp()
    if done:
        content = None
    elif service is None or objectives is None:
        content = measurement.judge([], [f"service {row.service_id} no longer exists"], cir_mbps=0,
                                    objectives=configuration.objectives_of(None, service_max_delay_ms=None))
    else:
        content = measurement.measure(sof, service, objectives)
    _record(sof, row, result_id, due_s, started, content, specification=_specification(service) if service else "")
    return 0.0


def _advance(sof: Sof, job_id: str, seen: str, target: str) -> float | None:
    with sof.database.transaction() as session:
        row = session.get(TestJobRow, job_id)
        if row.state == seen and target in jobs.TRANSITIONS[row.state]:
            _move(sof, session, row, target)
    return None if target in jobs.OVER else 0.0


def _record(sof: Sof, seen: TestJobRow, result_id: str, due_s: float, started_s: float,
            content: dict[str, Any] | None, *, specification: str) -> None:
    """The result, once, and the job's next test; nothing if the job left inProgress meanwhile
    (a test run while it was being cancelled or suspended is not reported)."""
    with sof.database.transaction() as session:
        row = session.get(TestJobRow, seen.id)
        if row.state != jobs.IN_PROGRESS or row.next_test_s != due_s:
            return
        if content is not None and session.get(TestResultRow, result_id) is None:
            result = TestResultRow(id=result_id, party=row.party, job_id=row.id, service_id=row.service_id,
                                   specification_id=specification, start_s=started_s, end_s=now().timestamp(),
                                   content=content, created_at=now())
            session.add(result)
            session.flush()
            results.announce_created(session, result, wake=sof.wake)
            row.results += 1
        row.next_test_s = due_s + row.period_s if row.period_s else row.end_s
