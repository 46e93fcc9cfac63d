"""Performance Monitoring v2 payloads (INTERLUDE and LEGATO, MEF W143) to and from the entity's
terms, which are Allegro v5's (sof/performance/execution.py works on those).

What differs from v5, and how it is carried here:

- durations are names ("15 minutes", "1 hour", "24 hours"), not {value, units};
- the monitored service is named in `servicePayloadSpecificAttributes`, the MEF Carrier Ethernet
  PM configuration (`@type` its `$id`), whose `interface` Cadenza reads as the id of the service
  the buyer bought (docs/interlude-profile.md); v5 has `monitoredObject`;
- a profile reference is `{"@type": "PerformanceProfileRef", "id"}`; a report asked for
  directly carries its job's values (`performanceJob`, a PerformanceJobValue);
- times are `creationDate` / `lastModifiedDate`, errors a `rejectionReason` / `failureReason`
  string; a profile has a `state` (active) where v5 has a lifecycleStatus;
- a report's content is a list of items, each an interval with its `measurementDataPoints`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cadenza.core.clock import iso
from cadenza.core.errors import Unprocessable
from cadenza.interfaces.allegro.pm_paths import CE_PM_CONFIGURATION_TYPE
from cadenza.sof.performance import job as jobs
from cadenza.sof.performance import profile as profiles
from cadenza.sof.performance import report as reports
from cadenza.sof.performance.apis import PmApi
from cadenza.sof.performance.rows import (
    CancelPerformanceJobRow,
    PerformanceJobRow,
    PerformanceProfileRow,
    PerformanceReportRow,
    PmTrackingRecordRow,
)

__all__ = ["duration_v5", "duration_v2", "profile_values", "job_request", "report_request", "render_profile",
           "render_job", "render_report", "render_task", "render_tracking", "JOB_STATES", "TASKS"]

# The v2 Interval names of a fixed length, as v5 durations. "1 month", "1 year" and "not
# applicable" have none: a job cannot be scheduled on them.
_DURATIONS: dict[str, tuple[int, str]] = {
    "10 milliseconds": (10, "MS"), "100 milliseconds": (100, "MS"), "1 second": (1, "SEC"),
    "10 second": (10, "SEC"), "1 minute": (1, "MIN"), "5 minutes": (5, "MIN"), "15 minutes": (15, "MIN"),
    "30 minutes": (30, "MIN"), "1 hour": (1, "HOUR"), "24 hours": (24, "HOUR")}
_BY_SECONDS = {profiles.seconds_of({"timeDurationValue": v, "timeDurationUnits": u}, ""): name
               for name, (v, u) in _DURATIONS.items()}
# v2 spells one state otherwise; pendingCancel passes within one transaction, pending is v2's own
JOB_STATES = {jobs.RESOURCES_UNAVAILABLE: "resourceUnavailable", jobs.PENDING_CANCEL: jobs.PENDING}
# the v2 job requests, each a resource: its path, its reason field and its denied-reason field
TASKS = {"cancel": ("cancelPerformanceJob", "cancellationReason", "cancellationDeniedReason"),
         "suspend": ("suspendPerformanceJob", "suspensionReason", "suspensionDeniedReason"),
         "resume": ("resumePerformanceJob", "resumptionReason", "resumptionDeniedReason"),
         "modify": ("modifyPerformanceJob", "modificationReason", "modificationDeniedReason")}


def _at(moment: datetime | float) -> str:
    if isinstance(moment, datetime):
        return iso(moment.astimezone(UTC))
    return iso(datetime.fromtimestamp(moment, UTC))


def duration_v5(name: str, pointer: str) -> dict[str, Any]:
    if name not in _DURATIONS:
        raise Unprocessable(f"{pointer}: '{name}' has no fixed length; use one of {', '.join(_DURATIONS)}",
                            property_path=pointer)
    value, units = _DURATIONS[name]
    return {"timeDurationValue": value, "timeDurationUnits": units}


def duration_v2(duration: dict[str, Any]) -> str:
    return _BY_SECONDS.get(profiles.seconds_of(duration, ""), "not applicable")


def profile_values(document: dict[str, Any], configuration: dict[str, Any] | None, pointer: str = "") \
        -> dict[str, Any]:
    """A v2 profile (or PerformanceProfileValue) in v5 terms; an absent granularity is 15 minutes
    and an absent reporting period one granularity."""
    granularity = document.get("granularity") or "15 minutes"
    return {"jobType": document["jobType"], "jobPriority": document.get("jobPriority", 5),
            "outputFormat": document["outputFormat"], "resultFormat": document["resultFormat"],
            "granularity": duration_v5(granularity, f"{pointer}/granularity"),
            "reportingPeriod": duration_v5(document.get("reportingPeriod") or granularity,
                                           f"{pointer}/reportingPeriod"),
            "serviceSpecificConfiguration": configuration or {"@type": CE_PM_CONFIGURATION_TYPE}}


def _monitored(attributes: dict[str, Any], pointer: str) -> dict[str, Any]:
    if attributes.get("@type") != CE_PM_CONFIGURATION_TYPE:
        raise Unprocessable(f"{pointer}/@type: this seller monitors Carrier Ethernet services: give "
                            f"{CE_PM_CONFIGURATION_TYPE}", property_path=f"{pointer}/@type")
    service_id = attributes.get("interface")
    if not isinstance(service_id, str) or not service_id:
        raise Unprocessable(f"{pointer}/interface: name the service to monitor (its id, as you bought it)",
                            property_path=f"{pointer}/interface")
    return {"@type": "ServiceRef", "serviceId": service_id}


def job_request(body: dict[str, Any]) -> dict[str, Any]:
    """A v2 PerformanceJob_Create in v5 terms (monitoredObject, performanceProfile, scheduleDefinition)."""
    attributes = body["servicePayloadSpecificAttributes"]
    given = body["performanceProfile"]
    if given.get("@type") == "PerformanceProfileRef":
        if not isinstance(given.get("id"), str):
            raise Unprocessable("/performanceProfile/id: give the id of the profile",
                                property_path="/performanceProfile/id")
        profile = {"@type": "PerformanceProfileRef", "performanceProfileId": given["id"],
                   "serviceSpecificConfiguration": attributes}
    elif given.get("@type") == "PerformanceProfileValue":
        profile = {"@type": "PerformanceProfileValue", **profile_values(given, attributes, "/performanceProfile")}
    else:
        raise Unprocessable("/performanceProfile/@type: PerformanceProfileRef or PerformanceProfileValue",
                            property_path="/performanceProfile/@type")
    return {"monitoredObject": _monitored(attributes, "/servicePayloadSpecificAttributes"),
            "performanceProfile": profile, "scheduleDefinition": body.get("scheduleDefinition") or {}}


def report_request(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A v2 PerformanceReport_Create in v5 terms, and the passive job's document as v2 shows it."""
    job = body["performanceJob"]
    pointer = "/performanceJob/servicePayloadSpecificAttributes"
    attributes = job["servicePayloadSpecificAttributes"]
    monitored = _monitored(attributes, pointer)
    if job.get("outputFormat") != "json" or job.get("resultFormat") != "payload":
        raise Unprocessable("/performanceJob/outputFormat: reports are given as json in the payload (outputFormat "
                            "json, resultFormat payload)", property_path="/performanceJob/outputFormat")
    granularity = job.get("granularity") or "15 minutes"
    timeframe = body.get("reportingTimeframe") or {}
    neutral = {"monitoredObject": [monitored], "reportingTimeframe": timeframe,
               "granularity": duration_v5(granularity, "/performanceJob/granularity"),
               "serviceSpecificConfiguration": attributes}
    schedule = {k: v for k, v in (("scheduleDefinitionStartTime", timeframe.get("reportingStartDate")),
                                  ("scheduleDefinitionEndTime", timeframe.get("reportingEndDate"))) if v}
    shown = {"performanceProfile": {"@type": "PerformanceProfileValue", "jobType": "passive",
                                    "granularity": granularity, "outputFormat": "json", "resultFormat": "payload"},
             "servicePayloadSpecificAttributes": attributes, "scheduleDefinition": schedule}
    for key in ("consumingApplicationId", "producingApplicationId"):
        if key in job:
            shown[key] = job[key]
    return neutral, shown


def _dated(document: dict[str, Any], created: datetime, modified: datetime | None) -> dict[str, Any]:
    document["creationDate"] = _at(created)
    if modified is not None:
        document["lastModifiedDate"] = _at(modified)
    return document


def render_profile(row: PerformanceProfileRow, api: PmApi) -> dict[str, Any]:
    if row.party is None:  # the provider's offer, kept in v5 terms
        values = row.document
        document: dict[str, Any] = {"jobType": values["jobType"], "jobPriority": values.get("jobPriority", 5),
                                    "outputFormat": values["outputFormat"], "resultFormat": values["resultFormat"],
                                    "granularity": duration_v2(values["granularity"]),
                                    "reportingPeriod": duration_v2(values["reportingPeriod"])}
    else:
        document = dict(row.document)
    document.update(id=row.id, href=profiles.href(row.id, api), state="active")
    return _dated(document, row.created_at, row.updated_at)


def _job_ref(job_id: str, api: PmApi) -> dict[str, Any]:
    return {"@type": "PerformanceJobRef", "id": job_id, "href": jobs.href(job_id, api)}


def render_job(row: PerformanceJobRow, api: PmApi) -> dict[str, Any]:
    document = {**row.document, "id": row.id, "href": jobs.href(row.id, api),
                "state": JOB_STATES.get(row.state, row.state)}
    if row.termination:
        document["rejectionReason"] = "; ".join(str(t.get("value", "")) for t in row.termination)
    return _dated(document, row.created_at, row.updated_at)


def _content(content: list[Any]) -> list[dict[str, Any]]:
    """v5's content per monitored object as v2's items. The v2 file names the items' data
    `measurementDataPoints` and requires `measurementDataPoint`: both are given (the same list)."""
    items = []
    for per_object in content:
        for item in per_object.get("reportContentItem", []):
            data = item.get("measurementData", [])
            items.append({"measurementTime": item["measurementTime"], "measurementDataPoints": data,
                          "measurementDataPoint": data})
    return items


def render_report(row: PerformanceReportRow, api: PmApi, *, content: bool = True) -> dict[str, Any]:
    document = {**row.document, "id": row.id, "href": reports.href(row.id, api), "state": row.state,
                "reportingTimeframe": {"reportingStartDate": _at(row.start_s), "reportingEndDate": _at(row.end_s)}}
    if row.job_id:
        document["performanceJob"] = _job_ref(row.job_id, api)
    if content and row.content is not None:
        document["reportContent"] = _content(row.content)
    if row.termination:
        document["failureReason"] = "; ".join(str(t.get("value", "")) for t in row.termination)
    return _dated(document, row.created_at, row.updated_at)


def render_task(row: CancelPerformanceJobRow, api: PmApi) -> dict[str, Any]:
    path, _reason, denied = TASKS[row.kind]
    document: dict[str, Any] = {**(row.document or {}), "id": row.id, "href": f"{api.base}/{path}/{row.id}",
                                "state": row.state, "performanceJob": _job_ref(row.job_id, api)}
    if row.denied:
        document[denied] = row.denied
    return _dated(document, row.created_at, None)


def render_tracking(row: PmTrackingRecordRow) -> dict[str, Any]:
    """v2 keeps the object's id, who (`user`: the buyer's party, or the seller's system) and what."""
    document = {"id": row.id, "relatedObjectId": row.related_id, "request": row.request or row.description,
                "system": "buyer" if row.source == "client" else "SOF", "user": row.party}
    return _dated(document, row.created_at, None)
