"""The official Alarm Management file the SOF serves, verbatim from MEF LSO Allegro: every
request to its operations is validated against it (landscape/domain.py)."""

from __future__ import annotations

from cadenza.core.openapi_validation import ServedSpec
from cadenza.interfaces.allegro.alarm_paths import ALARM_BASE, ALARM_MANAGEMENT_SPEC

__all__ = ["alarm_served_specs"]


def alarm_served_specs() -> list[ServedSpec]:
    return [ServedSpec(ALARM_MANAGEMENT_SPEC, base=ALARM_BASE)]
