"""Requests about a performance job that PM v2 makes resources of their own (cancel, suspend,
resume, modify: `PerformanceJobProcessStateType`).

    acknowledged -> completed   (done at once: nothing is held for a job between its reports)
    acknowledged -> declined    (the job is not in a state the request applies to, or the
                                 change is not offered: the denied reason says which)

Each request is announced to the buyer when it settles (`<kind>PerformanceJobStateChangeEvent`),
and the job's own state changes as the job's module announces them. v5 cancels through the
same table (sof/api/allegro_pm.py); its requests have v5's states.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from cadenza.core.clock import now
from cadenza.core.errors import NotFound, Unprocessable
from cadenza.core.ids import new_id
from cadenza.core.notifications.outbox import publish
from cadenza.sof.performance import execution, tracking
from cadenza.sof.performance import job as jobs
from cadenza.sof.performance import profile as profiles
from cadenza.sof.performance.apis import PmApi
from cadenza.sof.performance.rows import CancelPerformanceJobRow, PerformanceJobRow
from cadenza.sof.performance.v2_payloads import TASKS, duration_v5

__all__ = ["ACKNOWLEDGED", "COMPLETED", "DECLINED", "request", "job_of"]

ACKNOWLEDGED, COMPLETED, DECLINED = "acknowledged", "completed", "declined"
_EVENT = {"cancel": "cancelPerformanceJobStateChangeEvent", "suspend": "suspendPerformanceJobStateChangeEvent",
          "resume": "resumePerformanceJobStateChangeEvent", "modify": "modifyPerformanceJobStateChangeEvent"}


def job_of(session: Session, job_id: str, party: str | None, api: PmApi) -> PerformanceJobRow:
    row = session.get(PerformanceJobRow, job_id)
    if row is None or row.api != api.key or (party is not None and row.party != party):
        raise NotFound(f"No performance job with id '{job_id}'")
    return row


def request(session: Session, kind: str, body: dict[str, Any], party: str, api: PmApi, *,
            wake: Callable[[], None] | None) -> CancelPerformanceJobRow:
    """Record the request and carry it out, or decline it saying why."""
    job_id = body["performanceJob"].get("id")
    try:
        job = job_of(session, str(job_id), party, api)
    except NotFound:
        raise Unprocessable(f"/performanceJob/id: no performance job '{job_id}' of yours", code="referenceNotFound",
                            property_path="/performanceJob/id") from None
    task = CancelPerformanceJobRow(id=new_id(), api=api.key, party=party, job_id=job.id, kind=kind,
                                   state=ACKNOWLEDGED, document=dict(body), denied=None, created_at=now())
    session.add(task)
    task.denied = _carry_out(session, kind, job, body, wake)
    task.state = DECLINED if task.denied else COMPLETED
    tracking.record(session, party=party, kind="PerformanceJobRef", related=job.id, source="client",
                    description=f"{kind} {task.state}" + (f": {task.denied}" if task.denied else ""), api=api)
    publish(session, api=api.hub, event_type=_EVENT[kind], party=party, wake=wake,
            listener_base_path=api.listener_base,
            resource={"id": task.id, "href": f"{api.base}/{TASKS[kind][0]}/{task.id}"})
    session.flush()
    return task


def _carry_out(session: Session, kind: str, job: PerformanceJobRow, body: dict[str, Any],
               wake: Callable[[], None] | None) -> str | None:
    """Do it; why not, if it cannot be done."""
    wanted = {"cancel": jobs.RUNNING, "suspend": {jobs.IN_PROGRESS}, "resume": {jobs.SUSPENDED},
              "modify": jobs.RUNNING}[kind]
    if job.state not in wanted:
        return f"performance job {job.id} is {job.state}: a {kind} applies to a job that is " \
               f"{' or '.join(sorted(wanted))}"
    if kind == "cancel":
        jobs.transition_to(session, job, jobs.PENDING_CANCEL, why="cancellation accepted", wake=wake)
        jobs.transition_to(session, job, jobs.CANCELLED, why="cancelled by the buyer", wake=wake)
    elif kind == "suspend":
        jobs.transition_to(session, job, jobs.SUSPENDED, why="suspended by the buyer", wake=wake)
    elif kind == "resume":
        jobs.transition_to(session, job, jobs.IN_PROGRESS, why="resumed by the buyer", wake=wake)
    else:
        return _modify(session, job, body, wake)
    return None


def _modify(session: Session, job: PerformanceJobRow, body: dict[str, Any], wake: Callable[[], None] | None) \
        -> str | None:
    """The job's values change from its next report on; its service and start, once it runs, do not."""
    attributes = body.get("servicePayloadSpecificAttributes")
    if attributes and attributes.get("interface") != job.document["servicePayloadSpecificAttributes"].get("interface"):
        return "the monitored service of a job cannot change: create a job for the other service"
    values = dict(job.profile)
    if body.get("performanceProfile") and job.document["performanceProfile"].get("@type") == "PerformanceProfileRef":
        return (f"the job runs with profile {job.document['performanceProfile'].get('id')}: its values are the "
                "profile's (create a job with other values)")
    for key in ("jobPriority", "outputFormat", "resultFormat"):
        if key in (body.get("performanceProfile") or {}):
            values[key] = body["performanceProfile"][key]
    for key in ("granularity", "reportingPeriod"):
        if key in (body.get("performanceProfile") or {}):
            values[key] = duration_v5(body["performanceProfile"][key], f"/performanceProfile/{key}")
    try:
        profiles.check_values(values, "/performanceProfile")
    except Unprocessable as exc:
        return exc.reason
    schedule = body.get("scheduleDefinition") or {}
    start = execution.epoch(schedule.get("scheduleDefinitionStartTime"))
    end = execution.epoch(schedule.get("scheduleDefinitionEndTime"))
    if start is not None and job.state != jobs.SCHEDULED:
        return f"performance job {job.id} has started: its start time cannot change"
    if (end if end is not None else job.end_s or float("inf")) <= (start if start is not None else job.start_s):
        return "the schedule would end before it starts"
    before = job.state
    jobs.transition_to(session, job, jobs.PENDING, why="modification accepted", wake=wake)
    if start is not None:
        job.start_s = job.next_report_s = execution.interval_start(start)
    if end is not None:
        job.end_s = end
    job.profile = values
    document = {**job.document, **{k: v for k, v in body.items() if k not in ("performanceJob", "modificationReason")}}
    document["performanceProfile"] = {**job.document["performanceProfile"], **(body.get("performanceProfile") or {})}
    if schedule:
        document["scheduleDefinition"] = {**job.document.get("scheduleDefinition", {}), **schedule}
    job.document = document
    jobs.transition_to(session, job, before, why="modified by the buyer", wake=wake)
    return None
