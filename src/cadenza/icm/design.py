"""Turning a computed path into the forwarding construct each element must hold.

Every link on the path carries the service on an S-VLAN of its own (chosen by the resource
inventory), so each element cross-connects the VLAN it receives on one port to the VLAN it
sends on the other. The two ends attach at the edge points as the request asked: port-based
(no VLAN, the port is the service's alone) or on one CE-VLAN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cadenza.icm.topology import Topology
from cadenza.interfaces.adagio.contract import BandwidthProfile, FcEndPoint, ForwardingConstruct

__all__ = ["ServiceEnd", "Hop", "design_hops", "hops_to_json", "hops_from_json", "bandwidth_profile"]


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


def bandwidth_profile(mbps: int) -> BandwidthProfile:
    # CBS sized for about 10 ms of traffic at CIR, never below the 12 kB MEF 10.4 minimum.
    return BandwidthProfile(cir_kbps=mbps * 1000, cbs_kbytes=max(12, mbps * 10 // 8))


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
) -> list[Hop]:
    if len(elements) != len(links) + 1:
        raise ValueError("a path has one more element than links")
    bandwidth = bandwidth_profile(mbps)
    hops: list[Hop] = []
    inbound = FcEndPoint(a.port, a.vlan_id)
    for index, element in enumerate(elements):
        if index < len(links):
            link = topology.links[links[index]]
            outbound = FcEndPoint(link.end_at(element).port, s_vlans[link.id])
        else:
            outbound = FcEndPoint(z.port, z.vlan_id)
        fc = ForwardingConstruct(service_uuid, (inbound, outbound), bandwidth, description=f"cadenza {service_uuid}")
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
        }
        for hop in hops
    ]


def hops_from_json(service_uuid: str, data: Sequence[Mapping[str, Any]]) -> list[Hop]:
    hops = []
    for item in data:
        a, z = (FcEndPoint(ep["port"], ep["vlan_id"]) for ep in item["end_points"])
        bandwidth = BandwidthProfile(cir_kbps=item["cir_kbps"], cbs_kbytes=item["cbs_kbytes"])
        hops.append(Hop(item["element"], ForwardingConstruct(service_uuid, (a, z), bandwidth,
                                                             description=f"cadenza {service_uuid}")))
    return hops
