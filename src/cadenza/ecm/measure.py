"""Test traffic through the twin, following what is actually configured.

The information rate is what the network model gives the construct. The test offers what its
bandwidth profile admits, CIR plus EIR (MEF 10.4: green up to CIR, yellow up to EIR). Each link
crossed carries at most its capacity now (a degraded link less): green traffic first, shared in
proportion to the CIRs offered there when they do not fit, then yellow traffic in what is left,
shared in proportion to the EIRs; loss takes its part of what gets through.

A frame entering `fc_id` at (element, port) leaves by the construct's other end point, with
that end point's VLAN (port-based end points pass the tag through); if a link is attached
there it crosses to the next element, whose construct must take that port and VLAN, and the
walk repeats until the frame leaves at a port without a link (the far edge). Whatever breaks
the walk - an element or link down, a construct missing or not taking the frame where it
arrives, a frame coming back - makes the path unreachable, and says where.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cadenza.ecm.model import ElementData
from cadenza.interfaces.adagio.contract import ForwardingConstruct, Measurement

if TYPE_CHECKING:  # the twin builds its traffic engine, which walks paths with this module
    from cadenza.ecm.twin import Link, NetworkTwin

__all__ = ["HOP_DELAY_MS", "Trace", "carry_port_load", "fits", "load_free", "measure", "measured", "port_load", "trace"]

HOP_DELAY_MS = 0.02  # forwarding latency of one element
_MAX_HOPS = 64
_PORT_LOAD = "measure.port-load"  # (green, yellow) kbit/s offered per port by the constructs there


@dataclass
class Trace:
    path: list[str] = field(default_factory=list)  # element:in_port>out_port per hop
    delay_ms: float = 0.0
    delivery: float = 1.0  # product of (1 - loss) over the links crossed
    rate_mbps: float = float("inf")
    broken: str = ""
    # The links crossed, each with True when the frame left by the link's `a` end.
    crossed: list[tuple[Link, bool]] = field(default_factory=list)
    # Everything the walk read, the element or link that broke it included: what the result
    # depends on (the PM counters settle a construct only when one of these changes).
    elements: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


def trace(twin: NetworkTwin, fc_id: str, ingress: str, ingress_port: str) -> Trace:
    result = Trace()
    element, port, vlan = ingress, ingress_port, None  # None: whatever the ingress end point takes
    seen: set[tuple[str, str]] = set()
    for _ in range(_MAX_HOPS):
        if (element, port) in seen:
            result.broken = f"the frame comes back to {element}:{port}"
            return result
        seen.add((element, port))
        result.elements.append(element)
        ds = twin.elements.get(element)
        if ds is None or not ds.up:
            result.broken = f"element {element} is {'down' if ds else 'unknown'}"
            return result
        if (element, port) in twin.down_ports:
            result.broken = f"port {port} of {element} is down"
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
        result.rate_mbps = min(result.rate_mbps, _admitted_mbps(fc))
        if (element, out.port) in twin.down_ports:
            result.broken = f"port {out.port} of {element} is down"
            return result
        link = twin.link_at(element, out.port)
        if link is None:
            return result  # left the network at an edge port
        result.links.append(link)
        if not link.up:
            result.broken = f"link {link.a}:{link.a_port}-{link.b}:{link.b_port} is down"
            return result
        result.crossed.append((link, (link.a, link.a_port) == (element, out.port)))
        result.delay_ms += link.delay_ms
        result.delivery *= 1 - link.loss_ratio
        result.rate_mbps = min(result.rate_mbps, _share_mbps(link.capacity_mbps, ds.running, out.port, fc))
        seen.add((element, out.port))
        element, port = link.far_end(element, out.port)
    result.broken = f"forwarding loop: more than {_MAX_HOPS} hops"
    return result


def _admitted_mbps(fc: ForwardingConstruct) -> float:
    return (fc.bandwidth.cir_kbps + fc.bandwidth.eir_kbps) / 1000


def _share_mbps(capacity_mbps: float, data: ElementData, port: str, fc: ForwardingConstruct) -> float:
    """What `fc` gets of a link: its CIR while the CIRs offered there fit the link's capacity now
    (else its proportional part of that capacity), plus its part of what green traffic leaves,
    shared among the EIRs offered there."""
    green_kbps, yellow_kbps = port_load(data).get(port, (0, 0))
    cir_mbps, eir_mbps = fc.bandwidth.cir_kbps / 1000, fc.bandwidth.eir_kbps / 1000
    if not fits(capacity_mbps, green_kbps):
        return capacity_mbps * cir_mbps / (green_kbps / 1000) if green_kbps else 0.0
    spare_mbps = capacity_mbps - green_kbps / 1000
    excess_mbps = min(eir_mbps, spare_mbps * eir_mbps / (yellow_kbps / 1000)) if yellow_kbps else 0.0
    return cir_mbps + excess_mbps


def port_load(data: ElementData) -> dict[str, tuple[int, int]]:
    """(green, yellow) kbit/s offered on each port of an element by the constructs there."""
    load = data.derived.get(_PORT_LOAD)
    if load is None:  # once per configuration: the content is immutable, a commit makes a new one
        load = {}
        for each in data.fcs.values():
            for ep_port in {ep.port for ep in each.end_points}:
                green, yellow = load.get(ep_port, (0, 0))
                load[ep_port] = (green + each.bandwidth.cir_kbps, yellow + each.bandwidth.eir_kbps)
        data.derived[_PORT_LOAD] = load
    return load


def carry_port_load(running: ElementData, candidate: ElementData, changed: Iterable[str]) -> None:
    """Give `candidate` its port load from `running`'s and the constructs that differ, rather
    than summing every construct of the element again: a commit changes a few of thousands."""
    if _PORT_LOAD in candidate.derived:
        return
    load = dict(port_load(running))
    for fc_id in changed:
        for data, sign in ((running, -1), (candidate, 1)):
            fc = data.fcs.get(fc_id)
            for ep_port in {ep.port for ep in fc.end_points} if fc else ():
                green, yellow = load.get(ep_port, (0, 0))
                load[ep_port] = (green + sign * fc.bandwidth.cir_kbps, yellow + sign * fc.bandwidth.eir_kbps)
    candidate.derived[_PORT_LOAD] = load


def fits(capacity_mbps: float, green_kbps: int) -> bool:
    """Whether the committed traffic offered onto a link fits its capacity (`_share_mbps`)."""
    return green_kbps / 1000 < capacity_mbps


def load_free(capacity_mbps: float, green_kbps: int, fc: ForwardingConstruct) -> bool:
    """Whether what `fc` gets of a link is its CIR whatever else is offered there, for as long
    as the committed traffic fits: no excess rate to share, no committed rate cut."""
    return fc.bandwidth.eir_kbps == 0 and fits(capacity_mbps, green_kbps)


def _takes(end_point_vlan: int | None, frame_vlan: int | None) -> bool:
    return end_point_vlan is None or frame_vlan is None or end_point_vlan == frame_vlan


def measure(twin: NetworkTwin, fc_id: str, ingress: str, ingress_port: str) -> Measurement:
    return measured(trace(twin, fc_id, ingress, ingress_port))


def measured(walked: Trace) -> Measurement:
    """What a walk measures."""
    path = tuple(walked.path)
    if walked.broken:
        return Measurement(False, 0.0, 1.0, 0.0, path, walked.broken)
    loss = 1 - walked.delivery
    return Measurement(True, round(walked.delay_ms, 6), round(loss, 9), round(walked.rate_mbps * walked.delivery, 6),
                       path, f"{len(path)} hops")
