"""Step 5 of MEF 55.0.1 §10.2: reading what a product configuration asks of the network.

The MEF product schemas describe a product in service-attribute terms; the SOF needs a
bandwidth, the VLAN at each end and where the ends are. These functions read exactly the
attributes the MEF schemas define for that (the bandwidth profile flows, the EVC End Point Map
at UNIs, the OVC End Point Map forms U and E of an Access E-Line) and nothing else.

Bandwidth (MEF 10.4 §12, as the MEF 125/106 schemas carry it): each end point's ingress
bandwidth profile is a list of flows, one per class of service name
(`ingressBandwidthProfilePerClassofServiceName`, also read as MEF's examples spell it,
`...PerClassOfServiceName`), each with CIR, EIR, CBS, EBS and its envelope, beside the end
point's envelopes (`evcEndPointEnvelopes`). What an end point commits is the sum of its flows'
CIRs, and likewise for EIR; the service's committed rate is the larger of its end points'
(the network reserves one figure for both directions). CIR 0 with EIR > 0 (every MEF 125
EPL/EVPL example) is a best-effort service: nothing committed, the EIR is still configured.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from cadenza.core.errors import Unprocessable

__all__ = ["Flow", "Bandwidth", "bandwidth", "bandwidth_mbps", "uni_port_mbps", "evc_vlans", "access_vlans",
           "UNIT_MBPS"]

UNIT_MBPS = {"BPS": 1e-6, "KBPS": 1e-3, "MBPS": 1.0, "GBPS": 1e3, "TBPS": 1e6}
UNIT_KBYTES = {"BYTES": 1e-3, "KBYTES": 1.0, "MBYTES": 1e3, "GBYTES": 1e6}
_PER_COS = ("ingressBandwidthProfilePerClassofServiceName", "ingressBandwidthProfilePerClassOfServiceName")
# Where each product's end points are (their ingress profiles), by @type family.
_END_POINTS = ("evcEndPointA", "evcEndPointZ", "uniEp", "enniEp")


@dataclass(frozen=True, slots=True)
class Flow:
    """One bandwidth profile flow: rates in Mbit/s, bursts in kbytes (None: not given)."""

    cos: str | None  # the class of service name; None for a profile of the whole end point
    cir_mbps: float
    eir_mbps: float
    cbs_kbytes: float | None = None
    ebs_kbytes: float | None = None
    envelope: str | None = None
    rank: int | None = None
    coupling_flag: bool | None = None
    color_mode: str | None = None


@dataclass(frozen=True, slots=True)
class Bandwidth:
    """What a product asks of the network: the committed rate the ICM reserves (whole Mbit/s, 0
    allowed), the excess rate it configures but does not reserve, and the flows and envelopes of
    the end point that asks most (the one whose profile the elements enforce)."""

    cir_mbps: int
    eir_mbps: int
    flows: tuple[Flow, ...] = ()
    envelopes: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The LEGATO placement hint `bandwidthProfile` (interfaces/legato/placement.py)."""
        names = {"cos": "cosName", "cir_mbps": "cirMbps", "eir_mbps": "eirMbps", "cbs_kbytes": "cbsKbytes",
                 "ebs_kbytes": "ebsKbytes", "envelope": "envelopeId", "rank": "rank", "coupling_flag": "couplingFlag",
                 "color_mode": "colorMode"}
        return {"cirMbps": self.cir_mbps, "eirMbps": self.eir_mbps, "flows": [
            {names[k]: v for k, v in asdict(f).items() if v is not None} for f in self.flows],
            "envelopes": [{k: e[k] for k in ("envelopeID", "couplingFlagForIndexZero") if k in e}
                          for e in self.envelopes if e.get("envelopeID")]}


def _rate(value: Any) -> float:
    if not isinstance(value, dict) or "irValue" not in value:
        return 0.0
    return float(value["irValue"]) * UNIT_MBPS.get(str(value.get("irUnits", "MBPS")).upper(), 1.0)


def _size(value: Any) -> float | None:
    if not isinstance(value, dict) or "dataSizeValue" not in value:
        return None
    return float(value["dataSizeValue"]) * UNIT_KBYTES.get(str(value.get("dataSizeUnits", "KBYTES")).upper(), 1.0)


def _flow(cos: str | None, bwp: dict[str, Any]) -> Flow:
    return Flow(cos, _rate(bwp.get("cir")), _rate(bwp.get("eir")), _size(bwp.get("cbs")), _size(bwp.get("ebs")),
                bwp.get("envelopeId"), bwp.get("envelopeRank"), bwp.get("couplingFlag"), bwp.get("colorMode"))


def _end_flows(end_point: dict[str, Any]) -> list[Flow]:
    flows = [_flow(entry.get("classOfServiceName"), entry["bwpFlow"]) for key in _PER_COS
             for entry in end_point.get(key) or []
             if isinstance(entry, dict) and isinstance(entry.get("bwpFlow"), dict)]
    for key in ("ingressBandwidthProfilePerEndPoint", "ingressBandwidthProfile"):  # per end point / per UNI
        if isinstance(end_point.get(key), dict):
            flows.append(_flow(None, end_point[key]))
    return flows


def bandwidth(configuration: dict[str, Any], *, pointer: str) -> Bandwidth:
    """The bandwidth the product's ingress profiles ask for (see the module docstring)."""
    ends = [configuration[k] for k in _END_POINTS if isinstance(configuration.get(k), dict)]
    best: tuple[float, float, list[Flow], list[dict[str, Any]]] | None = None
    for end in ends:
        flows = _end_flows(end)
        if not flows:
            continue
        cir, eir = sum(f.cir_mbps for f in flows), sum(f.eir_mbps for f in flows)
        if best is None or (cir, eir) > (best[0], best[1]):
            envelopes = [e for e in end.get("evcEndPointEnvelopes") or end.get("ovcEndPointEnvelopes") or []
                         if isinstance(e, dict)]
            best = (cir, eir, flows, envelopes)
    if best is None:  # a product of another shape (e.g. Internet Access): its rates wherever they are
        rates = [_rate(rate) for key, rate in _walk(configuration) if key == "cir"]
        excess = [_rate(rate) for key, rate in _walk(configuration) if key == "eir"]
        best = (max(rates, default=0.0), max(excess, default=0.0), [], [])
    cir, eir, flows, envelopes = best
    if cir < 0 or eir < 0 or cir + eir <= 0:
        raise Unprocessable("The product configuration gives no bandwidth: an ingress bandwidth profile flow with a "
                            "committed rate ('cir': {'irValue': ..., 'irUnits': 'MBPS'}) or an excess rate ('eir') "
                            "above 0", code="missingProperty", property_path=f"{pointer}/productConfiguration")
    # The network counts whole Mbit/s: a committed rate is reserved rounded up, so it holds the flows.
    return Bandwidth(math.ceil(cir - 1e-9) if cir > 0 else 0, max(1, round(eir)) if eir > 0 else 0,
                     tuple(flows), tuple(envelopes))


def uni_port_mbps(configuration: dict[str, Any] | None) -> int:
    """A UNI's port speed, from the physical link of its configuration (1 Gbit/s when not given)."""
    links = (configuration or {}).get("listOfPhyLinks") or []
    kind = str((links[0] if links and isinstance(links[0], dict) else {}).get("physicalLink", ""))
    for prefix, mbps in (("400G", 400_000), ("200G", 200_000), ("100G", 100_000), ("40G", 40_000), ("50G", 50_000),
                         ("25G", 25_000), ("10G", 10_000), ("5G", 5_000), ("2500", 2_500), ("1000", 1_000),
                         ("100BASE", 100), ("10BASE", 10)):
        if kind.startswith(prefix):
            return mbps
    return 1_000


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key, inner
            yield from _walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner)


def bandwidth_mbps(configuration: dict[str, Any], *, pointer: str) -> int:
    """The committed rate (0 for a best-effort product with only an EIR)."""
    return bandwidth(configuration, pointer=pointer).cir_mbps


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
