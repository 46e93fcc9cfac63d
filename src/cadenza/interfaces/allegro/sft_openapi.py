"""The official Service Function Testing v3 file the SOF serves, verbatim from MEF LSO Allegro:
every request to its operations is validated against it (landscape/domain.py)."""

from __future__ import annotations

from cadenza.core.openapi_validation import ServedSpec
from cadenza.interfaces.allegro.sft_paths import SFT_BASE, SFT_MANAGEMENT_SPEC

__all__ = ["sft_served_specs"]


def sft_served_specs() -> list[ServedSpec]:
    return [ServedSpec(SFT_MANAGEMENT_SPEC, base=SFT_BASE)]
