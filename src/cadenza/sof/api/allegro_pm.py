"""ALLEGRO Performance Monitoring v5 (MEF 55.0.1 §10.4, Customer -> SOF): profiles, jobs, job
cancellations, reports, tracking records and the hub. Requests are checked against the official
file before these routes run (core/request_guard.py); a customer sees only its own jobs and
reports and the services it is the customer of. Thin: parse, authorise, call, render."""

from __future__ import annotations

from datetime import UTC
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Response
from sqlalchemy import Select, select

from cadenza.core.auth import Principal, require
from cadenza.core.clock import iso, now
from cadenza.core.errors import NotFound, Unprocessable
from cadenza.core.ids import new_id
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.outbox import publish
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, Windows, date_windows, page_params, paginate, paginate_query, within
from cadenza.interfaces.allegro.pm_paths import PM_BASE, PM_EVENT_TYPES, PM_HUB, PM_LISTENER_BASE, SCOPE
from cadenza.sof.performance import execution, tracking
from cadenza.sof.performance import job as jobs
from cadenza.sof.performance import profile as profiles
from cadenza.sof.performance import report as reports
from cadenza.sof.performance.rows import (
    CancelPerformanceJobRow,
    PerformanceJobRow,
    PerformanceReportRow,
    PmTrackingRecordRow,
)
from cadenza.sof.service import Sof

__all__ = ["allegro_pm_router"]

JobState = Literal["acknowledged", "cancelled", "completed", "inProgress", "pending", "pendingCancel", "rejected",
                   "resourcesUnavailable", "scheduled", "suspended"]
ReportState = Literal["acknowledged", "completed", "failed", "inProgress", "rejected"]
ProcessState = Literal["acknowledged", "completed", "inProgress", "rejected"]
CREATED = date_windows("creationDateTime")


def _mine(query: Select[Any], column: Any, principal: Principal) -> Select[Any]:  # noqa: ANN401 - a column
    return query if principal.owner_filter is None else query.where(column == principal.owner_filter)


def _cancel_view(row: CancelPerformanceJobRow) -> dict[str, Any]:
    return {"id": row.id, "href": f"{PM_BASE}/cancelPerformanceJob/{row.id}", "state": row.state,
            "creationDateTime": iso(row.created_at.astimezone(UTC)),
            "performanceJob": {"@type": "PerformanceJobRef", "performanceJobId": row.job_id,
                               "performanceJobHref": jobs.href(row.job_id)}}


def allegro_pm_router(sof: Sof, *, hub_store: HubStore, public_url: str) -> APIRouter:
    """`public_url`: where the domain answers; the spec's `href`s are absolute URIs."""
    router = APIRouter(prefix=PM_BASE, tags=["ALLEGRO performance monitoring"])
    caller = Depends(require(SCOPE))

    def absolute(document: dict[str, Any]) -> dict[str, Any]:
        if isinstance(document.get("href"), str) and document["href"].startswith("/"):
            document["href"] = f"{public_url}{document['href']}"
        return document

    def job_of(session: Any, job_id: str, principal: Principal) -> PerformanceJobRow:  # noqa: ANN401
        row = session.get(PerformanceJobRow, job_id)
        if row is None or (principal.owner_filter is not None and row.party != principal.owner_filter):
            raise NotFound(f"No performance job with id '{job_id}'")
        return row

    # -- profiles: the report types offered (step 1) -----------------------------------------
    @router.get("/performanceProfile")
    def list_profiles(response: Response, jobType: str | None = None, jobPriority: int | None = None,  # noqa: N803
                      lifecycleStatus: str | None = None, created: Windows = Depends(CREATED),  # noqa: N803
                      page: Page = Depends(page_params), principal: Principal = caller) -> list[dict]:
        with sof.database.read() as session:
            found = [absolute(profiles.render(row, session))
                     for row in profiles.listing(session, principal.owner_filter, created=created["creationDateTime"])]
        wanted = {"jobType": jobType, "jobPriority": jobPriority, "lifecycleStatus": lifecycleStatus}
        found = [p for p in found if all(v is None or p.get(k) == v for k, v in wanted.items())]
        return paginate(found, page, response)

    @router.post("/performanceProfile", status_code=201)
    def create_profile(body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:
        with sof.database.transaction() as session:
            row = profiles.create(session, body, principal.party, wake=sof.wake)
            return absolute(profiles.render(row, session))

    @router.get("/performanceProfile/{id}")
    def get_profile(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            return absolute(profiles.render(profiles.get(session, id, principal.owner_filter), session))

    @router.delete("/performanceProfile/{id}", status_code=204)
    def delete_profile(id: str, principal: Principal = caller) -> Response:  # noqa: A002
        with sof.database.transaction() as session:
            profiles.delete(session, id, principal.party, wake=sof.wake)
        return Response(status_code=204)

    # -- jobs (steps 2, scheduled variation) -------------------------------------------------
    @router.post("/performanceJob", status_code=201)
    def create_job(body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:
        row = execution.create_job(sof, body, principal.party)
        if row.state in jobs.RUNNING:
            execution.start_job(sof, row.id)
        return absolute(jobs.render(row))

    @router.get("/performanceJob")
    def list_jobs(response: Response, buyerJobId: str | None = None, serviceId: str | None = None,  # noqa: N803
                  serviceFromId: str | None = None, serviceToId: str | None = None,  # noqa: N803
                  entityId: str | None = None, performanceProfileId: str | None = None,  # noqa: N803
                  state: JobState | None = None, jobType: str | None = None, jobPriority: int | None = None,  # noqa: N803
                  consumingApplicationId: str | None = None, producingApplicationId: str | None = None,  # noqa: N803
                  created: Windows = Depends(CREATED), page: Page = Depends(page_params),
                  principal: Principal = caller) -> list[dict]:
        query = within(_mine(select(PerformanceJobRow), PerformanceJobRow.party, principal),
                       PerformanceJobRow.created_at, created["creationDateTime"])
        if state is not None:
            query = query.where(PerformanceJobRow.state == state)
        if serviceId is not None:
            query = query.where(PerformanceJobRow.service_id == serviceId)
        if serviceFromId or serviceToId or entityId:
            return paginate([], page, response)  # this seller monitors services (ServiceRef) only
        with sof.database.read() as session:
            rows = list(session.scalars(query.order_by(PerformanceJobRow.created_at, PerformanceJobRow.id)))
        found = [absolute(jobs.render(r)) for r in rows]
        wanted = {"buyerJobId": buyerJobId, "consumingApplicationId": consumingApplicationId,
                  "producingApplicationId": producingApplicationId}
        found = [j for j in found if all(v is None or j.get(k) == v for k, v in wanted.items())]
        rows_by_id = {r.id: r for r in rows}
        profile_filter = {"performanceProfileId": performanceProfileId, "jobType": jobType, "jobPriority": jobPriority}
        found = [j for j in found if all(v is None or _profile_field(rows_by_id[j["id"]], k) == v
                                         for k, v in profile_filter.items())]
        return paginate(found, page, response)

    @router.get("/performanceJob/{id}")
    def get_job(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            return absolute(jobs.render(job_of(session, id, principal)))

    def move(job_id: str, target: str, why: str, principal: Principal) -> Response:
        with sof.database.transaction() as session:
            row = job_of(session, job_id, principal)
            try:
                jobs.transition_to(session, row, target, why=why, wake=sof.wake)
            except jobs.IllegalJobTransition as exc:
                raise Unprocessable(str(exc), code="invalidValue", property_path="/id") from None
        return Response(status_code=204)

    @router.post("/performanceJob/{id}/suspend", status_code=204)
    def suspend_job(id: str, principal: Principal = caller) -> Response:  # noqa: A002
        return move(id, jobs.SUSPENDED, "suspended by the customer", principal)

    @router.post("/performanceJob/{id}/resume", status_code=204)
    def resume_job(id: str, principal: Principal = caller) -> Response:  # noqa: A002
        return move(id, jobs.IN_PROGRESS, "resumed by the customer", principal)

    # -- cancellations -----------------------------------------------------------------------
    @router.post("/cancelPerformanceJob", status_code=201)
    def cancel_job(body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:
        job_id = body["performanceJob"]["performanceJobId"]
        with sof.database.transaction() as session:
            try:
                row = job_of(session, job_id, principal)
            except NotFound:
                raise Unprocessable(f"/performanceJob/performanceJobId: no performance job '{job_id}'",
                                    code="referenceNotFound", property_path="/performanceJob/performanceJobId") \
                    from None
            if row.state not in jobs.RUNNING:
                raise Unprocessable(f"/performanceJob/performanceJobId: performance job {job_id} is {row.state}: "
                                    "only a scheduled, running or suspended job can be cancelled",
                                    property_path="/performanceJob/performanceJobId")
            cancel = CancelPerformanceJobRow(id=new_id(), party=row.party, job_id=row.id, state="acknowledged",
                                             created_at=now())
            session.add(cancel)
            # Nothing is held for a job between its reports: the cancellation completes at once.
            jobs.transition_to(session, row, jobs.PENDING_CANCEL, why="cancellation accepted", wake=sof.wake)
            jobs.transition_to(session, row, jobs.CANCELLED, why="cancelled by the customer", wake=sof.wake)
            for state in ("inProgress", "completed"):
                cancel.state = state
                publish(session, api=PM_HUB, event_type="cancelPerformanceJobStateChangeEvent", party=row.party,
                        listener_base_path=PM_LISTENER_BASE, wake=sof.wake,
                        resource={"id": cancel.id, "href": f"{PM_BASE}/cancelPerformanceJob/{cancel.id}",
                                  "state": state})
            session.flush()
            return _cancel_view(cancel)

    @router.get("/cancelPerformanceJob")
    def list_cancellations(response: Response, performanceJobId: str | None = None,  # noqa: N803
                           state: ProcessState | None = None, created: Windows = Depends(CREATED),
                           page: Page = Depends(page_params), principal: Principal = caller) -> list[dict]:
        query = within(_mine(select(CancelPerformanceJobRow), CancelPerformanceJobRow.party, principal),
                       CancelPerformanceJobRow.created_at, created["creationDateTime"])
        if performanceJobId is not None:
            query = query.where(CancelPerformanceJobRow.job_id == performanceJobId)
        if state is not None:
            query = query.where(CancelPerformanceJobRow.state == state)
        with sof.database.read() as session:
            rows = paginate_query(session, query.order_by(CancelPerformanceJobRow.created_at), page, response)
            return [_cancel_view(r) for r in rows]

    @router.get("/cancelPerformanceJob/{id}")
    def get_cancellation(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            row = session.get(CancelPerformanceJobRow, id)
            if row is None or (principal.owner_filter is not None and row.party != principal.owner_filter):
                raise NotFound(f"No cancel performance job with id '{id}'")
            return _cancel_view(row)

    # -- reports (steps 2-6) -----------------------------------------------------------------
    @router.post("/performanceReport", status_code=201)
    def create_report(body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:
        row = execution.create_report(sof, body, principal.party)
        execution.start_report(sof, row.id)
        return absolute(reports.render(row))

    @router.get("/performanceReport")
    def list_reports(response: Response, performanceJobId: str | None = None,  # noqa: N803
                     serviceFromId: str | None = None, serviceToId: str | None = None,  # noqa: N803
                     serviceId: str | None = None, entityId: str | None = None,  # noqa: N803
                     state: ReportState | None = None, outputFormat: str | None = None,  # noqa: N803
                     resultFormat: str | None = None, created: Windows = Depends(CREATED),  # noqa: N803
                     frame: Windows = Depends(date_windows("reportingTimeframe.startDate",
                                                           "reportingTimeframe.endDate")),
                     page: Page = Depends(page_params), principal: Principal = caller) -> list[dict]:
        query = within(_mine(select(PerformanceReportRow), PerformanceReportRow.party, principal),
                       PerformanceReportRow.created_at, created["creationDateTime"])
        if performanceJobId is not None:
            query = query.where(PerformanceReportRow.job_id == performanceJobId)
        if serviceId is not None:
            query = query.where(PerformanceReportRow.service_id == serviceId)
        if state is not None:
            query = query.where(PerformanceReportRow.state == state)
        for name, column in (("reportingTimeframe.startDate", PerformanceReportRow.start_s),
                             ("reportingTimeframe.endDate", PerformanceReportRow.end_s)):
            after, before = frame[name]
            if after is not None:
                query = query.where(column > after.timestamp())
            if before is not None:
                query = query.where(column < before.timestamp())
        if serviceFromId or serviceToId or entityId or outputFormat not in (None, "json") \
                or resultFormat not in (None, "payload"):
            return paginate([], page, response)
        with sof.database.read() as session:
            rows = paginate_query(session, query.order_by(PerformanceReportRow.created_at, PerformanceReportRow.id),
                                  page, response)
            # the list shows each report without its content: GET /performanceReport/{id} has it
            return [absolute({k: v for k, v in reports.render(r).items() if k != "reportContent"}) for r in rows]

    @router.get("/performanceReport/{id}")
    def get_report(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            row = session.get(PerformanceReportRow, id)
            if row is None or (principal.owner_filter is not None and row.party != principal.owner_filter):
                raise NotFound(f"No performance report with id '{id}'")
            return absolute(reports.render(row))

    # -- tracking records --------------------------------------------------------------------
    @router.get("/trackingRecord")
    def list_tracking_records(response: Response, relatedPerformanceJobId: str | None = None,  # noqa: N803
                              relatedPerformanceProfileId: str | None = None,  # noqa: N803
                              relatedPerformanceReportId: str | None = None,  # noqa: N803
                              created: Windows = Depends(CREATED), page: Page = Depends(page_params),
                              principal: Principal = caller) -> list[dict]:
        query = within(_mine(select(PmTrackingRecordRow), PmTrackingRecordRow.party, principal),
                       PmTrackingRecordRow.created_at, created["creationDateTime"])
        for kind, wanted in (("PerformanceJobRef", relatedPerformanceJobId),
                             ("PerformanceProfileRef", relatedPerformanceProfileId),
                             ("PerformanceReportRef", relatedPerformanceReportId)):
            if wanted is not None:
                query = query.where(PmTrackingRecordRow.related_type == kind, PmTrackingRecordRow.related_id == wanted)
        with sof.database.read() as session:
            rows = paginate_query(session, query.order_by(PmTrackingRecordRow.created_at, PmTrackingRecordRow.id),
                                  page, response)
            return [tracking.render(r) for r in rows]

    router.include_router(hub_router(api=PM_HUB, base_path="", scope=SCOPE, event_types=PM_EVENT_TYPES,
                                     hub_store=hub_store))
    return router


def _profile_field(row: PerformanceJobRow, name: str) -> Any:  # noqa: ANN401 - a JSON value
    if name == "performanceProfileId":
        return row.profile.get("profileId")
    return row.profile.get(name)

