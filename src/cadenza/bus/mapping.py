"""Step 5 of MEF 55.0.1 §10.2: reading what a product configuration asks of the network.

The MEF product schemas describe a product in service-attribute terms; the SOF needs a
bandwidth, the VLAN at each end and where the ends are. These functions read exactly the
attributes the MEF schemas define for that (`cir` of a bandwidth profile flow, the EVC End
Point Map at UNIs, the OVC End Point Map forms U and E of an Access E-Line) and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cadenza.core.errors import Unprocessable

__all__ = ["bandwidth_mbps", "evc_vlans", "access_vlans", "UNIT_MBPS"]

UNIT_MBPS = {"BPS": 1e-6, "KBPS": 1e-3, "MBPS": 1.0, "GBPS": 1e3, "TBPS": 1e6}


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key, inner
            yield from _walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner)


def bandwidth_mbps(configuration: dict[str, Any], *, pointer: str) -> int:
    """The committed rate: the largest `cir` of the product's bandwidth profile flows."""
    rates = [float(rate["irValue"]) * UNIT_MBPS.get(str(rate.get("irUnits", "MBPS")).upper(), 1.0)
             for key, rate in _walk(configuration)
             if key == "cir" and isinstance(rate, dict) and "irValue" in rate]
    if not rates or max(rates) <= 0:
        raise Unprocessable("The product configuration gives no committed information rate (a bandwidth profile "
                            "flow with 'cir': {'irValue': ..., 'irUnits': 'MBPS'})", code="missingProperty",
                            property_path=f"{pointer}/productConfiguration")
    return max(1, round(max(rates)))


def _evc_map_vlan(end_point: dict[str, Any] | None) -> int | None:
    mapping = (end_point or {}).get("evcEndPointMap") or {}
    if mapping.get("vlanType") in (None, "ALL", "UNTAGGED_PRIORITY_TAGGED") or not mapping.get("vlanId"):
        return None
    return int(mapping["vlanId"][0])


def evc_vlans(configuration: dict[str, Any]) -> tuple[int | None, int | None]:
    """The CE-VLAN at end point A and Z; None where the EVC takes the whole UNI (EPL)."""
    return (_evc_map_vlan(configuration.get("evcEndPointA")), _evc_map_vlan(configuration.get("evcEndPointZ")))


def access_vlans(configuration: dict[str, Any], *, pointer: str) -> tuple[int | None, int]:
    """An Access E-Line's CE-VLAN at the UNI (None: all) and S-VLAN at the ENNI."""
    uni_map = (configuration.get("uniEp") or {}).get("ovcEndPointMap") or {}
    enni_map = (configuration.get("enniEp") or {}).get("ovcEndPointMap") or {}
    ce_vlans = uni_map.get("ovcEndPointMapFormU") or []
    s_vlans = enni_map.get("ovcEndPointMapFormE") or []
    if not s_vlans:
        raise Unprocessable("An Access E-Line needs the S-VLAN at the ENNI: enniEp/ovcEndPointMap with mapType "
                            "FORM_E and ovcEndPointMapFormE [svlan]", code="missingProperty",
                            property_path=f"{pointer}/productConfiguration/enniEp/ovcEndPointMap")
    return (int(ce_vlans[0]) if ce_vlans else None, int(s_vlans[0]))
