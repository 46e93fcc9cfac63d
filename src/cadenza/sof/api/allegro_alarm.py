"""Alarm Management v3 as the SOF serves it: over ALLEGRO to customers, the alarms on their own
services (docs/allegro-profile.md), and over LEGATO to the BUS, the alarms on the services it
ordered (interfaces/legato/alarm.py); listed with the spec's filters or retrieved by id, and the
hub for Alarm Notifications. Thin: parse, authorise, query, render."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response

from cadenza.core.auth import Principal, require
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.store import HubStore
from cadenza.core.paging import Page, Windows, date_windows, page_params, paginate_query
from cadenza.interfaces.allegro.alarm_paths import ALARM_API, ALARM_BASE, ALARM_EVENT_TYPES
from cadenza.interfaces.legato.alarm import LEGATO_ALARM_API, LEGATO_ALARM_BASE
from cadenza.sof.alarms import store
from cadenza.sof.alarms.views import alarm_common_view, alarm_view
from cadenza.sof.service import Sof

__all__ = ["alarm_router", "legato_alarm_router", "ALLEGRO_SCOPE"]

ALLEGRO_SCOPE = "allegro"
ALARM_DATES = date_windows("alarmChangedTime", "alarmClearedTime", "alarmReportingTime")


def alarm_router(sof: Sof, *, hub_store: HubStore) -> APIRouter:
    """ALLEGRO: a customer's alarms."""
    return _alarm_router(sof, hub_store, base=ALARM_BASE, api=ALARM_API, scope=ALLEGRO_SCOPE, seen_by=store.CUSTOMER)


def legato_alarm_router(sof: Sof, *, hub_store: HubStore) -> APIRouter:
    """LEGATO: the alarms on the services the calling BUS ordered."""
    return _alarm_router(sof, hub_store, base=LEGATO_ALARM_BASE, api=LEGATO_ALARM_API, scope="legato",
                         seen_by=store.BUYER)


def _alarm_router(sof: Sof, hub_store: HubStore, *, base: str, api: str, scope: str, seen_by: str) -> APIRouter:
    router = APIRouter(prefix=base, tags=[f"{scope.upper()} alarm"])
    caller = Depends(require(scope))

    @router.get("/alarm", operation_id=f"{scope}.listAlarms", summary="List or find Alarm objects")
    def list_alarms(response: Response, page: Page = Depends(page_params), dates: Windows = Depends(ALARM_DATES),
                    id: str | None = None,  # noqa: A002
                    alarm_type: str | None = Query(None, alias="alarmType"),
                    alarmed_object_type: str | None = Query(None, alias="alarmedObjectType"),
                    perceived_severity: str | None = Query(None, alias="perceivedSeverity"),
                    planned_outage: str | None = Query(None, alias="plannedOutageIndicator"),
                    reporting_system: str | None = Query(None, alias="reportingSystemId"),
                    service_affecting: bool | None = Query(None, alias="serviceAffecting"),
                    state: str | None = None,
                    affected_service: str | None = Query(None, alias="affectedServiceId"),
                    correlated_alarm: str | None = Query(None, alias="correlatedAlarmId"),
                    principal: Principal = caller) -> list[dict]:
        query = store.alarms(principal.owner_filter, {
            "id": id, "alarmType": alarm_type, "alarmedObjectType": alarmed_object_type,
            "perceivedSeverity": perceived_severity, "plannedOutageIndicator": planned_outage,
            "reportingSystemId": reporting_system, "serviceAffecting": service_affecting, "state": state,
            "affectedServiceId": affected_service, "correlatedAlarmId": correlated_alarm}, dates, seen_by=seen_by)
        with sof.database.read() as session:
            return [alarm_common_view(row, sof.public_url) for row in paginate_query(session, query, page, response)]

    @router.get("/alarm/{id}", operation_id=f"{scope}.retrieveAlarm", summary="Retrieves an Alarm by ID")
    def retrieve_alarm(id: str, principal: Principal = caller) -> dict:  # noqa: A002
        with sof.database.read() as session:
            return alarm_view(store.alarm(session, id, principal.owner_filter, seen_by=seen_by), sof.public_url)

    router.include_router(hub_router(api=api, base_path="", scope=scope,
                                     event_types=ALARM_EVENT_TYPES, hub_store=hub_store))
    return router
