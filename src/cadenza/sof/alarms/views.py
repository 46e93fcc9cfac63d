"""Rendering alarm rows as Alarm Management v3 payloads: `Alarm_Common` in lists, `Alarm` when
retrieved and in events (`AlarmEventPayload`)."""

from __future__ import annotations

from typing import Any

from cadenza.core.clock import iso
from cadenza.interfaces.allegro.alarm_paths import alarm_href
from cadenza.sof.alarms.rows import AlarmRow

__all__ = ["alarm_common_view", "alarm_view", "alarm_event_payload", "ALARMED_OBJECT_TYPE"]

# The managed object an alarm is on is the customer's service itself, named by its LEGATO
# service type (EVC, OVC, IPVC): the segments and links under it are the SP's own business.
ALARMED_OBJECT_TYPE = "Service"


def alarm_common_view(row: AlarmRow, base_url: str) -> dict[str, Any]:
    """`base_url`: where the SOF answers (the spec's href is an absolute URI)."""
    body: dict[str, Any] = {
        "id": row.id,
        "href": f"{base_url}{alarm_href(row.id)}",
        # no href: the customer reads its products over CANTATA, not the SOF's service inventory
        "affectedService": [{"id": row.service_id}],
        "alarmChangedTime": iso(row.changed_at),
        "alarmDetails": row.details,
        "alarmedObjectType": ALARMED_OBJECT_TYPE,
        "alarmRaisedTime": iso(row.raised_at),
        "alarmReportingTime": iso(row.reported_at),
        "alarmType": row.alarm_type,
        "perceivedSeverity": row.perceived_severity,
        "reportingSystemId": row.reporting_system,
        "serviceAffecting": row.service_affecting,
        "state": row.state,
    }
    if row.cleared_at is not None:
        body["alarmClearedTime"] = iso(row.cleared_at)
    return body


def alarm_view(row: AlarmRow, base_url: str) -> dict[str, Any]:
    extra = {"alarmSpecificAttributes": row.specific_attributes} if row.specific_attributes else {}
    return {**alarm_common_view(row, base_url), **extra,
            "alarmedObject": [{"id": row.service_id, "@referredType": row.service_type}],
            # the service lost what is under it: the link or element down is the root cause
            "isRootCause": False,
            "probableCause": row.probable_cause,
            "sourceSystemId": row.source_system,
            "specificProblem": row.specific_problem}


def alarm_event_payload(row: AlarmRow, base_url: str) -> dict[str, Any]:
    # `id` beside the spec's `alarm`: the outbox keys every event by its resource's id
    return {"id": row.id, "alarm": alarm_view(row, base_url)}
