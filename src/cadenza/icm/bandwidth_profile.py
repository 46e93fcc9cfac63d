"""Which ingress bandwidth profile a new connectivity service's elements police, and which
profiles the ICM refuses (docs/presto-profile.md)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cadenza.core.errors import Unprocessable

__all__ = ["ingress_profile"]


def ingress_profile(asked: Iterable[dict[str, Any] | None], mbps: int) -> dict[str, Any] | None:
    """The profile of the end point asking most (`asked`: each end point's, None where it asks
    none), since the elements police one profile for both directions. The committed rate
    reserved is `requested-capacity` (TAPI: the CIR); a profile committing more is refused,
    and a service must commit something or police an excess rate."""
    profile = max((p for p in asked if p is not None), key=lambda p: (p["cir_kbps"], p["eir_kbps"]), default=None)
    if profile is not None and profile["cir_kbps"] > mbps * 1000:
        raise Unprocessable(f"The end point's ingress bandwidth profile commits {profile['cir_kbps'] // 1000} Mbit/s, "
                            f"more than the requested capacity of {mbps} Mbit/s; make them agree",
                            property_path="/input/conn-constraint/requested-capacity")
    if mbps == 0 and (profile is None or profile["eir_kbps"] <= 0):
        raise Unprocessable("A connectivity service with no committed rate (requested-capacity 0) needs an excess "
                            "rate: give ingress-bwp-flow or cos-identifier-list/ingress-bwp-per-cos with 'eir' above "
                            "0 on an end point", code="missingProperty",
                            property_path="/input/end-point/0/nrp-carrier-eth-connectivity-end-point-resource")
    return profile
