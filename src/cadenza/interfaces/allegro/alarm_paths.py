"""Alarm Management v3 (MEF 146, TMF642 based): base paths, the hub's API name, the event types
and the spec files (docs/allegro-profile.md, "Alarm Management")."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ALARM_BASE", "ALARM_LISTENER_BASE", "ALARM_API", "ALARM_EVENT_TYPES", "ALARM_CREATE_EVENT",
           "ALARM_STATE_CHANGE_EVENT", "ALARM_ATTRIBUTE_VALUE_CHANGE_EVENT", "ALARM_DELETE_EVENT",
           "ALARM_MANAGEMENT_SPEC", "ALARM_NOTIFICATION_SPEC", "alarm_href"]

_SPECS = Path(__file__).parent / "openapi/serviceApi/alarm"
ALARM_MANAGEMENT_SPEC = _SPECS / "alarmManagement.api.yaml"
ALARM_NOTIFICATION_SPEC = _SPECS / "alarmNotification.api.yaml"

ALARM_BASE = "/mefApi/allegro/alarmManagement/v3"
# The notification spec's server names /mefApi/legato/alarmNotification/v3 and the management
# spec's callback text /mefApi/allegro/alarmNotification/v2: Cadenza takes ALLEGRO and v3, the
# reference point and version of the files it serves.
ALARM_LISTENER_BASE = "/mefApi/allegro/alarmNotification/v3"
ALARM_API = "allegro.alarm"

ALARM_CREATE_EVENT = "alarmCreateEvent"
ALARM_STATE_CHANGE_EVENT = "alarmStateChangeEvent"
ALARM_ATTRIBUTE_VALUE_CHANGE_EVENT = "alarmAttributeValueChangeEvent"
ALARM_DELETE_EVENT = "alarmDeleteEvent"
ALARM_EVENT_TYPES = (ALARM_CREATE_EVENT, ALARM_STATE_CHANGE_EVENT, ALARM_ATTRIBUTE_VALUE_CHANGE_EVENT,
                     ALARM_DELETE_EVENT)


def alarm_href(alarm_id: str) -> str:
    return f"{ALARM_BASE}/alarm/{alarm_id}"
