"""Turning a computed path into the forwarding construct each element must hold.

Every link on the path carries the service on an S-VLAN of its own (chosen by the resource
inventory), so each element cross-connects the VLAN it receives on one port to the VLAN it
sends on the other. The two ends attach at the edge points as the request asked: port-based
(no VLAN, the port is the service's alone) or on one CE-VLAN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from cadenza.icm.topology import Topology
from cadenza.interfaces.adagio.contract import BandwidthProfile, CosFlow, FcEndPoint, ForwardingConstruct, IpInterface

__all__ = ["ServiceEnd", "Hop", "design_hops", "hops_to_json", "hops_from_json", "bandwidth_profile",
           "with_committed_rate"]


@dataclass(frozen=True, slots=True)
class ServiceEnd:
    edge_point: str
    element: str
    port: str
    vlan_id: int | None


@dataclass(frozen=True, slots=True)
class Hop:
    element: str
    fc: ForwardingConstruct


def _burst(kbps: int) -> int:
    # A burst size for about 10 ms of traffic at the rate, never below the 12 kB MEF 10.4 minimum.
    return max(12, kbps // 1000 * 10 // 8) if kbps else 0


def bandwidth_profile(mbps: int, profile: Mapping[str, Any] | None = None) -> BandwidthProfile:
    """The profile every element of the path polices: CIR `mbps` (0: nothing committed), and
    from `profile` (what the PRESTO request's end point asked, see icm/api/presto.py) the EIR,
    the CBS/EBS given and the flows per class of service. The excess rate is configured but
    never reserved: it is best effort (docs/presto-profile.md)."""
    asked = profile or {}
    eir_kbps = int(asked.get("eir_kbps") or 0)
    cbs, ebs = asked.get("cbs_kbytes"), asked.get("ebs_kbytes")
    per_cos = tuple(CosFlow(**flow) for flow in asked.get("per_cos") or ())
    cir_kbps = mbps * 1000
    return BandwidthProfile(cir_kbps=cir_kbps, cbs_kbytes=int(cbs) if cbs is not None else max(12, mbps * 10 // 8)
                            if mbps else 0, eir_kbps=eir_kbps,
                            ebs_kbytes=int(ebs) if ebs is not None else _burst(eir_kbps), per_cos=per_cos)


def with_committed_rate(bandwidth: BandwidthProfile, mbps: int) -> BandwidthProfile:
    """A bandwidth change: the CIR (and a CBS sized for it), the excess rate and flows kept; a
    single class of service follows the new CIR, several keep theirs (the change is of the whole)."""
    per_cos = bandwidth.per_cos
    if len(per_cos) == 1:
        per_cos = (replace(per_cos[0], cir_kbps=mbps * 1000, cbs_kbytes=_burst(mbps * 1000)),)
    return replace(bandwidth, cir_kbps=mbps * 1000, cbs_kbytes=max(12, mbps * 10 // 8) if mbps else 0,
                   per_cos=per_cos)


def design_hops(
    topology: Topology,
    *,
    service_uuid: str,
    elements: Sequence[str],
    links: Sequence[str],
    s_vlans: Mapping[str, int],
    a: ServiceEnd,
    z: ServiceEnd,
    mbps: int,
    profile: Mapping[str, Any] | None = None,
    ip: IpInterface | None = None,
) -> list[Hop]:
    """The construct on each element of the path; `ip` (an Internet Access) ends the last
    one, at the gateway's Internet-facing end point `z`, in a routed interface."""
    if len(elements) != len(links) + 1:
        raise ValueError("a path has one more element than links")
    bandwidth = bandwidth_profile(mbps, profile)
    hops: list[Hop] = []
    inbound = FcEndPoint(a.port, a.vlan_id)
    for index, element in enumerate(elements):
        if index < len(links):
            link = topology.links[links[index]]
            outbound = FcEndPoint(link.end_at(element).port, s_vlans[link.id])
        else:
            outbound = FcEndPoint(z.port, z.vlan_id)
        last = index == len(elements) - 1
        fc = ForwardingConstruct(service_uuid, (inbound, outbound), bandwidth, description=f"cadenza {service_uuid}",
                                 ip=ip if last else None)
        hops.append(Hop(element, fc))
        if index < len(links):
            link = topology.links[links[index]]
            inbound = FcEndPoint(link.far_end(element).port, s_vlans[link.id])
    return hops


def hops_to_json(hops: Sequence[Hop]) -> list[dict[str, Any]]:
    return [
        {
            "element": hop.element,
            "end_points": [{"port": ep.port, "vlan_id": ep.vlan_id} for ep in hop.fc.end_points],
            "cir_kbps": hop.fc.bandwidth.cir_kbps,
            "cbs_kbytes": hop.fc.bandwidth.cbs_kbytes,
            "eir_kbps": hop.fc.bandwidth.eir_kbps,
            "ebs_kbytes": hop.fc.bandwidth.ebs_kbytes,
            "per_cos": [asdict(flow) for flow in hop.fc.bandwidth.per_cos],
            **({"ip": _ip_json(hop.fc.ip)} if hop.fc.ip is not None else {}),
        }
        for hop in hops
    ]


def _ip_json(ip: IpInterface) -> dict[str, Any]:
    return {"end_point": ip.end_point, "address": ip.address, "prefix_length": ip.prefix_length,
            "subscriber_address": ip.subscriber_address}


def hops_from_json(service_uuid: str, data: Sequence[Mapping[str, Any]]) -> list[Hop]:
    hops = []
    for item in data:
        a, z = (FcEndPoint(ep["port"], ep["vlan_id"]) for ep in item["end_points"])
        bandwidth = BandwidthProfile(cir_kbps=item["cir_kbps"], cbs_kbytes=item["cbs_kbytes"],
                                     eir_kbps=item.get("eir_kbps", 0), ebs_kbytes=item.get("ebs_kbytes", 0),
                                     per_cos=tuple(CosFlow(**flow) for flow in item.get("per_cos", ())))
        ip = item.get("ip")
        interface = IpInterface(ip["end_point"], ip["address"], ip["prefix_length"], ip["subscriber_address"]) \
            if ip else None
        hops.append(Hop(item["element"], ForwardingConstruct(service_uuid, (a, z), bandwidth,
                                                             description=f"cadenza {service_uuid}", ip=interface)))
    return hops
