"""Finding alarms: the spec's list filters as one query, and one alarm by id, both limited to
the caller's own services."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from cadenza.core.errors import NotFound
from cadenza.core.paging import Windows
from cadenza.sof.alarms.rows import AlarmRow
from cadenza.sof.alarms.views import ALARMED_OBJECT_TYPE

__all__ = ["alarms", "alarm"]

_EQUAL = {"id": AlarmRow.id, "alarmType": AlarmRow.alarm_type, "perceivedSeverity": AlarmRow.perceived_severity,
          "reportingSystemId": AlarmRow.reporting_system, "serviceAffecting": AlarmRow.service_affecting,
          "state": AlarmRow.state, "affectedServiceId": AlarmRow.service_id}
_DATES = {"alarmChangedTime": AlarmRow.changed_at, "alarmClearedTime": AlarmRow.cleared_at,
          "alarmReportingTime": AlarmRow.reported_at}


def alarms(customer: str | None, filters: Mapping[str, Any], windows: Windows) -> Select[tuple[AlarmRow]]:
    """The alarms matching every given filter, newest first; `customer` None: everyone's."""
    query = select(AlarmRow)
    if customer is not None:
        query = query.where(AlarmRow.customer == customer)
    for name, column in _EQUAL.items():
        if filters.get(name) is not None:
            query = query.where(column == filters[name])
    # Cadenza's alarms are all on services, correlate none and know no planned outage: a filter
    # asking for anything else matches nothing.
    object_type = filters.get("alarmedObjectType")
    if (object_type is not None and object_type != ALARMED_OBJECT_TYPE) or any(
            filters.get(name) is not None for name in ("correlatedAlarmId", "plannedOutageIndicator")):
        query = query.where(false())
    for name, (after, before) in windows.items():
        column = _DATES[name]
        if after is not None:
            query = query.where(column > _aware(after))
        if before is not None:
            query = query.where(column < _aware(before))
    return query.order_by(AlarmRow.reported_at.desc(), AlarmRow.id)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC)


def alarm(session: Session, alarm_id: str, customer: str | None) -> AlarmRow:
    row = session.get(AlarmRow, alarm_id)
    if row is None or (customer is not None and row.customer != customer):
        raise NotFound(f"No alarm with id '{alarm_id}'")
    return row
