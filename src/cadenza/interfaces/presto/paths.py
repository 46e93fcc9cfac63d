"""PRESTO (MEF 60 NRP, TAPI 2.0 based) paths.

The spec's base path is `/restconf`; one provider domain runs one ICM per network domain, so
Cadenza mounts each ICM's RESTCONF tree under `/presto/{network-domain}` (docs/presto-profile.md).
"""

from __future__ import annotations

__all__ = ["icm_base", "OPERATIONS", "DATA_CONTEXT", "SPEC_FILE"]

SPEC_FILE = "presto/api/swagger/presto-nrp.yaml"

OPERATIONS = "/restconf/operations"
DATA_CONTEXT = "/restconf/data/context"


def icm_base(network_domain: str) -> str:
    return f"/presto/{network_domain}"
