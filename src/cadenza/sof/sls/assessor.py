"""SLS assessment of every active service (MEF 55.0.1 §10.6 steps 1-5), interval by interval.

Periodically (a DBOS scheduled workflow, once per period across the domain's workers) and at
once when an ICM tells of a threshold crossing on one of a service's segments, SOF assesses
each interval of the service that has ended since it last did (at most `CATCH_UP` back): it
gathers the segments' PM over PRESTO (service_pm.py), computes the MEF 10.4 metrics end to end
against the SLS, and per direction opens a degradation on a breach, locating the segment whose
own figures break the objective, or resolves the open one when an interval meets the SLS again.
Each interval is assessed once, once its ICMs have collected it: the service's `last_number`
moves in the same transaction, up to the latest interval its PM holds (`collected_end`), so an
assessment that runs between an interval's end and its collection leaves it to the next one.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dbos import DBOS
from sqlalchemy import select

from cadenza.core.clock import now
from cadenza.core.pm.interval import INTERVAL_S
from cadenza.core.schedules import keep_schedule
from cadenza.core.workflows import start_once
from cadenza.interfaces.presto.client import PrestoError
from cadenza.sof import service_inventory
from cadenza.sof.performance import partner_segment
from cadenza.sof.performance.service_pm import DirectionPm, ServicePm, probe_spacing_s, service_pm
from cadenza.sof.rows import SegmentStateRow, ServiceRow
from cadenza.sof.service import Sof
from cadenza.sof.sls import degradation
from cadenza.sof.sls.assessment import MetricAssessment, assess, breach_matrix, metric_columns, objective_columns
from cadenza.sof.sls.rows import SlsAssessmentRow, SlsDegradationRow
from cadenza.sof.steps import registered

__all__ = ["Assessed", "assess_service", "assess_all", "assess_on_crossing", "schedule_assessment", "schedule_name",
           "CATCH_UP", "collected_end"]

log = logging.getLogger(__name__)

CATCH_UP = 4  # intervals a first or late assessment reaches back


@dataclass
class Assessed:
    intervals: int = 0
    breaches: list[str] = field(default_factory=list)
    opened: int = 0
    resolved: int = 0
    to_remedy: list[str] = field(default_factory=list)  # degradations just opened
    rerouted: int = 0


def _located(pm: ServicePm, direction: DirectionPm, i: int, breached: list[MetricAssessment],
             partner: str | None = None) -> str:
    """Which segment breaks the objectives: the one least available, then losing most frames,
    when loss or availability is breached, else the one adding most delay; the partner when its
    segment is unseen and the SP segments each meet the SLS. A tie (a link down in ours leaves the
    partner's segment nothing to carry either) goes to this provider's segment, the one it can
    act on, never to whichever name sorts last."""
    number = direction.numbers[i]
    loss = any(a.metric in ("oneWayFrameLossRatioPmMetric", "oneWayAvailabilityPmMetric",
                            "oneWayHighLossIntervalsPmMetric", "oneWayConsecutiveHighLossIntervalsPmMetric")
               for a in breached)

    def badness(interval: dict[str, Any]) -> tuple[float, float]:
        if not loss:
            return interval.get("fd-1-fw-mean") or 0.0, 0.0
        availability = interval.get("availability-percent")
        return 100.0 - float(availability) if availability is not None else 0.0, interval.get("flr-1-fw-mean") or 0.0

    figures = [(badness(segment.intervals[number]), segment.name != partner, segment.name)
               for segment in direction.segments]
    worst_value, _, worst = max(figures, key=lambda f: (f[0], f[1])) if figures else ((0.0, 0.0), True, "")
    if pm.missing and (not figures or max(worst_value) <= 0):
        return pm.missing[0].split(":", 1)[0]
    return worst or "unknown"


def assess_service(sof: Sof, row: ServiceRow) -> Assessed:
    result = Assessed()
    segments = row.design.get("segments") or []
    if not segments:
        return result
    clock = sof.presto.get_network_time(segments[0]["networkDomain"])
    ended = int(float(clock["epoch-seconds"]) // INTERVAL_S)
    with sof.database.read() as session:
        done = session.get(SlsAssessmentRow, row.id)
        first = max(done.last_number + 1 if done else ended - CATCH_UP, ended - CATCH_UP)
    if first >= ended:
        return result

    def history(domain: str, uuid: str, start: str, end: str, **asked: Any) -> dict[str, Any]:  # noqa: ANN401
        return sof.presto.get_pm_history(domain, uuid, start=start, end=end, **asked)

    pm = service_pm(row, history, start_s=first * INTERVAL_S, end_s=ended * INTERVAL_S)
    # the partner's segment, when it has one; what the partner has not given yet is assessed later
    pending = partner_segment.include(sof, row, pm, start_s=first * INTERVAL_S, end_s=ended * INTERVAL_S,
                                      contiguous=True)
    if pending is not None and pending <= first:
        return result
    ended = collected_end(pm, first, ended if pending is None else pending)
    if ended <= first:
        return result  # the ICMs have not collected an interval since: the next assessment takes them
    with sof.database.transaction() as session:
        state = session.get(SlsAssessmentRow, row.id)
        if state is not None and state.last_number >= ended - 1:
            return result  # another worker assessed these meanwhile
        for direction in pm.directions:
            if direction.metrics is None or not direction.numbers:
                continue
            # every interval against every objective at once (assessment.py's vectorised path);
            # the sentences only for the intervals that breach
            spacing = probe_spacing_s(pm, direction, 0)
            _, objectives, at_least = objective_columns(pm.cos, probe_spacing_s=spacing)
            breaching = breach_matrix(metric_columns(pm.cos, direction.metrics, probe_spacing_s=spacing),
                                      objectives, at_least=at_least).any(axis=-1)
            for i, number in enumerate(direction.numbers):
                if state is not None and number <= state.last_number:
                    continue
                breached = [a for a in assess(pm.cos, direction.metrics, interval_s=pm.interval_s, at=(i,),
                                              probe_spacing_s=spacing) if a.breached] if breaching[i] else []
                result.intervals += 1
                _follow(session, row, direction.direction, number, breached, pm, direction, i, result)
        if state is None:
            session.add(SlsAssessmentRow(service_id=row.id, last_number=ended - 1, assessed_at=now()))
        else:
            state.last_number, state.assessed_at = ended - 1, now()
    for degradation_id in result.to_remedy:
        if _remedy(sof, row, degradation_id, ended):
            result.rerouted += 1
    return result


def collected_end(pm: ServicePm, first: int, ended: int) -> int:
    """Where this assessment may stop (exclusive): after the latest interval the service's PM
    holds in every direction that has any. An interval that has ended by the network's clock but
    whose bins its ICM has not collected yet is left to a later assessment, not passed over as
    assessed; one missing before a later one is a gap (maintenance: nothing was measured)."""
    latest = [max(direction.numbers) for direction in pm.directions if direction.numbers]
    return min(ended, min(latest) + 1) if latest else first


def _remedy(sof: Sof, row: ServiceRow, degradation_id: str, current: int) -> bool:
    """§10.6 step 4-5: for a degradation located in an SP segment, move the segment off the links
    of its route whose health is below what they were built for (make before break, the ICM's
    reroute); otherwise, or when the ICM cannot, mark it for manual intervention, saying why."""
    with sof.database.read() as session:
        found = session.get(SlsDegradationRow, degradation_id)
        cause = found.cause if found else None
        seen = (found.direction, found.first_number) if found else None
    segment = next((s for s in row.design.get("segments", []) if s["networkDomain"] == cause), None)
    outcome, why = degradation.MANUAL_INTERVENTION, f"located in {cause}: not in this provider's network"
    partner = (row.design.get("partner") or {}).get("party")
    if seen is not None and cause == partner:
        told = partner_segment.blame(sof, row.id, *seen, partner)
        if told:
            why = f"{told}, while this provider's segments meet the SLS: the partner must repair it"
    if segment is not None:
        try:
            route = sof.presto.get_connectivity_service(segment["networkDomain"], segment["uuid"])
            health = sof.presto.get_link_health(segment["networkDomain"])
            links = sorted(route.raw.get("cadenza-activation", {}).get("s-vlans", {}))
            unhealthy = [link for link in links if _unhealthy(health.get(link, {}))]
            if not unhealthy:
                why = f"located in {cause}, but no link of its route is below its design: a person must look"
            else:
                moved = sof.presto.reroute_connectivity_service(segment["networkDomain"], segment["uuid"], unhealthy)
                outcome = degradation.REROUTING
                why = (f"located in {cause} on {', '.join(unhealthy)}: rerouted off it "
                       f"({' > '.join(moved.route)})")
        except PrestoError as exc:
            why = f"located in {cause}; the ICM could not move it: {exc}"
    with sof.database.transaction() as session:
        found = session.get(SlsDegradationRow, degradation_id)
        if found is not None and found.state == degradation.DETECTED:
            degradation.transition_to(session, found, outcome, why=why, interval=current, wake=sof.wake)
    return outcome == degradation.REROUTING


def _unhealthy(health: dict[str, Any]) -> bool:
    # a link down carries nothing, whatever its loss and delay figures were when it last did
    return bool(health) and (health.get("operational-state") == "DISABLED"
                             or health.get("loss-ratio", 0) > health.get("design-loss-ratio", 0)
                             or health.get("delay-ms", 0) > 1.5 * health.get("design-delay-ms", 0) + 0.5)


def _follow(session: Any, row: ServiceRow, direction: str, number: int,  # noqa: ANN401 - a Session
            breached: list[MetricAssessment], pm: ServicePm, seen: DirectionPm, i: int, result: Assessed) -> None:
    open_one = session.scalars(select(SlsDegradationRow).where(
        SlsDegradationRow.service_id == row.id, SlsDegradationRow.direction == direction,
        SlsDegradationRow.state.in_(degradation.OPEN))).first()
    if breached:
        sentences = [a.sentence for a in breached]
        result.breaches.extend(sentences)
        if open_one is None:
            cause = _located(pm, seen, i, breached, (row.design.get("partner") or {}).get("party"))
            open_one = degradation.open_degradation(
                session, service_id=row.id, direction=direction, cause=cause,
                breaches=sentences, metrics=[a.metric for a in breached], number=number)
            result.opened += 1
            result.to_remedy.append(open_one.id)
        else:
            open_one.breaches, open_one.last_breach_number, open_one.updated_at = sentences, number, now()
            remedied = degradation.remedied_in(open_one)
            if open_one.state == degradation.REROUTING and remedied is not None and number > remedied:
                degradation.transition_to(session, open_one, degradation.MANUAL_INTERVENTION,
                                          why="the breach outlived the reroute")
    elif open_one is not None and number > open_one.last_breach_number and _measured(seen, i):
        open_one.resolved_number = number
        degradation.transition_to(session, open_one, degradation.RESOLVED, why="the interval meets the SLS again")
        result.resolved += 1


def _measured(direction: DirectionPm, i: int) -> bool:
    """An interval with nothing measured (no qualified frames) says nothing about the SLS."""
    assert direction.metrics is not None
    return not math.isnan(float(direction.metrics.availability_percent[i]))


def assess_all(sof: Sof) -> Assessed:
    with sof.database.read() as session:
        rows = list(session.scalars(select(ServiceRow).where(ServiceRow.state == service_inventory.ACTIVE)))
    total = Assessed()
    for row in rows:
        try:
            done = assess_service(sof, row)
        except PrestoError as exc:
            log.info("%s: SLS of service %s not assessed, tried again next period: %s", sof.name, row.id, exc)
            continue
        total.intervals += done.intervals
        total.breaches += done.breaches
        total.opened += done.opened
        total.resolved += done.resolved
    return total


def assess_on_crossing(sof: Sof, segment_uuid: str, event_id: str) -> None:
    """An ICM told of a threshold crossing on a segment: assess its service now (§10.6 step 1 note),
    not at the next period. A durable workflow, one per event (a redelivered event runs nothing twice)."""
    with sof.database.read() as session:
        segment = session.get(SegmentStateRow, segment_uuid)
    if segment is None:
        return  # not a segment of a live service of this SOF
    start_once(assess_service_on_crossing, f"sls-crossing-{event_id}", sof.name, segment.service_id)


@DBOS.workflow()
def assess_service_on_crossing(sof_name: str, service_id: str) -> None:
    assess_one_service(sof_name, service_id)


@DBOS.step()
def assess_one_service(sof_name: str, service_id: str) -> dict[str, int]:
    sof = registered(sof_name)
    with sof.database.read() as session:
        row = session.get(ServiceRow, service_id)
    if row is None or row.state != service_inventory.ACTIVE:
        return {"intervals": 0}
    done = assess_service(sof, row)
    return {"intervals": done.intervals, "opened": done.opened, "resolved": done.resolved}


def schedule_name(sof_name: str) -> str:
    return f"sof-sls-assessment-{sof_name}"


def schedule_assessment(sof: Sof, *, period_s: float) -> None:
    keep_schedule(schedule_name(sof.name), assess_sls, period_s=period_s, context=sof.name)


@DBOS.workflow()
def assess_sls(scheduled_at: datetime, sof_name: str) -> None:
    assess_every_service(sof_name)


@DBOS.step()
def assess_every_service(sof_name: str) -> dict[str, int]:
    done = assess_all(registered(sof_name))
    return {"intervals": done.intervals, "opened": done.opened, "resolved": done.resolved}
