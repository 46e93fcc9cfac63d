"""Repair statistics from the recorded tickets (issue 13 point 6, `cadenza trouble stats`): the
mean time to detect, to diagnose and to restore, per cause, per partner and per month.

For each ticket, from what it keeps (`creationDate`, `statusChange`, `issueStartDate`, its
seller-attached incidents) and its diagnosis record (bus/trouble/records.py):

- the trouble started at the record's `troubleSince`, else the earliest `situationStartDate` of
  an attached incident (what the network saw), else the buyer's `issueStartDate`;
- it was detected when the SP first knew: the ticket's creation, or an attached incident's
  creation when earlier (proactive detection);
- diagnosed at the record's `diagnosedAt`, else the ticket's first move to `inProgress`;
- restored at its first move to `resolved`.

Time to detect runs from start to detection, to diagnose and to restore from detection. A time
whose ends are not both known is left out of its mean (`n` counts the ones measured). The cause
is the record's, else "SLS degradation" for a ticket an incident explains, else "undiagnosed";
the partner the record's, else "own network"; the month the ticket's creation's (UTC).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.bus.rows import BusResourceRow
from cadenza.bus.trouble import ticket
from cadenza.bus.trouble.records import records
from cadenza.bus.trouble.store import tickets
from cadenza.core.clock import parse_iso

__all__ = ["TicketTimes", "ticket_times", "repair_stats"]

OWN_NETWORK = "own network"


@dataclass(frozen=True, slots=True)
class TicketTimes:
    ticket_id: str
    cause: str
    partner: str
    month: str
    detect_s: float | None
    diagnose_s: float | None
    restore_s: float | None


def _at(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def _first(row: BusResourceRow, status: str) -> datetime | None:
    return next((_at(c["changeDate"]) for c in row.document.get("statusChange") or [] if c["status"] == status), None)


def _span(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else max((end - start).total_seconds(), 0.0)


def ticket_times(session: Session, row: BusResourceRow, record: dict[str, Any] | None) -> TicketTimes:
    incident_ids = [i["id"] for i in row.document.get("relatedIssue") or []
                    if i.get("@referredType") == "Incident" and i.get("source") == "seller"]
    found = [session.get(BusResourceRow, i) for i in incident_ids]
    incidents = [i for i in found if i is not None]
    created = _at(row.document.get("creationDate"))
    known = [t for t in (created, *(_at(i.document.get("creationDate")) for i in incidents)) if t is not None]
    detected = min(known) if known else None
    starts = [t for t in (_at(i.document.get("situationStartDate")) for i in incidents) if t is not None]
    start = _at((record or {}).get("troubleSince")) or (min(starts) if starts else None) \
        or _at(row.document.get("issueStartDate"))
    diagnosed = _at((record or {}).get("diagnosedAt")) or _first(row, ticket.IN_PROGRESS)
    cause = (record or {}).get("cause") or ("SLS degradation" if incidents else "undiagnosed")
    return TicketTimes(row.id, cause, (record or {}).get("partner") or OWN_NETWORK,
                       created.strftime("%Y-%m") if created else "-", _span(start, detected),
                       _span(detected, diagnosed), _span(detected, _first(row, ticket.RESOLVED)))


def _mean(values: Iterable[float | None]) -> tuple[float | None, int]:
    measured = [v for v in values if v is not None]
    return (sum(measured) / len(measured) if measured else None), len(measured)


def _group(times: list[TicketTimes], key: str) -> list[dict[str, Any]]:
    groups: dict[str, list[TicketTimes]] = defaultdict(list)
    for item in times:
        groups[getattr(item, key)].append(item)
    out = []
    for name in sorted(groups):
        items = groups[name]
        entry: dict[str, Any] = {key: name, "tickets": len(items)}
        for label, attr in (("detect", "detect_s"), ("diagnose", "diagnose_s"), ("restore", "restore_s")):
            mean, n = _mean(getattr(i, attr) for i in items)
            entry[f"meanTimeTo{label.capitalize()}S"] = mean
            entry[f"{label}Measured"] = n
        out.append(entry)
    return out


def repair_stats(session: Session) -> dict[str, Any]:
    """Every ticket of every buyer and family, grouped three ways."""
    rows = session.scalars(select(BusResourceRow).where(BusResourceRow.kind == tickets.kind)
                           .order_by(BusResourceRow.created_at, BusResourceRow.id)).all()
    kept = {r.external_key: dict(r.document) for r in session.scalars(
        select(BusResourceRow).where(BusResourceRow.kind == records.kind))}
    times = [ticket_times(session, row, kept.get(row.id)) for row in rows]
    return {"tickets": len(times), "byCause": _group(times, "cause"), "byPartner": _group(times, "partner"),
            "byMonth": _group(times, "month")}
