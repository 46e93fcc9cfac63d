"""A fault management report's content (`ReportContentItem`s) from what the SOF knows of the
service: the alarms it recorded on it (sof/alarms: outages, when the link or element under the
service is down, and threshold crossings) and, where the job asks, a connectivity test.

One item summarises the reporting period (Cadenza's fault summary type); then one item per
fault that was open at any time in the period, its measurementTime the part of the period it
was open, its result (Cadenza's fault type) the whole alarm: raised and cleared times, what was
down, how severe; then the test, if one was run, at the moment it was measured.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cadenza.core.clock import iso, iso_at
from cadenza.interfaces.allegro.alarm_paths import alarm_href
from cadenza.interfaces.allegro.fm_paths import CONNECTIVITY_TEST_TYPE, FAULT_RESULT_TYPE, FAULT_SUMMARY_TYPE
from cadenza.sof.alarms.alarm import OUTAGE
from cadenza.sof.alarms.rows import AlarmRow

__all__ = ["faults_in", "report_content", "test_item"]

_KIND = {OUTAGE: "outage", "tca": "thresholdCrossing"}


def faults_in(session: Session, service_id: str, start_s: float, end_s: float) -> list[AlarmRow]:
    """The service's alarms open at any time in [start, end): raised before its end, not
    cleared before its start."""
    start, end = datetime.fromtimestamp(start_s, UTC), datetime.fromtimestamp(end_s, UTC)
    return list(session.scalars(select(AlarmRow).where(
        AlarmRow.service_id == service_id, AlarmRow.raised_at < end,
        or_(AlarmRow.cleared_at.is_(None), AlarmRow.cleared_at > start)).order_by(AlarmRow.raised_at, AlarmRow.id)))


def _span(row: AlarmRow, start_s: float, end_s: float) -> tuple[float, float]:
    cleared = row.cleared_at.timestamp() if row.cleared_at is not None else end_s
    return max(row.raised_at.timestamp(), start_s), min(cleared, end_s)


def _fault(row: AlarmRow, start_s: float, end_s: float, base_url: str) -> dict[str, Any]:
    first, last = _span(row, start_s, end_s)
    result: dict[str, Any] = {
        "@type": FAULT_RESULT_TYPE, "alarmId": row.id, "alarmHref": f"{base_url}{alarm_href(row.id)}",
        "kind": _KIND.get(row.kind, row.kind), "alarmType": row.alarm_type, "probableCause": row.probable_cause,
        "specificProblem": row.specific_problem, "perceivedSeverity": row.perceived_severity,
        "serviceAffecting": row.service_affecting, "sourceSystemId": row.source_system,
        "raisedTime": iso(row.raised_at), "openSeconds": round(last - first, 3),
        "clearedInPeriod": row.cleared_at is not None and row.cleared_at.timestamp() <= end_s,
    }
    if row.cleared_at is not None:
        result["clearedTime"] = iso(row.cleared_at)
    return {"measurementTime": {"measurementStartDate": iso_at(first), "measurementEndDate": iso_at(last)},
            "measurementData": [result]}


def _outage_seconds(rows: list[AlarmRow], start_s: float, end_s: float) -> float:
    """How long in the period at least one service-affecting fault was open (spans merged)."""
    spans = sorted(_span(r, start_s, end_s) for r in rows if r.service_affecting)
    total, reach = 0.0, start_s
    for first, last in spans:
        first = max(first, reach)
        if last > first:
            total += last - first
            reach = last
    return total


def report_content(rows: list[AlarmRow], start_s: float, end_s: float, base_url: str, *,
                   test: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    outage = _outage_seconds(rows, start_s, end_s)
    length = max(end_s - start_s, 1e-9)
    summary = {"@type": FAULT_SUMMARY_TYPE, "faults": len(rows),
               "outages": sum(1 for r in rows if r.kind == OUTAGE),
               "thresholdCrossings": sum(1 for r in rows if r.kind != OUTAGE),
               "openAtEnd": sum(1 for r in rows if r.cleared_at is None or r.cleared_at.timestamp() > end_s),
               "outageSeconds": round(outage, 3), "outagePercent": round(100 * outage / length, 4)}
    items = [{"measurementTime": {"measurementStartDate": iso_at(start_s), "measurementEndDate": iso_at(end_s)},
              "measurementData": [summary]}]
    items += [_fault(row, start_s, end_s, base_url) for row in rows]
    if test is not None:
        items.append(test_item(test))
    return items


def test_item(test: dict[str, Any]) -> dict[str, Any]:
    """The connectivity test (sof/faults/connectivity.py) as one item at the moment it ran."""
    return {"measurementTime": {"measurementStartDate": test["testedAt"], "measurementEndDate": test["testedAt"]},
            "measurementData": [{"@type": CONNECTIVITY_TEST_TYPE, **test}]}
