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
from cadenza.sof.rows import ServiceRow

__all__ = ["alarms", "alarm", "CUSTOMER", "BUYER"]

# whose alarms a caller sees: a customer over ALLEGRO those on its services (the alarm's
# customer), the BUS over LEGATO those on the services it ordered (the service's party)
CUSTOMER = "customer"
BUYER = "buyer"

_EQUAL = {"id": AlarmRow.id, "alarmType": AlarmRow.alarm_type, "perceivedSeverity": AlarmRow.perceived_severity,
          "reportingSystemId": AlarmRow.reporting_system, "serviceAffecting": AlarmRow.service_affecting,
          "state": AlarmRow.state, "affectedServiceId": AlarmRow.service_id}
_DATES = {"alarmChangedTime": AlarmRow.changed_at, "alarmClearedTime": AlarmRow.cleared_at,
          "alarmReportingTime": AlarmRow.reported_at}


def alarms(owner: str | None, filters: Mapping[str, Any], windows: Windows, *,
           seen_by: str = CUSTOMER) -> Select[tuple[AlarmRow]]:
    """The alarms matching every given filter, newest first; `owner` None: everyone's."""
    query = select(AlarmRow)
    if owner is not None and seen_by == BUYER:
        query = query.join(ServiceRow, ServiceRow.id == AlarmRow.service_id).where(ServiceRow.party == owner)
    elif owner is not None:
        query = query.where(AlarmRow.customer == owner)
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


def alarm(session: Session, alarm_id: str, owner: str | None, *, seen_by: str = CUSTOMER) -> AlarmRow:
    row = session.get(AlarmRow, alarm_id)
    if row is not None and owner is not None:
        if seen_by == BUYER:
            service = session.get(ServiceRow, row.service_id)
            mine = service is not None and service.party == owner
        else:
            mine = row.customer == owner
        row = row if mine else None
    if row is None:
        raise NotFound(f"No alarm with id '{alarm_id}'")
    return row
