"""Test traffic through the twin, following what is actually configured.

A frame entering `fc_id` at (element, port) leaves by the construct's other end point, with
that end point's VLAN (port-based end points pass the tag through); if a link is attached
there it crosses to the next element, whose construct must take that port and VLAN, and the
walk repeats until the frame leaves at a port without a link (the far edge). Whatever breaks
the walk - an element or link down, a construct missing or not taking the frame where it
arrives, a frame coming back - makes the path unreachable, and says where.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cadenza.ecm.twin import NetworkTwin
from cadenza.interfaces.adagio.contract import Measurement

__all__ = ["HOP_DELAY_MS", "Trace", "trace", "measure"]

HOP_DELAY_MS = 0.02  # forwarding latency of one element
_MAX_HOPS = 64


@dataclass
class Trace:
    path: list[str] = field(default_factory=list)  # element:in_port>out_port per hop
    delay_ms: float = 0.0
    delivery: float = 1.0  # product of (1 - loss) over the links crossed
    rate_mbps: float = float("inf")
    broken: str = ""


def trace(twin: NetworkTwin, fc_id: str, ingress: str, ingress_port: str) -> Trace:
    result = Trace()
    element, port, vlan = ingress, ingress_port, None  # None: whatever the ingress end point takes
    seen: set[tuple[str, str]] = set()
    for _ in range(_MAX_HOPS):
        if (element, port) in seen:
            result.broken = f"the frame comes back to {element}:{port}"
            return result
        seen.add((element, port))
        ds = twin.elements.get(element)
        if ds is None or not ds.up:
            result.broken = f"element {element} is {'down' if ds else 'unknown'}"
            return result
        fc = ds.running.fcs.get(fc_id)
        ends = [ep for ep in fc.end_points if ep.port == port and _takes(ep.vlan_id, vlan)] if fc else []
        if fc is None or not ends:
            tag = "" if vlan is None else f" vlan {vlan}"
            result.broken = f"{element} has no forwarding construct {fc_id!r} on port {port}{tag}"
            return result
        out = fc.end_points[1] if fc.end_points[0] is ends[0] else fc.end_points[0]
        vlan = out.vlan_id if out.vlan_id is not None else vlan
        result.path.append(f"{element}:{port}>{out.port}")
        result.delay_ms += HOP_DELAY_MS
        result.rate_mbps = min(result.rate_mbps, fc.bandwidth.cir_kbps / 1000)
        link = twin.link_at(element, out.port)
        if link is None:
            return result  # left the network at an edge port
        if not link.up:
            result.broken = f"link {link.a}:{link.a_port}-{link.b}:{link.b_port} is down"
            return result
        result.delay_ms += link.delay_ms
        result.delivery *= 1 - link.loss_ratio
        result.rate_mbps = min(result.rate_mbps, link.capacity_mbps)
        seen.add((element, out.port))
        element, port = link.far_end(element, out.port)
    result.broken = f"forwarding loop: more than {_MAX_HOPS} hops"
    return result


def _takes(end_point_vlan: int | None, frame_vlan: int | None) -> bool:
    return end_point_vlan is None or frame_vlan is None or end_point_vlan == frame_vlan


def measure(twin: NetworkTwin, fc_id: str, ingress: str, ingress_port: str) -> Measurement:
    walked = trace(twin, fc_id, ingress, ingress_port)
    path = tuple(walked.path)
    if walked.broken:
        return Measurement(False, 0.0, 1.0, 0.0, path, walked.broken)
    loss = 1 - walked.delivery
    return Measurement(True, round(walked.delay_ms, 6), round(loss, 9), round(walked.rate_mbps * walked.delivery, 6),
                       path, f"{len(path)} hops")
