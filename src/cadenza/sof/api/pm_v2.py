"""Performance Monitoring v2 (MEF W143) at the SOF: INTERLUDE (a buyer SOF at this partner,
§10.4 steps 3-4 seen from the partner) and LEGATO (the BUS), one router mounted per API.

Profiles, jobs (on demand, scheduled, passive behind a report asked for directly), the job
requests v2 makes resources (cancel, suspend, resume, modify), reports, tracking records and
the hub. Requests are checked against the official file before these routes run
(core/request_guard.py); a buyer sees only its own jobs and reports, and monitors only the
services it bought over this reference point. Thin: parse, authorise, call, render."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Response
from sqlalchemy import select

from cadenza.core.auth import Principal, require
from cadenza.core.errors import NotFound
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, Windows, date_windows, page_params, paginate
from cadenza.sof.performance import execution, tasks
from cadenza.sof.performance import job as jobs
from cadenza.sof.performance import profile as profiles
from cadenza.sof.performance import v2_payloads as v2
from cadenza.sof.performance.apis import PmApi
from cadenza.sof.performance.rows import (
    CancelPerformanceJobRow,
    PerformanceJobRow,
    PerformanceReportRow,
    PmTrackingRecordRow,
)
from cadenza.sof.service import Sof

__all__ = ["pm_v2_router"]

CREATED = date_windows("creationDate")
FRAME = date_windows("reportingTimeframe.startDate", "reportingTimeframe.endDate")


def _between(value: str | None, window: tuple[Any, Any]) -> bool:
    """`value` (an ISO date-time) strictly inside the window."""
    after, before = window
    if after is None and before is None:
        return True
    if value is None:
        return False
    moment = execution.epoch(value)
    assert moment is not None
    return (after is None or moment > after.timestamp()) and (before is None or moment < before.timestamp())


def _matching(found: list[dict[str, Any]], wanted: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in found if all(v is None or str(_field(d, k)) == str(v) for k, v in wanted.items())]


def _field(document: dict[str, Any], name: str) -> Any:  # noqa: ANN401 - a JSON value
    for part in name.split("."):
        document = document.get(part) if isinstance(document, dict) else None  # type: ignore[assignment]
    return document


def pm_v2_router(sof: Sof, api: PmApi, *, hub_store: HubStore, public_url: str) -> APIRouter:
    """`public_url`: where the domain answers; the spec's `href`s are absolute URIs."""
    router = APIRouter(prefix=api.base, tags=[f"{api.key.upper()} performance monitoring"])
    caller = Depends(require(api.scope))

    def absolute(document: dict[str, Any]) -> dict[str, Any]:
        for holder in (document, document.get("performanceJob")):
            if isinstance(holder, dict) and isinstance(holder.get("href"), str) and holder["href"].startswith("/"):
                holder["href"] = f"{public_url}{holder['href']}"
        return document

    def mine(query: Any, model: Any, principal: Principal) -> Any:  # noqa: ANN401 - a Select and a row class
        query = query.where(model.api == api.key)
        return query if principal.owner_filter is None else query.where(model.party == principal.owner_filter)

    # -- profiles ----------------------------------------------------------------------------
    @router.get("/performanceProfile")
    def list_profiles(response: Response, buyerProfileId: str | None = None, state: str | None = None,  # noqa: N803
                      jobType: str | None = None, granularity: str | None = None,  # noqa: N803
                      reportingPeriod: str | None = None, jobPriority: str | None = None,  # noqa: N803
                      created: Windows = Depends(CREATED), page: Page = Depends(page_params),
                      principal: Principal = caller) -> list[dict]:
        with sof.database.read() as session:
            found = [absolute(v2.render_profile(row, api)) for row in
                     profiles.listing(session, principal.owner_filter, api=api, created=created["creationDate"])]
        found = _matching(found, {"buyerProfileId": buyerProfileId, "state": state, "jobType": jobType,
                                  "granularity": granularity, "reportingPeriod": reportingPeriod,
                                  "jobPriority": jobPriority})
        return paginate(found, page, response)

    @router.post("/performanceProfile", status_code=201)
    def create_profile(body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:
        with sof.database.transaction() as session:
            row = profiles.create(session, body, principal.party, wake=sof.wake, api=api,
                                  values=v2.profile_values(body, None))
            return absolute(v2.render_profile(row, api))

    @router.get("/performanceProfile/{id}")
    def get_profile(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            return absolute(v2.render_profile(profiles.get(session, id, principal.owner_filter, api), api))

    @router.delete("/performanceProfile/{id}", status_code=204)
    def delete_profile(id: str, principal: Principal = caller) -> Response:  # noqa: A002
        with sof.database.transaction() as session:
            profiles.delete(session, id, principal.party, wake=sof.wake, api=api)
        return Response(status_code=204)

    # -- jobs --------------------------------------------------------------------------------
    @router.post("/performanceJob", status_code=201)
    def create_job(body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:
        row = execution.create_job(sof, v2.job_request(body), principal.party, api=api, stored=body,
                                   pointer="/servicePayloadSpecificAttributes/interface")
        if row.state in jobs.RUNNING:
            execution.start_job(sof, row.id)
        return absolute(v2.render_job(row, api))

    @router.get("/performanceJob")
    def list_jobs(response: Response, buyerJobId: str | None = None, performanceProfileId: str | None = None,  # noqa: N803
                  state: str | None = None, jobType: str | None = None, granularity: str | None = None,  # noqa: N803
                  reportingPeriod: str | None = None, consumingApplicationId: str | None = None,  # noqa: N803
                  producingApplicationId: str | None = None, jobPriority: str | None = None,  # noqa: N803
                  created: Windows = Depends(CREATED), page: Page = Depends(page_params),
                  principal: Principal = caller) -> list[dict]:
        with sof.database.read() as session:
            rows = list(session.scalars(mine(select(PerformanceJobRow), PerformanceJobRow, principal)
                                        .order_by(PerformanceJobRow.created_at, PerformanceJobRow.id)))
        found = [absolute(v2.render_job(r, api)) for r in rows]
        found = [j for j in found if _between(j["creationDate"], created["creationDate"])]
        values = {r.id: r.profile for r in rows}
        found = _matching(found, {"buyerJobId": buyerJobId, "state": state,
                                  "consumingApplicationId": consumingApplicationId,
                                  "producingApplicationId": producingApplicationId})
        by_profile = {"performanceProfileId": performanceProfileId, "jobType": jobType, "jobPriority": jobPriority}
        found = [j for j in found if all(v is None or str(_profile_field(values[j["id"]], k)) == v
                                         for k, v in by_profile.items())]
        for name, wanted in (("granularity", granularity), ("reportingPeriod", reportingPeriod)):
            if wanted is not None:
                found = [j for j in found if v2.duration_v2(values[j["id"]][name]) == wanted]
        return paginate(found, page, response)

    @router.get("/performanceJob/{id}")
    def get_job(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            return absolute(v2.render_job(tasks.job_of(session, id, principal.owner_filter, api), api))

    # -- cancel, suspend, resume, modify: a resource each ------------------------------------
    for kind, (path, _reason, _denied) in v2.TASKS.items():
        _task_routes(router, sof, api, kind, path, caller, mine, absolute)

    # -- reports -----------------------------------------------------------------------------
    @router.post("/performanceReport", status_code=201)
    def create_report(body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:
        neutral, job_document = v2.report_request(body)
        row = execution.create_report(sof, neutral, principal.party, api=api, stored=body, job_document=job_document)
        execution.start_report(sof, row.id)
        return absolute(v2.render_report(row, api))

    @router.get("/performanceReport")
    def list_reports(response: Response, performanceJobId: str | None = None, state: str | None = None,  # noqa: N803
                     granularity: str | None = None, outputFormat: str | None = None,  # noqa: N803
                     resultFormat: str | None = None, consumingApplicationId: str | None = None,  # noqa: N803
                     producingApplicationId: str | None = None, created: Windows = Depends(CREATED),  # noqa: N803
                     frame: Windows = Depends(FRAME), page: Page = Depends(page_params),
                     principal: Principal = caller) -> list[dict]:
        query = mine(select(PerformanceReportRow), PerformanceReportRow, principal)
        if performanceJobId is not None:
            query = query.where(PerformanceReportRow.job_id == performanceJobId)
        if state is not None:
            query = query.where(PerformanceReportRow.state == state)
        if granularity not in (None, "15 minutes") or outputFormat not in (None, "json") \
                or resultFormat not in (None, "payload"):
            return paginate([], page, response)  # every report is per 15 minutes, in json, in the payload
        with sof.database.read() as session:
            rows = list(session.scalars(query.order_by(PerformanceReportRow.created_at, PerformanceReportRow.id)))
            applications = {r.id: session.get(PerformanceJobRow, r.job_id) for r in rows if r.job_id}
        # the list shows each report without its content: GET /performanceReport/{id} has it
        found = [absolute(v2.render_report(r, api, content=False)) for r in rows]
        found = [r for r in found if _between(r["creationDate"], created["creationDate"])
                 and _between(r["reportingTimeframe"]["reportingStartDate"], frame["reportingTimeframe.startDate"])
                 and _between(r["reportingTimeframe"]["reportingEndDate"], frame["reportingTimeframe.endDate"])]
        for name, wanted in (("consumingApplicationId", consumingApplicationId),
                             ("producingApplicationId", producingApplicationId)):
            if wanted is not None:
                found = [r for r in found if (job := applications.get(r["id"])) is not None
                         and job.document.get(name) == wanted]
        return paginate(found, page, response)

    @router.get("/performanceReport/{id}")
    def get_report(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            row = session.get(PerformanceReportRow, id)
            if row is None or row.api != api.key or (principal.owner_filter is not None
                                                      and row.party != principal.owner_filter):
                raise NotFound(f"No performance report with id '{id}'")
            return absolute(v2.render_report(row, api))

    # -- tracking records --------------------------------------------------------------------
    @router.get("/trackingRecord")
    def list_tracking_records(response: Response, relatedObjectId: str | None = None,  # noqa: N803
                              user: str | None = None, created: Windows = Depends(CREATED),
                              page: Page = Depends(page_params), principal: Principal = caller) -> list[dict]:
        query = mine(select(PmTrackingRecordRow), PmTrackingRecordRow, principal)
        if relatedObjectId is not None:
            query = query.where(PmTrackingRecordRow.related_id == relatedObjectId)
        if user is not None:
            query = query.where(PmTrackingRecordRow.party == user)
        with sof.database.read() as session:
            rows = list(session.scalars(query.order_by(PmTrackingRecordRow.created_at, PmTrackingRecordRow.id)))
        found = [v2.render_tracking(r) for r in rows]
        return paginate([r for r in found if _between(r["creationDate"], created["creationDate"])], page, response)

    @router.get("/trackingRecord/{id}")
    def get_tracking_record(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            row = session.get(PmTrackingRecordRow, id)
            if row is None or row.api != api.key or (principal.owner_filter is not None
                                                      and row.party != principal.owner_filter):
                raise NotFound(f"No tracking record with id '{id}'")
            return v2.render_tracking(row)

    router.include_router(hub_router(api=api.hub, base_path="", scope=api.scope, event_types=api.event_types,
                                     hub_store=hub_store))
    return router


def _task_routes(router: APIRouter, sof: Sof, api: PmApi, kind: str, path: str, caller: Any,  # noqa: ANN401
                 mine: Any, absolute: Any) -> None:  # noqa: ANN401 - the router's own helpers
    """POST, list and retrieve of one kind of job request (its `path`, e.g. suspendPerformanceJob)."""

    def create(body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:
        with sof.database.transaction() as session:
            task = tasks.request(session, kind, body, principal.party, api, wake=sof.wake)
            return absolute(v2.render_task(task, api))

    def listing(response: Response, performanceJobId: str | None = None, state: str | None = None,  # noqa: N803
                created: Windows = Depends(CREATED), page: Page = Depends(page_params),
                principal: Principal = caller) -> list[dict]:
        query = mine(select(CancelPerformanceJobRow), CancelPerformanceJobRow, principal) \
            .where(CancelPerformanceJobRow.kind == kind)
        if performanceJobId is not None:
            query = query.where(CancelPerformanceJobRow.job_id == performanceJobId)
        if state is not None:
            query = query.where(CancelPerformanceJobRow.state == state)
        with sof.database.read() as session:
            rows = list(session.scalars(query.order_by(CancelPerformanceJobRow.created_at, CancelPerformanceJobRow.id)))
        found = [absolute(v2.render_task(r, api)) for r in rows]
        return paginate([t for t in found if _between(t["creationDate"], created["creationDate"])], page, response)

    def retrieve(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            row = session.get(CancelPerformanceJobRow, id)
            if row is None or row.api != api.key or row.kind != kind or (
                    principal.owner_filter is not None and row.party != principal.owner_filter):
                raise NotFound(f"No {path} with id '{id}'")
            return absolute(v2.render_task(row, api))

    router.add_api_route(f"/{path}", create, methods=["POST"], status_code=201, name=f"create_{path}")
    router.add_api_route(f"/{path}", listing, methods=["GET"], name=f"list_{path}")
    router.add_api_route(f"/{path}/{{id}}", retrieve, methods=["GET"], name=f"retrieve_{path}")


def _profile_field(values: dict[str, Any], name: str) -> Any:  # noqa: ANN401 - a JSON value
    return values.get("profileId") if name == "performanceProfileId" else values.get(name)
