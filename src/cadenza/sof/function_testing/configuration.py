"""What a customer may ask of a test profile and a test job, checked before anything is stored
(docs/allegro-profile.md, "Service Function Testing v3").

A test job tests one service of the customer's end to end (relatedServiceFrom and
relatedServiceTo name the same service) with a profile made for its kind of service (the
profile's relatedServiceSpecification is the `@type` of the service's configuration). It runs
one test at its start, or, with a recurrencePeriod, one per period until its end. A profile's
objectives (Cadenza's configuration type) say when a test passes: the end-to-end frame delay
at most `maxFrameDelayMs` (default: the service's delay bound, if it has one), the frame loss
ratio at most `maxFrameLossRatio` (default 0.001) and the information rate at least
`minInformationRatePercent` of the CIR (default 95).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from cadenza.core.clock import epoch_seconds
from cadenza.core.errors import Unprocessable
from cadenza.interfaces.allegro.sft_paths import JOB_CONFIGURATION_TYPE, PROFILE_CONFIGURATION_TYPE

__all__ = ["Objectives", "Schedule", "DEFAULT_MAX_LOSS", "DEFAULT_MIN_RATE_PERCENT", "MIN_PERIOD_S", "MAX_RESULTS",
           "objectives_of", "check_profile", "check_job", "period_of", "schedule_of"]

DEFAULT_MAX_LOSS = 0.001  # the ICM's own pass mark for an activation test (docs/presto-profile.md)
DEFAULT_MIN_RATE_PERCENT = 95.0
MIN_PERIOD_S = 5.0  # a test takes the ICMs' time: more often than this would only queue tests
MAX_RESULTS = 1000  # results one job may make
_UNIT_S = {"seconds": 1.0, "minutes": 60.0, "calendarHours": 3600.0, "calendarDays": 86_400.0}
_OBJECTIVES = {"maxFrameDelayMs": (0.0, None), "maxFrameLossRatio": (0.0, 1.0),
               "minInformationRatePercent": (0.0, 100.0)}


@dataclass(frozen=True, slots=True)
class Objectives:
    max_delay_ms: float | None
    max_loss_ratio: float
    min_rate_percent: float

    def render(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"maxFrameLossRatio": self.max_loss_ratio,
                                 "minInformationRatePercent": self.min_rate_percent}
        if self.max_delay_ms is not None:
            shown["maxFrameDelayMs"] = self.max_delay_ms
        return shown


@dataclass(frozen=True, slots=True)
class Schedule:
    start_s: float
    end_s: float
    period_s: float | None


def _check_objectives(configuration: dict[str, Any] | None, pointer: str) -> None:
    if configuration is None:
        return
    if configuration.get("@type") != PROFILE_CONFIGURATION_TYPE:
        raise Unprocessable(f"{pointer}/@type must be {PROFILE_CONFIGURATION_TYPE}: the provider's test is the "
                            "activation test of the service measured on its network", property_path=f"{pointer}/@type")
    for name, value in configuration.items():
        if name == "@type":
            continue
        if name not in _OBJECTIVES:
            raise Unprocessable(f"{pointer}/{name}: not an objective of this test; give {', '.join(_OBJECTIVES)}",
                                code="unexpectedProperty", property_path=f"{pointer}/{name}")
        low, high = _OBJECTIVES[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= low \
                or (high is not None and value > high):
            bound = f"above {low:g}" + (f" and at most {high:g}" if high is not None else "")
            raise Unprocessable(f"{pointer}/{name}: give a number {bound}", property_path=f"{pointer}/{name}")


def objectives_of(configuration: dict[str, Any] | None, *, service_max_delay_ms: float | None) -> Objectives:
    given = configuration or {}
    delay = given.get("maxFrameDelayMs", service_max_delay_ms)
    return Objectives(max_delay_ms=None if delay is None else float(delay),
                      max_loss_ratio=float(given.get("maxFrameLossRatio", DEFAULT_MAX_LOSS)),
                      min_rate_percent=float(given.get("minInformationRatePercent", DEFAULT_MIN_RATE_PERCENT)))


def check_profile(document: dict[str, Any], *, specifications: frozenset[str], now_s: float) -> None:
    """A customer's profile (create, or as a modification leaves it): a 422 naming the field."""
    if document.get("isBundled"):
        raise Unprocessable("/isBundled: bundles of test profiles are not offered; give false and one profile per "
                            "test", property_path="/isBundled")
    if document.get("testProfileRelationship"):
        raise Unprocessable("/testProfileRelationship: related (primary / secondary) test profiles are not offered",
                            property_path="/testProfileRelationship")
    specification = (document.get("relatedServiceSpecification") or {}).get("id")
    if specification not in specifications:
        raise Unprocessable(f"/relatedServiceSpecification/id: this seller tests services of the specifications "
                            f"{', '.join(sorted(specifications))} (the @type of the service's configuration)",
                            code="referenceNotFound", property_path="/relatedServiceSpecification/id")
    valid_for = epoch_seconds(document.get("validFor"), "/validFor")
    if valid_for is not None and valid_for <= now_s:
        raise Unprocessable("/validFor: the last date the profile is valid has already passed",
                            property_path="/validFor")
    _check_objectives(document.get("serviceSpecificTestProfileConfiguration"),
                      "/serviceSpecificTestProfileConfiguration")


def period_of(recurrence: dict[str, Any] | None) -> float | None:
    if recurrence is None:
        return None
    units = recurrence.get("units")
    if units not in _UNIT_S:
        raise Unprocessable(f"/recurrencePeriod/units: {units} has no fixed length; give one of "
                            f"{', '.join(_UNIT_S)}", property_path="/recurrencePeriod/units")
    amount = recurrence.get("amount")
    if not isinstance(amount, int) or not 0 < amount * _UNIT_S[units] <= 366 * 86_400:
        raise Unprocessable("/recurrencePeriod/amount: give a whole number above zero, at most a year in all",
                            property_path="/recurrencePeriod/amount")
    seconds = amount * _UNIT_S[units]
    if seconds < MIN_PERIOD_S:
        raise Unprocessable(f"/recurrencePeriod: a test is run at most every {MIN_PERIOD_S:g} seconds",
                            property_path="/recurrencePeriod/amount")
    return seconds


def check_job(document: dict[str, Any]) -> None:
    """What the job asks that no state of the network changes: a 422 naming the field."""
    a, z = document["relatedServiceFrom"]["id"], document["relatedServiceTo"]["id"]
    if a != z:
        raise Unprocessable("/relatedServiceTo/id: a test job tests one service end to end; give the same service "
                            "id in relatedServiceFrom and relatedServiceTo", property_path="/relatedServiceTo/id")
    kind = document["serviceSpecificTestJobConfiguration"].get("@type")
    if kind != JOB_CONFIGURATION_TYPE:
        raise Unprocessable(f"/serviceSpecificTestJobConfiguration/@type must be {JOB_CONFIGURATION_TYPE}",
                            property_path="/serviceSpecificTestJobConfiguration/@type")
    extra = sorted(set(document["serviceSpecificTestJobConfiguration"]) - {"@type"})
    if extra:
        raise Unprocessable(f"/serviceSpecificTestJobConfiguration/{extra[0]}: the job's test has nothing to "
                            "configure; its objectives are the test profile's", code="unexpectedProperty",
                            property_path=f"/serviceSpecificTestJobConfiguration/{extra[0]}")
    profile = document["testProfile"]
    if profile.get("@type") == "TestProfileValue":
        _check_objectives(profile.get("serviceSpecificTestProfileConfiguration"),
                          "/testProfile/serviceSpecificTestProfileConfiguration")
    period_of(document.get("recurrencePeriod"))


def schedule_of(document: dict[str, Any], now_s: float) -> Schedule | dict[str, str]:
    """The job's span, or what makes it impossible as the spec's TerminationError (code,
    propertyPath, value): the job is then rejected, saying so. A start already past is now."""
    start = epoch_seconds(document.get("requestedStartDateTime"), "/requestedStartDateTime")
    end = epoch_seconds(document.get("requestedEndDateTime"), "/requestedEndDateTime")
    start = now_s if start is None else max(start, now_s)
    period = period_of(document.get("recurrencePeriod"))
    if end is None or end <= now_s:
        return _problem("/requestedEndDateTime", "requestedEndDateTime has already passed: give a later end")
    if end <= start:
        return _problem("/requestedEndDateTime", "requestedEndDateTime is not after requestedStartDateTime")
    if period is not None and math.ceil((end - start) / period) > MAX_RESULTS:
        return _problem("/recurrencePeriod", f"the job would run {math.ceil((end - start) / period)} tests; at most "
                        f"{MAX_RESULTS} are run by one job: give a longer recurrencePeriod or an earlier end",
                        code="tooManyRecords")
    return Schedule(start, end, period)


def _problem(pointer: str, reason: str, *, code: str = "invalidValue") -> dict[str, str]:
    return {"code": code, "propertyPath": pointer, "value": reason}
