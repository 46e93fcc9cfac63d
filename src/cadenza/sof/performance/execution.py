"""Running performance jobs and preparing reports (§10.4 steps 2-6) as durable workflows.

Times a customer gives (schedule, reporting timeframe) are the network's time: the twin's
simulation clock, real time unless it runs scaled (PRESTO cadenza-get-network-time). A job
reports on whole periods aligned to the 15-minute intervals: the first begins at the interval
the job starts in. Each tick of a job's workflow reads the job and the network's time, moves
the job along its states and, once a period has ended in the network, assembles its report
from the segments (service_pm.py) and tells the customer; between ticks the workflow sleeps
durably for as long as the network needs to reach the next period's end, so a restart of the
domain resumes it where it was and never makes a report twice (the report id is the job's and
the period's).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from dbos import DBOS
from sqlalchemy.orm import Session

from cadenza.core.clock import epoch_seconds, now
from cadenza.core.errors import NotFound, Unprocessable
from cadenza.core.ids import new_id
from cadenza.core.pm.interval import INTERVAL_S
from cadenza.core.workflows import durable_sleep, start_once
from cadenza.interfaces.presto.client import PrestoError
from cadenza.sof import service_inventory
from cadenza.sof.performance import apis, partner_segment, tracking, v2_payloads
from cadenza.sof.performance import job as jobs
from cadenza.sof.performance import profile as profiles
from cadenza.sof.performance import report as reports
from cadenza.sof.performance.apis import PmApi
from cadenza.sof.performance.content import report_content
from cadenza.sof.performance.rows import PerformanceJobRow, PerformanceReportRow
from cadenza.sof.performance.service_pm import service_pm
from cadenza.sof.performance.triggered import trigger_of
from cadenza.sof.rows import ServiceRow
from cadenza.sof.service import Sof
from cadenza.sof.steps import registered

__all__ = ["NetworkTime", "network_time", "customer_service", "bought_service", "api_values", "create_job",
           "create_report", "start_job", "start_report", "resume_all", "epoch", "interval_start"]

log = logging.getLogger(__name__)

PASSIVE = "passive"  # the jobType of the job behind a report asked for directly
_STOPPED_POLL_S = 2.0  # a stopped network clock moves only when advanced: look again this often
_LONGEST_SLEEP_S = 60.0


@dataclass(frozen=True)
class NetworkTime:
    seconds: float
    scale: float

    def wall_seconds_until(self, moment: float) -> float:
        if moment <= self.seconds:
            return 0.0
        if self.scale <= 0:
            return _STOPPED_POLL_S
        return min(_LONGEST_SLEEP_S, max(0.2, (moment - self.seconds) / self.scale))


def network_time(sof: Sof, row: ServiceRow) -> NetworkTime:
    domain = row.design["segments"][0]["networkDomain"] if row.design.get("segments") else None
    if domain is None:
        raise Unprocessable(f"Service {row.id} has no segment in this provider's network: nothing is measured")
    answer = sof.presto.get_network_time(domain)
    return NetworkTime(float(answer["epoch-seconds"]), float(answer["scale"]))


def customer_service(session: Session, service_id: str, customer: str | None) -> ServiceRow:
    """The service, if it is `customer`'s (None: an operator, who sees every service)."""
    row = session.get(ServiceRow, service_id)
    if row is None or (customer is not None and row.customer != customer):
        raise NotFound(f"No service '{service_id}' of yours")
    return row


def bought_service(session: Session, sof: Sof, service_id: str, party: str | None, api: PmApi) -> ServiceRow:
    """The service, if `party` may monitor it over `api`: over ALLEGRO its customer; over a v2 API
    the party that ordered it over that reference point (INTERLUDE: the buyer SOF; LEGATO: the BUS)."""
    if api.dialect == "v5":
        return customer_service(session, service_id, party)
    return sof.service(session, service_id, party, interface=api.key)


def _service(session: Session, sof: Sof, monitored: dict[str, Any], party: str | None, pointer: str,
             api: PmApi = apis.ALLEGRO) -> ServiceRow:
    if monitored.get("@type") != "ServiceRef":
        raise Unprocessable(f"{pointer}: this seller monitors services: give a ServiceRef with the serviceId",
                            property_path=f"{pointer}/@type")
    where = f"{pointer}/serviceId" if api.dialect == "v5" else pointer  # v2: the pointer names the id itself
    try:
        row = bought_service(session, sof, monitored["serviceId"], party, api)
    except NotFound:
        raise Unprocessable(f"{where}: no service '{monitored['serviceId']}' of yours",
                            code="referenceNotFound", property_path=where) from None
    if row.state != service_inventory.ACTIVE:
        raise Unprocessable(f"{where}: service {row.id} is {row.state}; only an active service is "
                            "measured", property_path=where)
    return row


def _profile_values(session: Session, document: dict[str, Any], party: str, api: PmApi) -> dict[str, Any]:
    given = document["performanceProfile"]
    if given.get("@type") == "PerformanceProfileRef":
        pointer = "/performanceProfile/performanceProfileId" if api.dialect == "v5" else "/performanceProfile/id"
        try:
            row = profiles.get(session, given["performanceProfileId"], party, api)
        except NotFound:
            raise Unprocessable(f"{pointer}: no profile '{given['performanceProfileId']}'", code="referenceNotFound",
                                property_path=pointer) from None
        values = row.document if apis.of(row.api).dialect == "v5" or row.party is None else \
            api_values(row.document, document)
        return {**values, "profileId": row.id}
    values = {k: v for k, v in given.items() if k != "@type"}
    profiles.check_values(values, "/performanceProfile")
    return values


def api_values(profile_document: dict[str, Any], job_document: dict[str, Any]) -> dict[str, Any]:
    """A v2 profile's values in v5 terms (the entity's), with the configuration of the job using it."""
    return v2_payloads.profile_values(profile_document,
                                      job_document["performanceProfile"].get("serviceSpecificConfiguration"))


def create_job(sof: Sof, document: dict[str, Any], party: str, *, api: PmApi = apis.ALLEGRO,
               stored: dict[str, Any] | None = None, pointer: str = "/monitoredObject") -> PerformanceJobRow:
    """Accept the job (acknowledged), check it, and reject it or schedule it (§10.4 step 2). The
    network's time is asked outside any transaction: no call to another entity holds the database.
    `document` is in v5 terms; `stored`, the request as the buyer sent it over `api`, if not."""
    with sof.database.read() as session:
        service = _service(session, sof, document["monitoredObject"], party, pointer, api)
        values = _profile_values(session, document, party, api)
    clock = network_time(sof, service)
    at = now()
    with sof.database.transaction() as session:
        row = PerformanceJobRow(id=new_id(), api=api.key, party=party, state=jobs.ACKNOWLEDGED,
                                service_id=service.id, profile=values, start_s=0.0, end_s=None, next_report_s=0.0,
                                reports=0, document=dict(stored if stored is not None else document),
                                termination=None, created_at=at, updated_at=at)
        session.add(row)
        session.flush()
        tracking.record(session, party=party, kind="PerformanceJobRef", related=row.id, source="client",
                        description="created", api=api)
        jobs.announce_created(session, row, wake=sof.wake)
        problem = _schedule(row, document.get("scheduleDefinition") or {}, values, clock)
        if problem is not None:
            row.termination = [{"code": "invalidValue", "propertyPath": problem[0], "value": problem[1]}]
            jobs.transition_to(session, row, jobs.REJECTED, why=problem[1], wake=sof.wake)
        else:
            jobs.transition_to(session, row, jobs.SCHEDULED if row.start_s > clock.seconds else jobs.IN_PROGRESS,
                               why="accepted", wake=sof.wake)
        session.flush()  # the changes since the insert, before the row leaves the session
        session.expunge(row)
    return row


def _schedule(row: PerformanceJobRow, schedule: dict[str, Any], values: dict[str, Any],
              clock: NetworkTime) -> tuple[str, str] | None:
    """Set the job's span from its schedule; what makes it impossible, as (pointer, reason)."""
    for recurring in ("recurringSchedule", "recurringFrequency", "scheduleDefinitionHourRange",
                      "weeklyScheduledDefinition", "monthlyScheduleDayOfWeekDefinition"):  # v5's, then v2's
        if schedule.get(recurring):
            return (f"/scheduleDefinition/{recurring}",
                    "recurring schedules are not offered: give a start, and an end (or an execution duration)")
    period = profiles.seconds_of(values["reportingPeriod"], "/performanceProfile/reportingPeriod")
    start = epoch(schedule.get("scheduleDefinitionStartTime")) or clock.seconds
    row.start_s = interval_start(start)
    end = epoch(schedule.get("scheduleDefinitionEndTime"))
    if schedule.get("executionDuration"):
        duration = profiles.seconds_of(schedule["executionDuration"], "/scheduleDefinition/executionDuration")
        end = min(end, start + duration) if end else start + duration
    if end is None and values.get("jobType") == "on-demand":
        end = row.start_s + period
    if end is not None and end <= start:
        return ("/scheduleDefinition/scheduleDefinitionEndTime", "the schedule ends before it starts")
    row.end_s = end
    row.next_report_s = row.start_s
    return None


def interval_start(seconds: float) -> float:
    """The start of the 15-minute interval `seconds` falls in: a job reports on whole intervals."""
    return math.floor(seconds / INTERVAL_S) * INTERVAL_S


def epoch(value: Any, pointer: str = "/") -> float | None:  # noqa: ANN401 - a date-time string or nothing
    return epoch_seconds(value, pointer)


def create_report(sof: Sof, document: dict[str, Any], party: str, *, api: PmApi = apis.ALLEGRO,
                  stored: dict[str, Any] | None = None, job_document: dict[str, Any] | None = None) \
        -> PerformanceReportRow:
    """A report asked for directly, over a timeframe (§10.4 step 2). `document` in v5 terms;
    `stored` and `job_document`: the request, and its job, as `api` shows them, if not v5."""
    objects = document["monitoredObject"]
    if len(objects) != 1:
        raise Unprocessable("/monitoredObject: one service per report", property_path="/monitoredObject")
    timeframe = document["reportingTimeframe"]
    start, end = epoch(timeframe.get("reportingStartDate")), epoch(timeframe.get("reportingEndDate"))
    if start is None or end is None or end <= start:
        raise Unprocessable("/reportingTimeframe: give reportingStartDate and a later reportingEndDate",
                            property_path="/reportingTimeframe")
    granularity = "/granularity" if api.dialect == "v5" else "/performanceJob/granularity"
    if profiles.seconds_of(document["granularity"], granularity) != INTERVAL_S:
        raise Unprocessable(f"{granularity}: reports give each 15-minute measurement interval (15 MIN, "
                            "15 minutes)", property_path=granularity)
    at = now()
    with sof.database.transaction() as session:
        service = _service(session, sof, objects[0], party, "/monitoredObject/0" if api.dialect == "v5" else
                           "/performanceJob/servicePayloadSpecificAttributes/interface", api)
        # Every report comes from a job (the spec lists each with its performanceJob): a report
        # asked for directly is the work of a passive job over its timeframe, done when it is.
        job = PerformanceJobRow(
            id=new_id(), api=api.key, party=party, state=jobs.ACKNOWLEDGED, service_id=service.id,
            profile={"jobType": PASSIVE, "granularity": document["granularity"], "outputFormat": "json",
                     "resultFormat": "payload", "reportingPeriod": {"timeDurationValue": int(end - start),
                                                                    "timeDurationUnits": "SEC"},
                     "serviceSpecificConfiguration": document["serviceSpecificConfiguration"]},
            start_s=start, end_s=end, next_report_s=start, reports=0,
            document=job_document or {
                      "monitoredObject": objects[0], "description": "the job of a report asked for directly",
                      "performanceProfile": {"@type": "PerformanceProfileValue", "jobType": PASSIVE,
                                             "granularity": document["granularity"], "outputFormat": "json",
                                             "resultFormat": "payload",
                                             "reportingPeriod": {"timeDurationValue": int(end - start),
                                                                 "timeDurationUnits": "SEC"},
                                             "serviceSpecificConfiguration": document["serviceSpecificConfiguration"]},
                      "scheduleDefinition": {"scheduleDefinitionStartTime": timeframe["reportingStartDate"],
                                             "scheduleDefinitionEndTime": timeframe["reportingEndDate"]}},
            termination=None, created_at=at, updated_at=at)
        session.add(job)
        session.flush()
        jobs.announce_created(session, job, wake=sof.wake)
        jobs.transition_to(session, job, jobs.IN_PROGRESS, why="a report was asked for", wake=sof.wake)
        row = PerformanceReportRow(id=new_id(), api=api.key, party=party, state=reports.ACKNOWLEDGED, job_id=job.id,
                                   service_id=service.id, start_s=start, end_s=end, granularity_s=INTERVAL_S,
                                   document=dict(stored if stored is not None else document), content=None,
                                   termination=None, created_at=at, updated_at=at)
        session.add(row)
        session.flush()
        tracking.record(session, party=party, kind="PerformanceReportRef", related=row.id, source="client",
                        description="requested", api=api)
        reports.announce_created(session, row, wake=sof.wake)
        reports.transition_to(session, row, reports.IN_PROGRESS, why="accepted", wake=sof.wake)
        session.flush()  # the changes since the insert, before the row leaves the session
        session.expunge(row)
    return row


# -- workflows --------------------------------------------------------------------------------
def start_job(sof: Sof, job_id: str) -> None:
    start_once(run_performance_job, f"performance-job-{job_id}", sof.name, job_id)


def start_report(sof: Sof, report_id: str) -> None:
    start_once(prepare_performance_report, f"performance-report-{report_id}", sof.name, report_id)


def resume_all(sof: Sof) -> None:
    """At start: every job still running and every report still in preparation has its workflow
    (found running, or started if the domain died between accepting it and starting it)."""
    from sqlalchemy import select

    with sof.database.read() as session:
        job_ids = list(session.scalars(select(PerformanceJobRow.id).where(
            PerformanceJobRow.state.in_([*jobs.RUNNING, jobs.PENDING_CANCEL]))))
        passive = set(session.scalars(select(PerformanceJobRow.id).where(
            PerformanceJobRow.state == jobs.IN_PROGRESS)))
        report_ids = [r.id for r in session.scalars(select(PerformanceReportRow).where(
            PerformanceReportRow.state == reports.IN_PROGRESS)) if r.job_id in passive or r.job_id is None]
    for job_id in job_ids:
        start_job(sof, job_id)
    for report_id in report_ids:
        start_report(sof, report_id)


@DBOS.workflow()
def run_performance_job(sof_name: str, job_id: str) -> None:
    while True:
        wait = performance_job_tick(sof_name, job_id)
        if wait is None:
            return
        durable_sleep(wait)


@DBOS.workflow()
def prepare_performance_report(sof_name: str, report_id: str) -> None:
    while True:
        wait = performance_report_tick(sof_name, report_id)
        if wait is None:
            return
        durable_sleep(wait)


@DBOS.step()
def performance_job_tick(sof_name: str, job_id: str) -> float | None:
    """One look at the job: what to do now, and how long to sleep before the next (None: done).
    Reads, then asks the network (no transaction held), then writes what it decided."""
    sof = registered(sof_name)
    with sof.database.read() as session:
        row = session.get(PerformanceJobRow, job_id)
        service = session.get(ServiceRow, row.service_id) if row is not None else None
        if row is None:
            return None
        if row.profile.get("jobType") == PASSIVE:
            return None  # its report's workflow does its work
        state, start_s, end_s, next_s, profile = row.state, row.start_s, row.end_s, row.next_report_s, row.profile
        period = profiles.seconds_of(row.profile["reportingPeriod"], "/reportingPeriod")
    if state == jobs.PENDING_CANCEL:
        return _move_job(sof, job_id, jobs.CANCELLED, "cancelled by the customer")
    if state not in jobs.RUNNING:
        return None
    if service is None or service.state != service_inventory.ACTIVE:
        return _move_job(sof, job_id, jobs.RESOURCES_UNAVAILABLE, "the service is no longer active",
                         termination=f"the service is {service.state if service else 'gone'}")
    clock = network_time(sof, service)
    if state == jobs.SCHEDULED:
        if clock.seconds < start_s:
            return clock.wall_seconds_until(start_s)
        _move_job(sof, job_id, jobs.IN_PROGRESS, "its start time came")
    if trigger_of(profile) is not None:  # its reports come from threshold crossings (triggered.py)
        if end_s is not None and clock.seconds >= end_s:
            return _move_job(sof, job_id, jobs.COMPLETED, "its schedule ended")
        return clock.wall_seconds_until(end_s) if end_s is not None else _LONGEST_SLEEP_S
    if end_s is not None and next_s >= end_s:
        return _move_job(sof, job_id, jobs.COMPLETED, "its schedule ended")
    period_end = next_s + period if end_s is None else min(end_s, next_s + period)
    if clock.seconds < period_end:
        return clock.wall_seconds_until(period_end)
    if state == jobs.SUSPENDED:  # periods that end while the job is suspended are not reported
        with sof.database.transaction() as session:
            session.get(PerformanceJobRow, job_id).next_report_s = period_end
        return clock.wall_seconds_until(period_end + period)
    report_id = f"{job_id}-{int(next_s)}"
    content, problem = _gather(sof, service, next_s, period_end)
    with sof.database.transaction() as session:
        row = session.get(PerformanceJobRow, job_id)
        if session.get(PerformanceReportRow, report_id) is None:
            # a v2 report shows its timeframe and job, which the rendering adds from the columns
            document = {"granularity": row.profile["granularity"], "outputFormat": "json",
                        "resultFormat": "payload", "monitoredObject": [row.document["monitoredObject"]],
                        "serviceSpecificConfiguration": row.profile["serviceSpecificConfiguration"]} \
                if apis.of(row.api).dialect == "v5" else {}
            report = PerformanceReportRow(
                id=report_id, api=row.api, party=row.party, state=reports.ACKNOWLEDGED, job_id=row.id,
                service_id=service.id, start_s=next_s, end_s=period_end, granularity_s=INTERVAL_S,
                document=document, content=None, termination=None, created_at=now(), updated_at=now())
            session.add(report)
            session.flush()
            reports.announce_created(session, report, wake=sof.wake)
            reports.transition_to(session, report, reports.IN_PROGRESS, why="its period ended", wake=sof.wake)
            _complete(session, sof, report, content, problem)
        row.next_report_s, row.reports = period_end, row.reports + 1
    return 0.0


def _move_job(sof: Sof, job_id: str, target: str, why: str, *, termination: str | None = None) -> float | None:
    with sof.database.transaction() as session:
        row = session.get(PerformanceJobRow, job_id)
        if row.state != target:
            if termination:
                row.termination = [{"code": "invalidValue", "propertyPath": "/monitoredObject/serviceId",
                                    "value": termination}]
            jobs.transition_to(session, row, target, why=why, wake=sof.wake)
    return None if target not in jobs.RUNNING else 0.0


@DBOS.step()
def performance_report_tick(sof_name: str, report_id: str) -> float | None:
    sof = registered(sof_name)
    with sof.database.read() as session:
        report = session.get(PerformanceReportRow, report_id)
        if report is None or report.state != reports.IN_PROGRESS:
            return None
        start_s, end_s = report.start_s, report.end_s
        service = session.get(ServiceRow, report.service_id)
    if service is None:
        content, problem = None, "the service no longer exists"
    else:
        clock = network_time(sof, service)
        if clock.seconds < end_s:
            return clock.wall_seconds_until(end_s)
        content, problem = _gather(sof, service, start_s, end_s)
    with sof.database.transaction() as session:
        report = session.get(PerformanceReportRow, report_id)
        if report.state == reports.IN_PROGRESS:
            _complete(session, sof, report, content, problem)
    return None


def _gather(sof: Sof, service: ServiceRow, start_s: float, end_s: float) -> tuple[list[Any] | None, str | None]:
    """Assemble the report's content from the segments (steps 3-5): the content, or why not."""
    def history(domain: str, uuid: str, start: str, end: str, **asked: Any) -> dict[str, Any]:  # noqa: ANN401
        return sof.presto.get_pm_history(domain, uuid, start=start, end=end, **asked)

    try:
        pm = service_pm(service, history, start_s=start_s, end_s=end_s)
    except (PrestoError, ValueError) as exc:
        return None, f"the performance data could not be gathered: {exc}"
    partner_segment.include(sof, service, pm, start_s=start_s, end_s=end_s)
    ends = (service.design["a"]["edgePoint"], service.design["z"]["edgePoint"])
    return report_content(pm, {"@type": "ServiceRef", "serviceId": service.id}, ends), None


def _complete(session: Session, sof: Sof, report: PerformanceReportRow, content: list[Any] | None,
              problem: str | None) -> None:
    job = session.get(PerformanceJobRow, report.job_id) if report.job_id else None
    if job is not None and job.profile.get("jobType") == PASSIVE and job.state == jobs.IN_PROGRESS:
        jobs.transition_to(session, job, jobs.COMPLETED, why="its report is done", wake=sof.wake)
    if problem is not None or content is None:
        report.termination = [{"code": "otherIssue", "value": problem or "no content"}]
        reports.transition_to(session, report, reports.FAILED, why=problem or "no content", wake=sof.wake)
        return
    report.content = content
    reports.transition_to(session, report, reports.COMPLETED, why="assembled", wake=sof.wake)
