"""The official PRESTO NRP Swagger (2.0) file, verbatim from MEF LSO. Cadenza serves each ICM's
RESTCONF tree under `/presto/{network-domain}` (docs/presto-profile.md), so its base path
`/restconf` sits below that prefix."""

from __future__ import annotations

from pathlib import Path

from cadenza.core.openapi_validation import ServedSpec

__all__ = ["SPEC_DIR", "SWAGGER", "served_specs"]

SPEC_DIR = Path(__file__).parent
SWAGGER = SPEC_DIR / "api/swagger/presto-nrp.yaml"


def served_specs() -> list[ServedSpec]:
    return [ServedSpec(SWAGGER, prefixed=True)]
