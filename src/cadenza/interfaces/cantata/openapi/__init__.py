"""The official CANTATA OpenAPI files Cadenza serves, verbatim from MEF LSO (Grace)."""

from __future__ import annotations

from pathlib import Path

from cadenza.core.openapi_validation import ServedSpec
from cadenza.interfaces import product_openapi
from cadenza.interfaces.cantata import trouble_ticket, workforce
from cadenza.interfaces.product_openapi import MANAGEMENT_APIS

__all__ = ["SPEC_DIR", "MANAGEMENT_APIS", "served_specs"]

SPEC_DIR = Path(__file__).parent


def served_specs() -> list[ServedSpec]:
    return [*product_openapi.served_specs(SPEC_DIR), *trouble_ticket.served_specs(),
            *workforce.served_specs()]
