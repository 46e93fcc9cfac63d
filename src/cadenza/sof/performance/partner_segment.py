"""The partner's segment of a service, in its reports and its SLS assessment (MEF 55.0.1 §10.4
steps 3-5, §10.6 steps 1-3), for a partner ordered over INTERLUDE.

SOF asks the partner's SOF over INTERLUDE Performance Monitoring v2 for its segment's figures
per interval and direction (a report asked for directly, on the partner's service, which is our
reference for the segment) and keeps what it fetched (`sof_partner_pm_interval`): a report or an
assessment fetches only the intervals not kept yet, or kept while still provisional (step 4).
The reports of the proactive job SOF keeps at the partner on each such segment
(`sof_partner_pm_job`, created here on first use) fill the table as they are announced
(sof/sls/partner_reports.py). The figures are then composed with ours (partner_compose.py).

A partner ordered over SONATA (step 9b, second option: BUS to BUS) has no SOF-to-SOF relation:
this SOF holds no partner service id and no INTERLUDE client for it, so its segment is left
out and `missing` says so; no figure is made up for it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from cadenza.core.clock import iso, now, parse_iso
from cadenza.core.pm.interval import INTERVAL_S
from cadenza.interfaces.allegro.pm_paths import SLS_RESULTS_TYPE
from cadenza.interfaces.interlude.pm_client import PerformanceMonitoringClient, PmError, ce_configuration
from cadenza.sof.performance.partner_compose import compose
from cadenza.sof.performance.rows import PartnerPmIntervalRow, PartnerPmJobRow
from cadenza.sof.performance.service_pm import A_TO_Z, Z_TO_A, ServicePm
from cadenza.sof.rows import ServiceRow
from cadenza.sof.service import Sof

__all__ = ["include", "store_report", "blame", "client_of", "iso_of", "WAIT_S"]

log = logging.getLogger(__name__)

WAIT_S = 15.0  # how long a report or an assessment waits for the partner's report of what it lacks
_POLL_S = 0.3
Points = dict[str, dict[int, dict[str, Any]]]  # direction -> interval number -> the partner's data point
# A report asked of a partner and not ready yet (its network's time has not reached the end):
# asked again, the same report is waited for, not a new one made (per process; a lost entry
# costs one more report at the partner).
_OUTSTANDING: dict[tuple[str, int, int], str] = {}
_KEEPING = threading.Lock()  # one caller of a process at a time makes the partner's job (_keep_job)


def client_of(sof: Sof, party: str) -> PerformanceMonitoringClient | None:
    return getattr(sof.partner_access.get(party), "pm", None)


def include(sof: Sof, service: ServiceRow, pm: ServicePm, *, start_s: float, end_s: float,
            contiguous: bool = False) -> int | None:
    """Add the partner's segment to `pm` (its directions keep the intervals both sides have).
    Returns the first interval the partner has not given yet (None: none lacking, or no segment
    of a partner to wait for); `contiguous` also drops the intervals after it, so an assessment
    never judges an interval before an earlier one."""
    partner = service.design.get("partner")
    if not partner:
        return None
    party = partner["party"]
    client = client_of(sof, party)
    if partner.get("ordering") != "interlude" or client is None:
        pm.missing.append(f"{party}: its segment is not included: it is ordered over SONATA (BUS to BUS), so this "
                          "SOF has no SOF-to-SOF relation with it and no partner service id to ask INTERLUDE "
                          "Performance Monitoring for")
        return None
    reference = partner.get("reference")
    if not reference:
        pm.missing.append(f"{party}: its segment is not included: the partner has not named its service yet")
        return None
    first, last = int(start_s // INTERVAL_S), int(math.ceil(end_s / INTERVAL_S))
    _keep_job(sof, service.id, party, reference, client)
    wanted = sorted({n for d in pm.directions for n in d.numbers if first <= n < last})  # what ours measured
    points = _kept(sof, service.id, first, last)
    lacking, problem = _lacking(points, wanted), None
    if lacking:
        problem = _fetch(sof, service, client, reference, lacking[0], lacking[-1] + 1)
        points = _kept(sof, service.id, first, last)
        lacking = _lacking(points, wanted)
    if lacking:
        pm.missing.append(f"{party}: no figures of its segment from {iso_of(lacking[0])} on"
                          f" ({problem or 'its report has none'})")
    # only what the partner could not give yet is waited for; what it has none of, it never will
    pending = lacking[0] if lacking and problem is not None else None
    delta_ts = max(1, (pm.interval_s or INTERVAL_S) // max(1, pm.cos.delta_t_s))
    for i, direction in enumerate(pm.directions):
        kept = points.get(direction.direction, {})
        if contiguous and pending is not None:
            kept = {n: p for n, p in kept.items() if n < pending}
        pm.directions[i] = compose(direction, party, reference, kept, delta_ts=delta_ts)
    return pending


def iso_of(number: int) -> str:
    return iso(datetime.fromtimestamp(number * INTERVAL_S, UTC))


def _lacking(points: Points, wanted: list[int]) -> list[int]:
    """Intervals not kept in both directions, or kept only provisionally."""
    return [n for n in wanted
            if any(n not in points.get(d, {}) or points[d][n].get("provisional") for d in (A_TO_Z, Z_TO_A))]


def _kept(sof: Sof, service_id: str, first: int, last: int) -> Points:
    with sof.database.read() as session:
        rows = session.scalars(select(PartnerPmIntervalRow).where(
            PartnerPmIntervalRow.service_id == service_id, PartnerPmIntervalRow.number >= first,
            PartnerPmIntervalRow.number < last))
        found: Points = {}
        for row in rows:
            found.setdefault(row.direction, {})[row.number] = row.figures
    return found


def _fetch(sof: Sof, service: ServiceRow, client: PerformanceMonitoringClient, reference: str, first: int,
           last: int) -> str | None:
    """Ask the partner for a report over [first, last) and keep it; why not, if it failed."""
    body = {"reportingTimeframe": {"reportingStartDate": iso_of(first), "reportingEndDate": iso_of(last)},
            "performanceJob": {"@type": "PerformanceJobValue", "granularity": "15 minutes", "outputFormat": "json",
                               "resultFormat": "payload", "consumingApplicationId": sof.name,
                               "servicePayloadSpecificAttributes": ce_configuration(reference)}}
    key = (service.id, first, last)
    try:
        report = client.get_report(_OUTSTANDING[key]) if key in _OUTSTANDING else client.create_report(body)
        _OUTSTANDING[key] = report["id"]
        deadline = time.monotonic() + WAIT_S
        while report["state"] not in ("completed", "failed", "rejected") and time.monotonic() < deadline:
            time.sleep(_POLL_S)
            report = client.get_report(report["id"])
    except PmError as exc:
        _OUTSTANDING.pop(key, None)
        return f"the partner did not answer: {exc.reason}"
    if report["state"] in ("completed", "failed", "rejected"):
        _OUTSTANDING.pop(key, None)
    if report["state"] != "completed":
        return report.get("failureReason") or f"its report {report['id']} is {report['state']}"
    store_report(sof, service, report)
    return None


def store_report(sof: Sof, service: ServiceRow, report: Mapping[str, Any]) -> int:
    """Keep the partner's figures of a report on its segment of `service`; how many it kept.
    A direction is ours as the partner's end points say: from the partner's ENNI facing us is
    our direction towards the partner's site (a-to-z; the off-net end is our z)."""
    partner = service.design["partner"]
    kept = 0
    with sof.database.transaction() as session:
        for item in report.get("reportContent") or []:
            start = item["measurementTime"]["measurementStartDate"]
            number = int(parse_iso(start).timestamp() // INTERVAL_S)
            for point in item.get("measurementDataPoints") or []:
                if point.get("@type") != SLS_RESULTS_TYPE:
                    continue
                direction = A_TO_Z if point.get("fromEndPoint") == partner.get("partnerEnni") else Z_TO_A
                row = session.get(PartnerPmIntervalRow, (service.id, direction, number))
                if row is None:
                    session.add(PartnerPmIntervalRow(service_id=service.id, direction=direction, number=number,
                                                     party=partner["party"], figures=dict(point), fetched_at=now()))
                else:
                    row.figures, row.fetched_at = dict(point), now()
                kept += 1
    return kept


def _keep_job(sof: Sof, service_id: str, party: str, reference: str, client: PerformanceMonitoringClient) -> None:
    """The proactive job at the partner whose every report is announced to us (one per segment).
    A customer's report and an assessment (a crossing's, a report's) may ask at the same moment:
    the callers of one process take turns, and should another worker have made one too, the
    first job the partner made is kept and the others are cancelled, so every caller keeps the
    same one."""
    with _KEEPING:
        with sof.database.read() as session:
            if session.get(PartnerPmJobRow, service_id) is not None:
                return
        key = f"{service_id}-sls"
        try:
            running = _running(client, key)
            if not running:
                client.create_job({
                    "buyerJobId": key, "consumingApplicationId": sof.name,
                    "performanceProfile": {"@type": "PerformanceProfileValue", "jobType": "proactive",
                                           "granularity": "15 minutes", "reportingPeriod": "15 minutes",
                                           "outputFormat": "json", "resultFormat": "payload"},
                    "servicePayloadSpecificAttributes": ce_configuration(reference)})
                running = _running(client, key)
            job, extra = running[0], running[1:]
            for duplicate in extra:
                try:
                    client.job_request("cancel", duplicate["id"], f"a duplicate of job {job['id']} on the same segment")
                except PmError as exc:  # another worker cancelled it first, or the partner refuses: harmless
                    log.info("%s: duplicate job %s at %s left as it is: %s", sof.name, duplicate["id"], party,
                             exc.reason)
        except PmError as exc:
            log.info("%s: no proactive job at %s on %s yet (tried again next time): %s", sof.name, party, reference,
                     exc.reason)
            return
        with sof.database.transaction() as session:
            if session.get(PartnerPmJobRow, service_id) is None:
                session.add(PartnerPmJobRow(service_id=service_id, party=party, partner_service_id=reference,
                                            job_id=job["id"], created_at=now()))


def _running(client: PerformanceMonitoringClient, key: str) -> list[dict[str, Any]]:
    """Our jobs at the partner under `key` that still report, the first it made first."""
    return sorted((j for j in client.list_jobs(buyerJobId=key)
                   if j["state"] in ("acknowledged", "scheduled", "inProgress", "suspended")),
                  key=lambda j: (str(j.get("creationDate")), str(j["id"])))


def blame(sof: Sof, service_id: str, direction: str, number: int, party: str) -> str | None:
    """What the partner's own figures of an interval say, for a person to take to the partner."""
    with sof.database.read() as session:
        row = session.get(PartnerPmIntervalRow, (service_id, direction, number))
    if row is None:
        return None
    figures = row.figures
    said = []
    if figures.get("frameLossRatioPercent") is not None:
        said.append(f"loses {float(figures['frameLossRatioPercent']):.2f} % of frames")
    if figures.get("meanFrameDelayMs") is not None:
        said.append(f"delays them {float(figures['meanFrameDelayMs']):.2f} ms on average")
    if figures.get("availabilityPercent") is not None:
        said.append(f"is available {float(figures['availabilityPercent']):.2f} % of the time")
    broken = [o["text"] for o in figures.get("objectives", []) if o.get("status") == "breached"]
    text = f"{party}'s segment {', '.join(said)} ({direction}, from {iso_of(number)})"
    return text + (f"; by its own SLS: {'; '.join(broken)}" if broken else "")
