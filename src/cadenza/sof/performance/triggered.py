"""Reports triggered by a threshold crossing (MEF 55.0.1 §10.4, variation "Triggered Performance
Reports"). Allegro Performance Monitoring v5 has no attribute for it; Cadenza reads it from the
job's `serviceSpecificConfiguration` (docs/allegro-profile.md, "Triggered reports"):

    "cadenzaTrigger": {"event": "thresholdCrossing", "intervalsBefore": 1, "intervalsAfter": 1}

A job with a trigger makes no periodic report. When an ICM tells the SOF of a threshold crossing
(THRESHOLD_ABOVE) on a segment of the job's service while the job is in progress, or the
partner does on its segment (Cadenza's INTERLUDE crossing event, sof/partner_crossings.py), the job gets
one report over the 15-minute intervals around the crossing one, prepared by the report
workflow (execution.py) once the network's time has passed them; the customer is told when it
is ready (performanceJobReportReadyEvent). Crossings in the same interval (both directions,
loss and delay) make one report: its id is the job's and the interval's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from cadenza.core.clock import now, parse_iso
from cadenza.core.errors import Unprocessable
from cadenza.core.pm.interval import INTERVAL_S
from cadenza.sof.performance import job as jobs
from cadenza.sof.performance import report as reports
from cadenza.sof.performance import tracking
from cadenza.sof.performance.rows import PerformanceJobRow, PerformanceReportRow
from cadenza.sof.rows import SegmentStateRow
from cadenza.sof.service import Sof

__all__ = ["THRESHOLD_CROSSING", "trigger_of", "check_trigger", "on_crossing", "on_service_crossing"]

THRESHOLD_CROSSING = "thresholdCrossing"
_MAX_AROUND = 8


def trigger_of(values: Mapping[str, Any]) -> dict[str, Any] | None:
    """The job's (or profile's) trigger, or None for a job that reports by period."""
    trigger = (values.get("serviceSpecificConfiguration") or {}).get("cadenzaTrigger")
    return trigger if isinstance(trigger, dict) else None


def check_trigger(values: Mapping[str, Any], pointer: str) -> None:
    here = f"{pointer}/serviceSpecificConfiguration/cadenzaTrigger"
    raw = (values.get("serviceSpecificConfiguration") or {}).get("cadenzaTrigger")
    if raw is None:
        return
    if not isinstance(raw, dict) or raw.get("event") != THRESHOLD_CROSSING:
        raise Unprocessable(f"{here}/event: the one trigger offered is {THRESHOLD_CROSSING}",
                            property_path=f"{here}/event")
    for name in ("intervalsBefore", "intervalsAfter"):
        value = raw.get(name, 1)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX_AROUND:
            raise Unprocessable(f"{here}/{name}: give a whole number of 15-minute intervals from 0 to {_MAX_AROUND}",
                                property_path=f"{here}/{name}")


def _interval_start(event: Mapping[str, Any]) -> float | None:
    text = event.get("measurement-interval")
    if not isinstance(text, str):
        return None
    try:
        return parse_iso(text).timestamp()
    except ValueError:
        return None


def on_crossing(sof: Sof, event: Mapping[str, Any]) -> list[str]:
    """A crossing an ICM told of (its event body): the reports it triggers, started; their ids."""
    with sof.database.read() as session:
        segment = session.get(SegmentStateRow, str(event.get("id")))
        service_id = segment.service_id if segment is not None else None
    if service_id is None:  # not a segment of a live service of ours
        return []
    return on_service_crossing(sof, service_id, event)


def on_service_crossing(sof: Sof, service_id: str, event: Mapping[str, Any], *, where: str = "") -> list[str]:
    """A crossing on one of `service_id`'s segments, an ICM's or the partner's (`event` in the
    ICM's words, sof/partner_crossings.py; `where` says which for the report's tracking record):
    the reports it triggers, started; their ids."""
    from cadenza.sof.performance.execution import start_report

    if event.get("threshold-crossing") != "THRESHOLD_ABOVE":
        return []
    crossed = _interval_start(event)
    if crossed is None:
        return []
    bin_start = crossed - crossed % INTERVAL_S
    made: list[str] = []
    with sof.database.transaction() as session:
        for job in session.scalars(select(PerformanceJobRow).where(
                PerformanceJobRow.service_id == service_id, PerformanceJobRow.state == jobs.IN_PROGRESS)):
            trigger = trigger_of(job.profile)
            if trigger is None:
                continue
            report_id = f"{job.id}-tca-{int(bin_start)}"
            if session.get(PerformanceReportRow, report_id) is not None:
                made.append(report_id)  # a redelivery, or another crossing in the same interval
                continue
            start = bin_start - INTERVAL_S * int(trigger.get("intervalsBefore", 1))
            end = bin_start + INTERVAL_S * (1 + int(trigger.get("intervalsAfter", 1)))
            report = PerformanceReportRow(
                id=report_id, party=job.party, state=reports.ACKNOWLEDGED, job_id=job.id, service_id=job.service_id,
                start_s=start, end_s=end, granularity_s=INTERVAL_S,
                document={"granularity": job.profile["granularity"], "outputFormat": "json", "resultFormat": "payload",
                          "monitoredObject": [job.document["monitoredObject"]],
                          "serviceSpecificConfiguration": job.profile["serviceSpecificConfiguration"]},
                content=None, termination=None, created_at=now(), updated_at=now())
            session.add(report)
            session.flush()
            why = (f"{event.get('threshold-parameter')} from {event.get('ingress')} crossed its threshold in the "
                   f"interval from {event.get('measurement-interval')}{where}")
            tracking.record(session, party=job.party, kind="PerformanceReportRef", related=report_id, source="server",
                            description=f"triggered: {why}")
            reports.announce_created(session, report, wake=sof.wake)
            reports.transition_to(session, report, reports.IN_PROGRESS, why=why, wake=sof.wake)
            job.reports += 1
            made.append(report_id)
    for report_id in made:
        start_report(sof, report_id)
    return made
