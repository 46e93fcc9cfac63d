"""Alarm Management v3 over LEGATO (docs/legato-profile.md "Alarms"): the SOF serves the official
Alarm Management file (the one ALLEGRO serves a customer) a second time, at the LEGATO base, for
the BUS that ordered the services; its notification file names `/mefApi/legato/alarmNotification/v3`
as its server, so MEF meant it for this reference point too. MEF 55.0.1 §10.5's alternative
"proactive trouble detection" needs it: the BUS hears of an outage of a customer's service the
moment the SOF raises it and tells the customer with an incident, before any ticket.

    GET  {LEGATO_ALARM_BASE}/alarm[?affectedServiceId=&state=...]   the alarms on the caller's services
    GET  {LEGATO_ALARM_BASE}/alarm/{id}                              one (404 if not on one of them)
    POST|GET|DELETE {LEGATO_ALARM_BASE}/hub[/{id}]                   register a listener, `legato` scope

Events are the spec's `AlarmEventPayload`s, sent to `{callback}{LEGATO_ALARM_LISTENER_BASE}/listener/{eventType}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cadenza.core.openapi_validation import ServedSpec
from cadenza.interfaces.allegro.alarm_paths import ALARM_MANAGEMENT_SPEC

__all__ = ["LEGATO_ALARM_BASE", "LEGATO_ALARM_LISTENER_BASE", "LEGATO_ALARM_API", "UNDERLYING_RESOURCE_UNAVAILABLE",
           "RAISED", "CLEARED", "Alarm", "alarm_from_json", "legato_alarm_href", "legato_alarm_served_specs"]

LEGATO_ALARM_BASE = "/mefApi/legato/alarmManagement/v3"
LEGATO_ALARM_LISTENER_BASE = "/mefApi/legato/alarmNotification/v3"
LEGATO_ALARM_API = "legato.alarm"
# the probable cause of an outage alarm: the service lost the link, element or port under it
UNDERLYING_RESOURCE_UNAVAILABLE = "underlyingResourceUnavailable"
RAISED = "unAcknowledged"  # AlarmState, as the SOF raises an alarm
CLEARED = "cleared"


def legato_alarm_href(alarm_id: str) -> str:
    return f"{LEGATO_ALARM_BASE}/alarm/{alarm_id}"


def legato_alarm_served_specs() -> list[ServedSpec]:
    return [ServedSpec(ALARM_MANAGEMENT_SPEC, base=LEGATO_ALARM_BASE)]


@dataclass(frozen=True, slots=True)
class Alarm:
    """An alarm on one of the BUS's services, as the SOF shows it."""

    id: str
    service_id: str
    state: str
    probable_cause: str
    service_affecting: bool
    specific_problem: str  # what is down under the service, in words
    details: str
    raised_at: str
    cleared_at: str | None

    @property
    def outage(self) -> bool:
        return self.service_affecting and self.probable_cause == UNDERLYING_RESOURCE_UNAVAILABLE


def alarm_from_json(body: Mapping[str, Any]) -> Alarm:
    return Alarm(id=str(body["id"]), service_id=str((body.get("affectedService") or [{}])[0].get("id", "")),
                 state=str(body["state"]), probable_cause=str(body.get("probableCause", "")),
                 service_affecting=bool(body.get("serviceAffecting")),
                 specific_problem=str(body.get("specificProblem", "")), details=str(body.get("alarmDetails", "")),
                 raised_at=str(body["alarmRaisedTime"]), cleared_at=body.get("alarmClearedTime"))
