"""ALLEGRO Service Function Testing v3 (MEF 55.0.1 §10.3 steps 9-12, the customer testing its
own service): test profiles, test jobs with their cancel / suspend / resume / modify requests,
test results and the hub. Requests are checked against the official file before these routes
run (core/request_guard.py); a customer sees only its own jobs, results and profiles (and the
provider's offered profiles), on the services it is the customer of. Thin: parse, authorise,
call, render."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Response

from cadenza.core.auth import Principal, require
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, Windows, date_windows, page_params, paginate, paginate_query
from cadenza.interfaces.allegro.sft_paths import SCOPE, SFT_BASE, SFT_EVENT_TYPES, SFT_HUB
from cadenza.sof.function_testing import execution, process, profiles, repository
from cadenza.sof.function_testing import job as jobs
from cadenza.sof.function_testing import profile as profile_views
from cadenza.sof.function_testing import result as results
from cadenza.sof.service import Sof

__all__ = ["allegro_sft_router"]

ProcessState = Literal["accepted", "acknowledged", "rejected"]
CREATED = date_windows("creationDate")
PROFILE_DATES = date_windows("creationDate", "lastUpdate")
SCHEDULE = date_windows("requestedStartDateTime", "requestedEndDateTime")


def allegro_sft_router(sof: Sof, *, hub_store: HubStore) -> APIRouter:
    router = APIRouter(prefix=SFT_BASE, tags=["ALLEGRO service function testing"])
    caller = Depends(require(SCOPE))
    base = sof.public_url

    # -- test profiles -----------------------------------------------------------------------
    @router.get("/testProfile", operation_id="allegro.sft.listTestProfile")
    def list_profiles(response: Response, relatedServiceSpecificationId: str | None = None,  # noqa: N803
                      dates: Windows = Depends(PROFILE_DATES), page: Page = Depends(page_params),
                      principal: Principal = caller) -> list[dict]:
        query = repository.profiles(principal.owner_filter, relatedServiceSpecificationId, dates["creationDate"],
                                    dates["lastUpdate"])
        with sof.database.read() as session:
            return [profile_views.render(r, base) for r in paginate_query(session, query, page, response)]

    @router.post("/testProfile", status_code=201, operation_id="allegro.sft.createTestProfile")
    def create_profile(body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:
        return profile_views.render(profiles.create_profile(sof, body, principal.party), base)

    @router.get("/testProfile/{id}", operation_id="allegro.sft.retrieveTestProfile")
    def get_profile(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            return profile_views.render(repository.profile(session, id, principal.owner_filter), base)

    @router.patch("/testProfile/{id}", operation_id="allegro.sft.modifyTestProfile")
    def modify_profile(id: str, body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:  # noqa: A002
        return profile_views.render(profiles.modify_profile(sof, id, body, principal.owner_filter), base)

    @router.delete("/testProfile/{id}", status_code=204, operation_id="allegro.sft.deleteTestProfile")
    def delete_profile(id: str, principal: Principal = caller) -> Response:  # noqa: A002
        profiles.delete_profile(sof, id, principal.owner_filter)
        return Response(status_code=204)

    # -- test jobs ---------------------------------------------------------------------------
    @router.post("/testJob", status_code=201, operation_id="allegro.sft.createTestJob")
    def create_job(body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:
        row = execution.create_job(sof, body, principal.party)
        if row.state in jobs.RUNNING:
            execution.start_job(sof, row.id)
        return jobs.render(row, base)

    @router.get("/testJob", operation_id="allegro.sft.listTestJob")
    def list_jobs(response: Response, relatedServiceIdFrom: str | None = None,  # noqa: N803
                  relatedServiceIdTo: str | None = None, testProfileId: str | None = None,  # noqa: N803
                  name: str | None = None, schedule: Windows = Depends(SCHEDULE), page: Page = Depends(page_params),
                  principal: Principal = caller) -> list[dict]:
        query = repository.jobs(principal.owner_filter, {"relatedServiceIdFrom": relatedServiceIdFrom,
                                                         "relatedServiceIdTo": relatedServiceIdTo,
                                                         "testProfileId": testProfileId},
                                schedule["requestedStartDateTime"], schedule["requestedEndDateTime"])
        with sof.database.read() as session:
            if name is None:
                return [jobs.render_found(r) for r in paginate_query(session, query, page, response)]
            found = [jobs.render_found(r) for r in session.scalars(query)]
        return paginate([j for j in found if j["name"] == name], page, response)

    @router.get("/testJob/{id}", operation_id="allegro.sft.retrieveTestJob")
    def get_job(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            return jobs.render(repository.job(session, id, principal.owner_filter), base)

    # -- cancel, suspend, resume, modify -----------------------------------------------------
    def process_routes(kind: str) -> None:
        name = f"{kind}TestJob"
        title = f"{kind[0].upper()}{kind[1:]}TestJob"

        @router.post(f"/{name}", status_code=201, operation_id=f"allegro.sft.create{title}")
        def create_process(body: dict[str, Any] = Body(...), principal: Principal = caller) -> dict:
            row = execution.request(sof, kind, body, principal.party)
            return process.render(row, base)

        @router.get(f"/{name}", operation_id=f"allegro.sft.list{title}")
        def list_processes(response: Response, testJobId: str | None = None,  # noqa: N803
                           state: ProcessState | None = None, created: Windows = Depends(CREATED),
                           page: Page = Depends(page_params), principal: Principal = caller) -> list[dict]:
            query = repository.processes(kind, principal.owner_filter, {"testJobId": testJobId, "state": state},
                                         created["creationDate"])
            with sof.database.read() as session:
                return [process.render(r, base) for r in paginate_query(session, query, page, response)]

        @router.get(f"/{name}/{{id}}", operation_id=f"allegro.sft.retrieve{title}")
        def get_process(id: str, principal: Principal = caller) -> dict:  # noqa: A002
            with sof.database.read() as session:
                return process.render(repository.process(session, kind, id, principal.owner_filter), base)

    for kind in process.KINDS:
        process_routes(kind)

    # -- test results ------------------------------------------------------------------------
    @router.get("/testResult", operation_id="allegro.sft.listTestResult")
    def list_results(response: Response, testJobId: str | None = None,  # noqa: N803
                     relatedServiceIdFrom: str | None = None, relatedServiceIdTo: str | None = None,  # noqa: N803
                     relatedServiceSpecificationId: str | None = None,  # noqa: N803
                     relatedContactInformationName: str | None = None,  # noqa: N803
                     schedule: Windows = Depends(SCHEDULE), page: Page = Depends(page_params),
                     principal: Principal = caller) -> list[dict]:
        query = repository.results(principal.owner_filter, {
            "testJobId": testJobId, "relatedServiceIdFrom": relatedServiceIdFrom,
            "relatedServiceIdTo": relatedServiceIdTo, "relatedServiceSpecificationId": relatedServiceSpecificationId,
            "relatedContactInformationName": relatedContactInformationName},
            schedule["requestedStartDateTime"], schedule["requestedEndDateTime"])
        with sof.database.read() as session:
            return [results.render_found(r, base) for r in paginate_query(session, query, page, response)]

    @router.get("/testResult/{id}", operation_id="allegro.sft.retrieveTestResult")
    def get_result(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            return results.render(repository.result(session, id, principal.owner_filter), base)

    router.include_router(hub_router(api=SFT_HUB, base_path="", scope=SCOPE, event_types=SFT_EVENT_TYPES,
                                     hub_store=hub_store))
    return router
