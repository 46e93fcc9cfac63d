"""The official Fault Management v3 file the SOF serves, verbatim from MEF LSO Allegro: every
request to its operations is validated against it (landscape/domain.py)."""

from __future__ import annotations

from cadenza.core.openapi_validation import ServedSpec
from cadenza.interfaces.allegro.fm_paths import FM_BASE, FM_MANAGEMENT_SPEC

__all__ = ["fm_served_specs"]


def fm_served_specs() -> list[ServedSpec]:
    return [ServedSpec(FM_MANAGEMENT_SPEC, base=FM_BASE)]
