"""The complex queries (faultManagementJobComplexQuery, faultManagementReportComplexQuery): a
job or report matches when each attribute the query gives equals its own (objects compared
whole, `jobPriority` with the spec's default 5), within the `.gt` / `.lt` date bounds given."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = ["matches"]

_DEFAULTS = {"jobPriority": 5}
_BOUNDS = {"gt": lambda value, bound: value > bound, "lt": lambda value, bound: value < bound}


def _moment(value: Any) -> datetime | None:  # noqa: ANN401 - a date-time string or nothing
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC)
    except (ValueError, OverflowError):  # a date no report or job can have: nothing matches it
        return None


def _field(document: dict[str, Any], dotted: str) -> Any:  # noqa: ANN401 - a JSON value
    value: Any = document
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def matches(document: dict[str, Any], query: dict[str, Any], *, aliases: dict[str, str] | None = None) -> bool:
    """`aliases`: a query's date name -> where the document holds it (e.g. reportingTimeframe.startDate
    -> reportingTimeframe.reportingStartDate)."""
    for name, wanted in query.items():
        head, _, bound = name.rpartition(".")
        if bound in _BOUNDS and head:
            value, limit = _moment(_field(document, (aliases or {}).get(head, head))), _moment(wanted)
            if value is None or limit is None or not _BOUNDS[bound](value, limit):
                return False
        elif name == "faultManagementJob":
            if (document.get(name) or {}).get("faultManagementJobId") != wanted.get("faultManagementJobId"):
                return False
        elif document.get(name, _DEFAULTS.get(name)) != wanted:
            return False
    return True
