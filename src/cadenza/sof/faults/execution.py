"""Fault management jobs for customers (§10.4 steps 2-6, fault part): accepting, modifying,
suspending and cancelling them, and running them as durable workflows.

Times are the SOF's clock, the one its alarms are stamped with (Alarm Management's
alarmRaisedTime, alarmClearedTime), so a report's period and the alarms in it agree; the
twin's network time (performance monitoring's) is not involved. A job's workflow reads the job,
moves it along its states and, once a reporting period is over, makes its report (id `<job
id>-<period start>`, so a restart never makes one twice) and tells the customer; between
periods it sleeps durably, at most `_LONGEST_SLEEP_S`, so a modification or a resume is seen
soon after it was made.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from dbos import DBOS
from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.core.clock import now
from cadenza.core.errors import NotFound, Unprocessable
from cadenza.core.ids import new_id
from cadenza.core.workflows import durable_sleep, start_once
from cadenza.interfaces.presto.client import PrestoError
from cadenza.sof import service_inventory
from cadenza.sof.faults import configuration, connectivity, content, process, repository, tracking
from cadenza.sof.faults import job as jobs
from cadenza.sof.faults import report as reports
from cadenza.sof.faults.configuration import ON_DEMAND, PROACTIVE, Schedule
from cadenza.sof.faults.rows import FaultJobRow, FaultReportRow
from cadenza.sof.performance.execution import customer_service
from cadenza.sof.rows import ServiceRow
from cadenza.sof.service import Sof
from cadenza.sof.steps import registered

__all__ = ["create_job", "modify_job", "cancel_job", "suspend_job", "resume_job", "start_job", "resume_all"]

log = logging.getLogger(__name__)
_LONGEST_SLEEP_S = 15.0
_MODIFIABLE_FIELDS = ("description", "granularity", "jobPriority", "outputFormat", "reportingPeriod", "resultFormat",
                      "scheduleDefinition", "serviceSpecificConfiguration")


def _now_s() -> float:
    return now().timestamp()


def _service(session: Session, monitored: dict[str, Any], party: str) -> ServiceRow:
    pointer = "/monitoredObject"
    if monitored.get("@type") != "ServiceRef":
        raise Unprocessable(f"{pointer}: this seller manages faults of services: give a ServiceRef with the serviceId",
                            property_path=f"{pointer}/@type")
    try:
        row = customer_service(session, monitored["serviceId"], party)
    except NotFound:
        raise Unprocessable(f"{pointer}/serviceId: no service '{monitored['serviceId']}' of yours",
                            code="referenceNotFound", property_path=f"{pointer}/serviceId") from None
    if row.state != service_inventory.ACTIVE:
        raise Unprocessable(f"{pointer}/serviceId: service {row.id} is {row.state}; only an active service's faults "
                            "are managed", property_path=f"{pointer}/serviceId")
    return row


def _apply(row: FaultJobRow, schedule: Schedule) -> None:
    row.start_s, row.end_s, row.period_s = schedule.start_s, schedule.end_s, schedule.period_s
    row.next_report_s = schedule.start_s if row.reports == 0 else max(row.next_report_s, schedule.start_s)


def _running_state(row: FaultJobRow, now_s: float) -> str:
    return jobs.SCHEDULED if row.start_s > now_s else jobs.IN_PROGRESS


def create_job(sof: Sof, document: dict[str, Any], party: str) -> FaultJobRow:
    """Accept the job (acknowledged), then reject it (terminationError) or schedule or start it."""
    configuration.check_values(document)
    at = now()
    with sof.database.transaction() as session:
        service = _service(session, document["monitoredObject"], party)
        row = FaultJobRow(id=new_id(), party=party, state=jobs.ACKNOWLEDGED, job_type=document["jobType"],
                          service_id=service.id, start_s=0.0, end_s=None, period_s=0.0, next_report_s=0.0, reports=0,
                          document=dict(document), termination=None, created_at=at, updated_at=at)
        session.add(row)
        session.flush()
        tracking.record(session, party=party, kind=tracking.JOB, related=row.id, source="client",
                        description="created", request="POST /faultManagementJob")
        jobs.announce(session, row, "faultManagementJobCreateEvent", wake=sof.wake)
        schedule = configuration.schedule_of(document, at.timestamp())
        if isinstance(schedule, dict):
            row.termination = [schedule]
            jobs.transition_to(session, row, jobs.REJECTED, why=schedule["value"], wake=sof.wake)
        else:
            _apply(row, schedule)
            jobs.transition_to(session, row, _running_state(row, at.timestamp()), why="accepted", wake=sof.wake)
        session.flush()
        session.expunge(row)
    return row


def _job_named(session: Session, body: Mapping[str, Any], party: str, pointer: str = "/faultManagementJob") \
        -> FaultJobRow:
    job_id = body["faultManagementJob"]["faultManagementJobId"]
    try:
        return repository.job(session, job_id, party)
    except NotFound:
        raise Unprocessable(f"{pointer}/faultManagementJobId: no fault management job '{job_id}' of yours",
                            code="referenceNotFound", property_path=f"{pointer}/faultManagementJobId") from None


def modify_job(sof: Sof, body: dict[str, Any], party: str) -> Any:  # noqa: ANN401 - a FaultJobProcessRow
    """A modification of a scheduled or suspended job (the spec's state diagram): checked whole
    first (a 422 changes nothing), then pending, changed, and scheduled or in progress by its
    new schedule; the request completes at once."""
    changes = {k: body[k] for k in _MODIFIABLE_FIELDS if k in body}
    with sof.database.transaction() as session:
        row = _job_named(session, body, party)
        if row.state not in jobs.MODIFIABLE:
            raise Unprocessable(f"/faultManagementJob/faultManagementJobId: fault management job {row.id} is "
                                f"{row.state}; only a scheduled or suspended job can be modified (suspend it first)",
                                property_path="/faultManagementJob/faultManagementJobId")
        merged = {**row.document, **changes}
        configuration.check_values(merged)
        at = now()
        schedule = configuration.schedule_of(merged, at.timestamp())
        if isinstance(schedule, dict):
            raise Unprocessable(f"{schedule['propertyPath']}: {schedule['value']}", code=schedule["code"],
                                property_path=schedule["propertyPath"])
        request = process.open_process(session, process.MODIFY, party=party, job_id=row.id, document=dict(body))
        tracking.record(session, party=party, kind=tracking.JOB, related=row.id, source="client",
                        description=f"modification {request.id} of {', '.join(sorted(changes)) or 'nothing'}",
                        request="POST /modifyFaultManagementJob")
        process.transition_to(session, request, process.IN_PROGRESS, wake=sof.wake)
        jobs.transition_to(session, row, jobs.PENDING, why="a modification was accepted", wake=sof.wake)
        row.document = merged
        _apply(row, schedule)
        jobs.announce(session, row, "faultManagementJobAttributeValueChangeEvent", wake=sof.wake)
        jobs.transition_to(session, row, _running_state(row, at.timestamp()), why="modified", wake=sof.wake)
        process.transition_to(session, request, process.COMPLETED, wake=sof.wake)
        session.flush()
        session.expunge(request)
    start_job(sof, row.id)
    return request


def cancel_job(sof: Sof, body: dict[str, Any], party: str) -> Any:  # noqa: ANN401 - a FaultJobProcessRow
    """Nothing is held for a job between its reports: pendingCancel, then cancelled, at once."""
    with sof.database.transaction() as session:
        row = _job_named(session, body, party)
        if row.state not in jobs.RUNNING:
            raise Unprocessable(f"/faultManagementJob/faultManagementJobId: fault management job {row.id} is "
                                f"{row.state}: only a scheduled, running or suspended job can be cancelled",
                                property_path="/faultManagementJob/faultManagementJobId")
        request = process.open_process(session, process.CANCEL, party=party, job_id=row.id, document=dict(body))
        tracking.record(session, party=party, kind=tracking.JOB, related=row.id, source="client",
                        description=f"cancellation {request.id}", request="POST /cancelFaultManagementJob")
        process.transition_to(session, request, process.IN_PROGRESS, wake=sof.wake)
        jobs.transition_to(session, row, jobs.PENDING_CANCEL, why="cancellation accepted", wake=sof.wake)
        jobs.transition_to(session, row, jobs.CANCELLED, why="cancelled by the customer", wake=sof.wake)
        process.transition_to(session, request, process.COMPLETED, wake=sof.wake)
        session.flush()
        session.expunge(request)
    return request


def _move(sof: Sof, job_id: str, party: str | None, source: tuple[str, ...], target: str, why: str) -> None:
    with sof.database.transaction() as session:
        row = repository.job(session, job_id, party)
        if row.state not in source:
            raise Unprocessable(f"Fault management job {row.id} is {row.state}: it cannot be made {target} "
                                f"(only a job {' or '.join(source)} can)", property_path="/id")
        tracking.record(session, party=row.party, kind=tracking.JOB, related=row.id, source="client", description=why)
        jobs.transition_to(session, row, target, why=why, wake=sof.wake)


def suspend_job(sof: Sof, job_id: str, party: str | None) -> None:
    _move(sof, job_id, party, (jobs.IN_PROGRESS,), jobs.SUSPENDED, "suspended by the customer")


def resume_job(sof: Sof, job_id: str, party: str | None) -> None:
    _move(sof, job_id, party, (jobs.SUSPENDED,), jobs.IN_PROGRESS, "resumed by the customer")


# -- workflows --------------------------------------------------------------------------------
def start_job(sof: Sof, job_id: str) -> None:
    start_once(run_fault_management_job, f"fault-management-job-{job_id}", sof.name, job_id)


def resume_all(sof: Sof) -> None:
    """At start: every job with work left has its workflow (found running, or started if the
    domain died between accepting the job and starting it)."""
    with sof.database.read() as session:
        job_ids = list(session.scalars(select(FaultJobRow.id).where(
            FaultJobRow.state.in_([*jobs.RUNNING, jobs.PENDING_CANCEL]))))
    for job_id in job_ids:
        start_job(sof, job_id)


@DBOS.workflow()
def run_fault_management_job(sof_name: str, job_id: str) -> None:
    while True:
        wait = fault_management_job_tick(sof_name, job_id)
        if wait is None:
            return
        durable_sleep(wait)


@DBOS.step()
def fault_management_job_tick(sof_name: str, job_id: str) -> float | None:
    """One look at the job: what to do now, and how long to sleep before the next (None: done).
    Reads, then tests the service if it must (no transaction held), then writes."""
    sof = registered(sof_name)
    with sof.database.read() as session:
        row = session.get(FaultJobRow, job_id)
        if row is None:
            return None
        service = session.get(ServiceRow, row.service_id)
        session.expunge(row)
        if service is not None:
            session.expunge(service)
    if row.state == jobs.PENDING_CANCEL:
        return _finish(sof, job_id, jobs.CANCELLED, "cancelled by the customer")
    if row.state not in jobs.RUNNING:
        return None
    if service is None or service.state != service_inventory.ACTIVE:
        return _finish(sof, job_id, jobs.RESOURCES_UNAVAILABLE, "the service is no longer active",
                       termination=f"the service is {service.state if service else 'gone'}")
    now_s = _now_s()
    if row.state == jobs.SCHEDULED:
        if now_s < row.start_s:
            return min(_LONGEST_SLEEP_S, row.start_s - now_s)
        _finish(sof, job_id, jobs.IN_PROGRESS, "its start time came")
        return 0.0  # the next look finds it in progress (or cancelled meanwhile)
    if row.state == jobs.SUSPENDED and row.job_type == ON_DEMAND:
        return _LONGEST_SLEEP_S  # its one test waits for the resume
    if row.job_type == ON_DEMAND:
        _report(sof, row, service, row.start_s, max(now_s, row.start_s), test=True)
        return _finish(sof, job_id, jobs.COMPLETED, "its test ran")
    if row.end_s is not None and row.next_report_s >= row.end_s:
        return _finish(sof, job_id, jobs.COMPLETED, "its schedule ended")
    period_end = row.next_report_s + row.period_s
    period_end = period_end if row.end_s is None else min(row.end_s, period_end)
    if now_s < period_end:
        return min(_LONGEST_SLEEP_S, period_end - now_s)
    if row.state != jobs.SUSPENDED:  # periods that end while the job is suspended are not reported
        running_since = row.created_at.timestamp()
        _report(sof, row, service, row.next_report_s, period_end,
                test=row.job_type == PROACTIVE and period_end >= running_since)
    with sof.database.transaction() as session:
        current = session.get(FaultJobRow, job_id)
        if current.next_report_s == row.next_report_s:  # not moved by a modification meanwhile
            current.next_report_s = period_end
    return 0.0


def _finish(sof: Sof, job_id: str, target: str, why: str, *, termination: str | None = None) -> float | None:
    with sof.database.transaction() as session:
        row = session.get(FaultJobRow, job_id)
        if row.state != target and target in jobs.TRANSITIONS[row.state]:
            if termination:
                row.termination = [{"code": "invalidValue", "propertyPath": "/monitoredObject/serviceId",
                                    "value": termination}]
            jobs.transition_to(session, row, target, why=why, wake=sof.wake)
    return None if target not in jobs.RUNNING else 0.0


def _report(sof: Sof, job: FaultJobRow, service: ServiceRow, start_s: float, end_s: float, *, test: bool) -> None:
    """Make the period's report once (§10.4 steps 3-5): the faults the SOF recorded, and the
    connectivity test when the job asks for one."""
    report_id = f"{job.id}-{int(start_s)}"
    with sof.database.read() as session:
        if session.get(FaultReportRow, report_id) is not None:
            return
    measured, problem = None, None
    if test:
        try:
            measured = connectivity.test_service(sof, service)
        except PrestoError as exc:
            problem = f"the connectivity test could not be run: {exc.reason}"
    with sof.database.transaction() as session:
        if session.get(FaultReportRow, report_id) is not None:
            return
        at = now()
        row = FaultReportRow(id=report_id, party=job.party, state=reports.ACKNOWLEDGED, job_id=job.id,
                             service_id=service.id, start_s=start_s, end_s=end_s,
                             document={k: job.document[k] for k in ("granularity", "monitoredObject", "outputFormat",
                                                                    "resultFormat", "serviceSpecificConfiguration")},
                             content=None, termination=None, created_at=at, updated_at=at)
        session.add(row)
        session.flush()
        reports.announce_created(session, row, wake=sof.wake)
        reports.transition_to(session, row, reports.IN_PROGRESS, why="its period ended", wake=sof.wake)
        if problem is not None:
            row.termination = [{"code": "otherIssue", "value": problem}]
            reports.transition_to(session, row, reports.FAILED, why=problem, wake=sof.wake)
        else:
            faults = content.faults_in(session, service.id, start_s, end_s)
            row.content = content.report_content(faults, start_s, end_s, sof.public_url, test=measured)
            reports.transition_to(session, row, reports.COMPLETED, why="assembled", wake=sof.wake)
        session.get(FaultJobRow, job.id).reports += 1
