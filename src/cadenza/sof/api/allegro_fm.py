"""ALLEGRO Fault Management v3 (MEF 55.0.1 §10.4, Customer -> SOF, fault part): jobs, their
suspension, resumption, modification and cancellation, reports, the complex queries, tracking
records and the hub. Requests are checked against the official file before these routes run
(core/request_guard.py); a customer sees only its own jobs and reports, on the services it is
the customer of. Thin: parse, authorise, call, render."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Response

from cadenza.core.auth import Principal, require
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, Windows, date_windows, page_params, paginate, paginate_query
from cadenza.interfaces.allegro.fm_paths import FM_BASE, FM_EVENT_TYPES, FM_HUB, SCOPE
from cadenza.sof.faults import execution, process, queries, repository, tracking
from cadenza.sof.faults import job as jobs
from cadenza.sof.faults import report as reports
from cadenza.sof.service import Sof

__all__ = ["allegro_fm_router"]

JobState = Literal["acknowledged", "cancelled", "completed", "inProgress", "pending", "pendingCancel", "rejected",
                   "resourcesUnavailable", "scheduled", "suspended"]
ReportState = Literal["acknowledged", "completed", "failed", "inProgress", "rejected"]
ProcessState = Literal["acknowledged", "completed", "inProgress", "rejected"]
JobType = Literal["proactive", "on-demand", "passive"]
CREATED = date_windows("creationDateTime")
TIMEFRAME = date_windows("reportingTimeframe.startDate", "reportingTimeframe.endDate")
_REPORT_DATES = {"reportingTimeframe.startDate": "reportingTimeframe.reportingStartDate",
                 "reportingTimeframe.endDate": "reportingTimeframe.reportingEndDate"}


def allegro_fm_router(sof: Sof, *, hub_store: HubStore) -> APIRouter:
    router = APIRouter(prefix=FM_BASE, tags=["ALLEGRO fault management"])
    caller = Depends(require(SCOPE))
    base = sof.public_url

    # -- jobs (step 2, scheduled variation) --------------------------------------------------
    @router.post("/faultManagementJob", status_code=201, operation_id="allegro.fm.createFaultManagementJob")
    def create_job(body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:
        row = execution.create_job(sof, body, principal.party)
        if row.state in jobs.RUNNING:
            execution.start_job(sof, row.id)
        return jobs.render(row, base)

    @router.get("/faultManagementJob", operation_id="allegro.fm.listFaultManagementJob")
    def list_jobs(response: Response, serviceId: str | None = None, serviceFromId: str | None = None,  # noqa: N803
                  serviceToId: str | None = None, entityId: str | None = None,  # noqa: N803
                  state: JobState | None = None, jobType: JobType | None = None,  # noqa: N803
                  jobPriority: str | None = None, created: Windows = Depends(CREATED),  # noqa: N803
                  page: Page = Depends(page_params), principal: Principal = caller) -> list[dict]:
        query = repository.jobs(principal.owner_filter, {
            "serviceId": serviceId, "serviceFromId": serviceFromId, "serviceToId": serviceToId, "entityId": entityId,
            "state": state, "jobType": jobType}, created["creationDateTime"])
        with sof.database.read() as session:
            if jobPriority is None:
                return [jobs.render(r, base) for r in paginate_query(session, query, page, response)]
            found = [jobs.render(r, base) for r in session.scalars(query)]
        return paginate([j for j in found if str(j.get("jobPriority", 5)) == jobPriority], page, response)

    @router.get("/faultManagementJob/{id}", operation_id="allegro.fm.retrieveFaultManagementJob")
    def get_job(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            return jobs.render(repository.job(session, id, principal.owner_filter), base)

    @router.post("/faultManagementJob/{id}/suspend", status_code=204,
                 operation_id="allegro.fm.suspendFaultManagementJob")
    def suspend_job(id: str, principal: Principal = caller) -> Response:  # noqa: A002
        execution.suspend_job(sof, id, principal.owner_filter)
        return Response(status_code=204)

    @router.post("/faultManagementJob/{id}/resume", status_code=204, operation_id="allegro.fm.resumeFaultManagementJob")
    def resume_job(id: str, principal: Principal = caller) -> Response:  # noqa: A002
        execution.resume_job(sof, id, principal.owner_filter)
        return Response(status_code=204)

    @router.post("/faultManagementJobComplexQuery", status_code=200,
                 operation_id="allegro.fm.faultManagementJobComplexQuery")
    def query_jobs(body: dict[str, Any] = Body(...), principal: Principal = caller) -> list[dict]:
        with sof.database.read() as session:
            found = [jobs.render(r, base) for r in session.scalars(
                repository.jobs(principal.owner_filter, {}, (None, None)))]
        return [j for j in found if queries.matches(j, body)]

    # -- cancellations and modifications -----------------------------------------------------
    def process_routes(kind: str, name: str) -> None:
        @router.get(f"/{name}", operation_id=f"allegro.fm.list{name[0].upper()}{name[1:]}")
        def list_processes(response: Response, faultManagementJobId: str | None = None,  # noqa: N803
                           state: ProcessState | None = None, created: Windows = Depends(CREATED),
                           page: Page = Depends(page_params), principal: Principal = caller) -> list[dict]:
            query = repository.processes(kind, principal.owner_filter,
                                         {"faultManagementJobId": faultManagementJobId, "state": state},
                                         created["creationDateTime"])
            with sof.database.read() as session:
                return [process.render(r, base) for r in paginate_query(session, query, page, response)]

        @router.get(f"/{name}/{{id}}", operation_id=f"allegro.fm.retrieve{name[0].upper()}{name[1:]}")
        def get_process(id: str, principal: Principal = caller) -> dict:  # noqa: A002
            with sof.database.read() as session:
                return process.render(repository.process(session, kind, id, principal.owner_filter), base)

    @router.post("/cancelFaultManagementJob", status_code=201, operation_id="allegro.fm.createCancelFaultManagementJob")
    def cancel_job(body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:
        return process.render(execution.cancel_job(sof, body, principal.party), base)

    @router.post("/modifyFaultManagementJob", status_code=201, operation_id="allegro.fm.createModifyFaultManagementJob")
    def modify_job(body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:
        return process.render(execution.modify_job(sof, body, principal.party), base)

    process_routes(process.CANCEL, "cancelFaultManagementJob")
    process_routes(process.MODIFY, "modifyFaultManagementJob")

    # -- reports (steps 5-6) -----------------------------------------------------------------
    @router.get("/faultManagementReport", operation_id="allegro.fm.listFaultManagementReport")
    def list_reports(response: Response, faultManagementJobId: str | None = None,  # noqa: N803
                     serviceFromId: str | None = None, serviceToId: str | None = None,  # noqa: N803
                     serviceId: str | None = None, entityId: str | None = None,  # noqa: N803
                     state: ReportState | None = None, outputFormat: str | None = None,  # noqa: N803
                     resultFormat: str | None = None, created: Windows = Depends(CREATED),  # noqa: N803
                     frame: Windows = Depends(TIMEFRAME), page: Page = Depends(page_params),
                     principal: Principal = caller) -> list[dict]:
        query = repository.reports(principal.owner_filter, {
            "faultManagementJobId": faultManagementJobId, "serviceFromId": serviceFromId, "serviceToId": serviceToId,
            "serviceId": serviceId, "entityId": entityId, "state": state, "outputFormat": outputFormat,
            "resultFormat": resultFormat}, created["creationDateTime"], frame["reportingTimeframe.startDate"],
            frame["reportingTimeframe.endDate"])
        with sof.database.read() as session:
            return [reports.render_found(r) for r in paginate_query(session, query, page, response)]

    @router.get("/faultManagementReport/{id}", operation_id="allegro.fm.retrieveFaultManagementReport")
    def get_report(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            return reports.render(repository.report(session, id, principal.owner_filter), base)

    @router.post("/faultManagementReportComplexQuery", status_code=200,
                 operation_id="allegro.fm.faultManagementReportComplexQuery")
    def query_reports(body: dict[str, Any] = Body(...), principal: Principal = caller) -> list[dict]:
        with sof.database.read() as session:
            found = [reports.render_found(r) for r in session.scalars(
                repository.reports(principal.owner_filter, {}, (None, None), (None, None), (None, None)))]
        return [r for r in found if queries.matches(r, body, aliases=_REPORT_DATES)]

    # -- tracking records --------------------------------------------------------------------
    @router.get("/trackingRecord", operation_id="allegro.fm.listTrackingRecord")
    def list_tracking_records(response: Response,
                              job_id: str | None = Query(None, alias="relatedFaultManagementJobId"),
                              report_id: str | None = Query(None, alias="relatedFaultManagementReportId"),
                              created: Windows = Depends(CREATED), page: Page = Depends(page_params),
                              principal: Principal = caller) -> list[dict]:
        query = repository.tracking_records(principal.owner_filter, {tracking.JOB: job_id, tracking.REPORT: report_id},
                                            created["creationDateTime"])
        with sof.database.read() as session:
            return [tracking.render(r) for r in paginate_query(session, query, page, response)]

    router.include_router(hub_router(api=FM_HUB, base_path="", scope=SCOPE, event_types=FM_EVENT_TYPES,
                                     hub_store=hub_store))
    return router


