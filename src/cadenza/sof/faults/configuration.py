"""What a customer may ask of a fault management job, checked before anything is stored.

A job names one active service of the customer's (`ServiceRef`); its `jobType` says what it
does (docs/allegro-profile.md, "Fault Management v3"):

- `passive`: one report per reportingPeriod with the faults the SOF recorded on the service
  (its alarms: outages and threshold crossings), from the schedule's start, which may be in the
  past: periods already over are reported at once;
- `proactive`: the same, and a connectivity test of the service measured on the network at the
  end of each period that ended while the job was running;
- `on-demand`: one connectivity test at the job's start, and the faults open then; one report.

The results are given as json in the payload, with Cadenza's configuration type: MEF defines
fault management configurations for IP services only (ping, TWAMP, BFD, traceroute, IP fault
management), tests the twin's elements do not run; a job asking for one is refused, saying so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from cadenza.core.clock import epoch_seconds
from cadenza.core.errors import Unprocessable
from cadenza.interfaces.allegro.fm_paths import FM_CONFIGURATION_TYPE, IP_SAT_CONFIGURATION_TYPES
from cadenza.sof.performance import profile

__all__ = ["PASSIVE", "PROACTIVE", "ON_DEMAND", "Schedule", "check_values", "schedule_of", "seconds_of", "epoch"]

PASSIVE = "passive"
PROACTIVE = "proactive"
ON_DEMAND = "on-demand"
MIN_PERIOD_S = 60.0
MAX_PERIOD_S = 31 * 86_400.0
MAX_PAST_PERIODS = 100  # periods already over that one job may report at once
_MAX_DURATION_VALUE = 10**9


def seconds_of(duration: dict[str, Any], pointer: str) -> float:
    value = duration.get("timeDurationValue")
    if not isinstance(value, int) or abs(value) > _MAX_DURATION_VALUE:
        raise Unprocessable(f"{pointer}/timeDurationValue: give a whole number of at most {_MAX_DURATION_VALUE:,}",
                            property_path=f"{pointer}/timeDurationValue")
    return profile.seconds_of(duration, pointer)


@dataclass(frozen=True, slots=True)
class Schedule:
    start_s: float
    end_s: float | None
    period_s: float


def check_values(document: dict[str, Any]) -> None:
    """The job's formats, configuration and durations (create and modify): a 422 naming the field."""
    if document.get("outputFormat") != "json":
        raise Unprocessable("/outputFormat: fault management reports are given as json", property_path="/outputFormat")
    if document.get("resultFormat") != "payload":
        raise Unprocessable("/resultFormat: fault management reports are given in the payload (payload), not as an "
                            "attachment", property_path="/resultFormat")
    kind = (document.get("serviceSpecificConfiguration") or {}).get("@type")
    pointer = "/serviceSpecificConfiguration/@type"
    if kind in IP_SAT_CONFIGURATION_TYPES:
        raise Unprocessable(f"{pointer}: {IP_SAT_CONFIGURATION_TYPES[kind]} is an IP OAM test the provider's network "
                            f"elements do not run; use {FM_CONFIGURATION_TYPE} (jobType on-demand runs a "
                            "connectivity test of the service)", property_path=pointer)
    if kind != FM_CONFIGURATION_TYPE:
        raise Unprocessable(f"{pointer} must be {FM_CONFIGURATION_TYPE}", property_path=pointer)
    granularity = seconds_of(document["granularity"], "/granularity")
    period = seconds_of(document["reportingPeriod"], "/reportingPeriod")
    if not MIN_PERIOD_S <= period <= MAX_PERIOD_S:
        raise Unprocessable("/reportingPeriod: give between 1 MIN and 31 DAY", property_path="/reportingPeriod")
    if not 0 < granularity <= period:
        raise Unprocessable("/granularity: give a duration above zero and at most the reportingPeriod",
                            property_path="/granularity")


def epoch(value: Any, pointer: str = "/scheduleDefinition") -> float | None:  # noqa: ANN401 - a date-time or nothing
    return epoch_seconds(value, pointer)


def schedule_of(document: dict[str, Any], now_s: float) -> Schedule | dict[str, str]:
    """The job's span, or what makes it impossible as the spec's TerminationError (code,
    propertyPath, value): the job is then rejected, saying so."""
    schedule = document.get("scheduleDefinition") or {}
    if schedule.get("recurringSchedule"):
        return _problem("/scheduleDefinition/recurringSchedule",
                        "recurring schedules are not offered: give a start, and an end or an execution duration")
    period = seconds_of(document["reportingPeriod"], "/reportingPeriod")
    start = epoch(schedule.get("scheduleDefinitionStartTime"), "/scheduleDefinition/scheduleDefinitionStartTime")
    start = now_s if start is None else start
    end = epoch(schedule.get("scheduleDefinitionEndTime"), "/scheduleDefinition/scheduleDefinitionEndTime")
    if schedule.get("executionDuration"):
        duration = seconds_of(schedule["executionDuration"], "/scheduleDefinition/executionDuration")
        end = min(end, start + duration) if end else start + duration
    if end is not None and end <= start:
        return _problem("/scheduleDefinition/scheduleDefinitionEndTime", "the schedule ends before it starts")
    if document.get("jobType") != ON_DEMAND:
        over = math.floor(((now_s if end is None else min(end, now_s)) - start) / period)
        if over > MAX_PAST_PERIODS:
            return _problem("/scheduleDefinition/scheduleDefinitionStartTime",
                            f"the schedule starts {over} reporting periods ago; at most {MAX_PAST_PERIODS} are "
                            "reported at once: start later or give a longer reportingPeriod", code="tooLargeDataset")
    return Schedule(start, end, period)


def _problem(pointer: str, reason: str, *, code: str = "invalidValue") -> dict[str, str]:
    return {"code": code, "propertyPath": pointer, "value": reason}
