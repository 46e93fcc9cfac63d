"""Performance Profiles (Allegro PM v5): the report types a service offers (§10.4 step 1).

The SP offers its profiles to every customer and buyer, over every PM API (party None); a
customer may add its own, seen only by itself over the API it created it on. A profile's
`serviceSpecificConfiguration` says, in the MEF Carrier Ethernet PM configuration schema,
which results the reports carry; the MEF 10.4 metrics against the service's SLS come with
every report (docs/allegro-profile.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.errors import NotFound, Unprocessable
from cadenza.core.ids import new_id
from cadenza.core.notifications.outbox import publish
from cadenza.core.paging import Window, within
from cadenza.interfaces.allegro.pm_paths import CE_PM_CONFIGURATION_TYPE
from cadenza.sof.performance import apis, tracking
from cadenza.sof.performance.apis import PmApi
from cadenza.sof.performance.rows import PerformanceJobRow, PerformanceProfileRow
from cadenza.sof.performance.triggered import check_trigger

__all__ = ["OFFERED", "seed", "get", "listing", "create", "delete", "render", "seconds_of", "href", "check_values"]

_UNITS = {"NS": 1e-9, "US": 1e-6, "MS": 1e-3, "SEC": 1, "MIN": 60, "HOUR": 3600, "DAY": 86_400, "WEEK": 604_800}
_CONFIGURATION = {"@type": CE_PM_CONFIGURATION_TYPE, "utilizationIn": True, "utilizationOut": True,
                  "peakUtilizationIn": True, "peakUtilizationOut": True}


def _offer(name: str, description: str, job_type: str, granularity_min: int, period: dict[str, Any],
           **configuration: Any) -> dict:
    return {"name": name, "description": description, "jobType": job_type, "jobPriority": 5,
            "lifecycleStatus": "approved", "outputFormat": "json", "resultFormat": "payload",
            "granularity": {"timeDurationValue": granularity_min, "timeDurationUnits": "MIN"},
            "reportingPeriod": period, "serviceSpecificConfiguration": {**_CONFIGURATION, **configuration}}


# The SP's offer: ids are stable, so customers can refer to them in any domain.
OFFERED = {
    "cadenza-sls-15min-hourly": _offer(
        "SLS and utilisation, hourly", "Frame delay, delay variation, loss and availability against the SLS, "
        "and utilisation, per 15 minutes, one report an hour", "proactive", 15,
        {"timeDurationValue": 1, "timeDurationUnits": "HOUR"}),
    "cadenza-sls-15min-daily": _offer(
        "SLS and utilisation, daily", "As hourly, one report a day", "proactive", 15,
        {"timeDurationValue": 1, "timeDurationUnits": "DAY"}),
    "cadenza-sls-on-demand": _offer(
        "SLS and utilisation, on demand", "One report over the job's execution, per 15 minutes", "on-demand", 15,
        {"timeDurationValue": 15, "timeDurationUnits": "MIN"}),
    # the triggered variation (sof/performance/triggered.py): a report only when a threshold is crossed
    "cadenza-sls-on-crossing": _offer(
        "SLS and utilisation, on a threshold crossing", "A report over the 15-minute intervals around each one in "
        "which the service's frame loss or delay crossed its threshold, and no other", "proactive", 15,
        {"timeDurationValue": 45, "timeDurationUnits": "MIN"},
        cadenzaTrigger={"event": "thresholdCrossing", "intervalsBefore": 1, "intervalsAfter": 1}),
}


def href(profile_id: str, api: PmApi = apis.ALLEGRO) -> str:
    return f"{api.base}/performanceProfile/{profile_id}"


def seconds_of(duration: dict[str, Any], pointer: str) -> float:
    units = duration.get("timeDurationUnits")
    if units not in _UNITS:
        raise Unprocessable(f"{pointer}: {units} has no fixed length; use SEC, MIN, HOUR, DAY or WEEK",
                            property_path=pointer)
    return float(duration["timeDurationValue"]) * _UNITS[units]


def seed(session: Session) -> None:
    """The offered profiles, created once per domain (every worker may try: the first wins)."""
    known = set(session.scalars(select(PerformanceProfileRow.id).where(PerformanceProfileRow.id.in_(OFFERED))))
    for profile_id, document in OFFERED.items():
        if profile_id not in known:
            session.add(PerformanceProfileRow(id=profile_id, party=None, document=document, created_at=now(),
                                              updated_at=now()))


def get(session: Session, profile_id: str, party: str | None, api: PmApi = apis.ALLEGRO) -> PerformanceProfileRow:
    row = session.get(PerformanceProfileRow, profile_id)
    if row is None or (party is not None and row.party not in (None, party)) \
            or (row.party is not None and apis.of(row.api) != api):
        raise NotFound(f"No performance profile with id '{profile_id}'")
    return row


def listing(session: Session, party: str | None, *, api: PmApi = apis.ALLEGRO,
            created: Window = (None, None)) -> list[PerformanceProfileRow]:
    query = select(PerformanceProfileRow).where(or_(PerformanceProfileRow.party.is_(None),
                                                    PerformanceProfileRow.api == api.key)) \
        .order_by(PerformanceProfileRow.created_at, PerformanceProfileRow.id)
    query = within(query, PerformanceProfileRow.created_at, created)
    if party is not None:
        query = query.where(or_(PerformanceProfileRow.party.is_(None), PerformanceProfileRow.party == party))
    return list(session.scalars(query))


def create(session: Session, document: dict[str, Any], party: str, *, wake: Callable[[], None] | None,
           api: PmApi = apis.ALLEGRO, values: dict[str, Any] | None = None) -> PerformanceProfileRow:
    """`document`: as the buyer sent it; `values`: the same in v5 terms where the API's differ
    (sof/performance/v2_payloads.py), checked as the job that uses them will be."""
    _check(dict(values if values is not None else document), "")
    row = PerformanceProfileRow(id=new_id(), api=api.key, party=party, document=dict(document), created_at=now(),
                                updated_at=now())
    session.add(row)
    session.flush()
    tracking.record(session, party=party, kind="PerformanceProfileRef", related=row.id, source="client",
                    description="created", api=api)
    publish(session, api=api.hub, event_type="performanceProfileCreateEvent", party=party, wake=wake,
            listener_base_path=api.listener_base, resource={"id": row.id, "href": href(row.id, api)})
    return row


def delete(session: Session, profile_id: str, party: str, *, wake: Callable[[], None] | None,
           api: PmApi = apis.ALLEGRO) -> None:
    row = get(session, profile_id, party, api)
    if row.party is None:
        raise Unprocessable(f"Performance profile '{profile_id}' is the provider's offer: it cannot be deleted",
                            property_path="/id")
    if _assigned(session, profile_id):
        raise Unprocessable(f"Performance profile '{profile_id}' is assigned to a performance job",
                            code="performanceProfileInUse", property_path="/id")
    session.delete(row)
    publish(session, api=api.hub, event_type="performanceProfileDeleteEvent", party=party, wake=wake,
            listener_base_path=api.listener_base, resource={"id": profile_id, "href": href(profile_id, api)})


def check_values(values: dict[str, Any], pointer: str) -> None:
    _check(values, pointer)


def _check(values: dict[str, Any], pointer: str) -> None:
    granularity = seconds_of(values["granularity"], f"{pointer}/granularity")
    period = seconds_of(values["reportingPeriod"], f"{pointer}/reportingPeriod")
    if granularity != 900:
        raise Unprocessable(f"{pointer}/granularity: reports give each 15-minute measurement interval; the "
                            "granularity must be 15 MIN", property_path=f"{pointer}/granularity")
    if period < granularity or period % granularity:
        raise Unprocessable(f"{pointer}/reportingPeriod must be a whole number of granularities",
                            property_path=f"{pointer}/reportingPeriod")
    if values.get("outputFormat") != "json" or values.get("resultFormat") != "payload":
        raise Unprocessable(f"{pointer}/outputFormat: reports are given as json in the payload (outputFormat json, "
                            "resultFormat payload)", property_path=f"{pointer}/outputFormat")
    if values.get("serviceSpecificConfiguration", {}).get("@type") != CE_PM_CONFIGURATION_TYPE:
        raise Unprocessable(f"{pointer}/serviceSpecificConfiguration/@type must be {CE_PM_CONFIGURATION_TYPE}",
                            property_path=f"{pointer}/serviceSpecificConfiguration/@type")
    check_trigger(values, pointer)


def _assigned(session: Session, profile_id: str) -> bool:
    return session.scalar(select(PerformanceJobRow.id).where(PerformanceJobRow.profile_id == profile_id)
                          .limit(1)) is not None


def render(row: PerformanceProfileRow, session: Session) -> dict[str, Any]:
    return {**row.document, "id": row.id, "href": href(row.id), "isAssigned": _assigned(session, row.id),
            "creationDateTime": iso(row.created_at.astimezone(UTC)),
            "lastTimeModified": iso(row.updated_at.astimezone(UTC))}
