"""Rendering ICM objects in the PRESTO (TAPI/NRP) shapes of presto-nrp.yaml."""

from __future__ import annotations

from typing import Any

from cadenza.core.clock import iso
from cadenza.core.ids import new_id
from cadenza.icm.connectivity_service import tapi_states
from cadenza.icm.feasibility import Feasible
from cadenza.icm.oam import ActivationTestResult
from cadenza.icm.operational import NetworkFaults, edge_state, element_state, route_faults, service_ends, service_state
from cadenza.icm.reroute import REROUTE, rerouting
from cadenza.icm.rows import ConnectivityServiceRow, PortUsageRow
from cadenza.icm.topology import EdgePoint, Topology
from cadenza.interfaces.adagio.contract import LinkState, PmCounters
from cadenza.interfaces.presto.paths import DISABLED, ENABLED

__all__ = ["service_view", "sip_view", "topology_view", "test_view", "counters_view", "path_view", "reroute_view"]


def _capacity(mbps: float) -> dict[str, Any]:
    return {"total-size": {"value": int(mbps), "unit": "MBPS"}}


def _bwp_flow(flow: dict[str, Any]) -> dict[str, Any]:
    """A configured flow as mef-common BwpFlow: rates in bit/s, bursts in bytes."""
    view: dict[str, Any] = {"cir": flow.get("cir_kbps", 0) * 1000, "eir": flow.get("eir_kbps", 0) * 1000}
    for key, name in (("cbs_kbytes", "cbs"), ("ebs_kbytes", "ebs")):
        if flow.get(key) is not None:
            view[name] = flow[key] * 1000
    for key, name in (("rank", "rank"), ("coupling_flag", "coupling-flag"), ("color_mode", "color-mode")):
        if flow.get(key) is not None:
            view[name] = flow[key]
    if flow.get("envelope"):
        view["envelope"] = {"envelope-id": flow["envelope"]}
    return view


def _end_point(local_id: str, end: dict[str, Any], hop: dict[str, Any] | None = None) -> dict[str, Any]:
    mapping: dict[str, Any] = ({"vlan-id-mapping-type": "ALL", "untagged-and-prio-tagged-included": True}
                               if end["vlan_id"] is None else
                               {"vlan-id-mapping-type": "LIST", "vlan-id": [{"vlan-id": end["vlan_id"]}]})
    resource: dict[str, Any] = {"ce-vlan-id-list-and-untag": mapping}
    if hop is not None:  # what the elements police at the end points (the same profile both ways)
        resource["ingress-bwp-flow"] = _bwp_flow(hop)
        if hop.get("per_cos"):
            resource["cos-identifier-list"] = [{"cos-name": flow["name"], "ingress-bwp-per-cos": _bwp_flow(flow)}
                                               for flow in hop["per_cos"]]
    return {
        "local-id": local_id,
        "service-interface-point": {"service-interface-point-id": end["sip"]},
        "layer-protocol-name": "ETH",
        "direction": "BIDIRECTIONAL",
        "role": "SYMMETRIC",
        "nrp-carrier-eth-connectivity-end-point-resource": resource,
    }


def service_view(row: ConnectivityServiceRow, faults: NetworkFaults, topology: Topology) -> dict[str, Any]:
    """The service as TAPI shows it; its operational state is the network's now (`faults`, on
    its route and at the ports of its end points)."""
    states = tapi_states(row.state)
    ends = service_ends(topology, row.request)
    names = [{"value-name": "name", "value": row.name}] if row.name else []
    view: dict[str, Any] = {
        "uuid": row.uuid,
        "name": names,
        "lifecycle-state": states.lifecycle,
        "operational-state": service_state(row.state, row.plan, faults, ends),
        "administrative-state": states.administrative,
        "layer-protocol-name": "ETH",
        "direction": "BIDIRECTIONAL",
        "service-type": "POINT_TO_POINT_CONNECTIVITY",
        "requested-capacity": _capacity(row.bandwidth_mbps),
        "is-exclusive": row.request["a"]["vlan_id"] is None and row.request["z"]["vlan_id"] is None,
        "end-point": [_end_point(name, row.request[name], (row.plan.get("hops") or [None])[0]) for name in "az"],
        "connection": [f"{row.uuid}:{hop['element']}" for hop in row.plan.get("hops", [])],
        "nrp-carrier-eth-connectivity-resource": {"max-frame-size": 9216},
        "cadenza-activation": {
            "state": row.state,
            "reason": row.reason,
            "network-domain": row.network_domain,
            "route": row.plan.get("elements", []),
            "route-delay-ms": row.plan.get("delay_ms"),
            "s-vlans": row.plan.get("s_vlans", {}),
            "route-faults": route_faults(row.plan, faults, ends) if states.operational == ENABLED else [],
            **({"reroute": _reroute_under_way(row.pending[REROUTE])} if rerouting(row) else {}),
            "created": iso(row.created_at),
            "updated": iso(row.updated_at),
        },
    }
    ip = row.plan.get("ip")
    if ip:  # Cadenza addition: the addressing of an Internet Access ending at a gateway
        view["cadenza-ip-interface"] = {"service-interface-point-id": ip["edge_point"], "ipv4-prefix": ip["prefix"],
                                        "gateway-ipv4-address": ip["gateway_address"],
                                        "subscriber-ipv4-address": ip["subscriber_address"],
                                        "addressing": "DHCP"}
    if row.max_delay_ms is not None:
        view["latency-characteristic"] = [{"traffic-property-name": "one-way-delay-ms",
                                           "fixed-latency-characteristic": str(row.max_delay_ms)}]
    return view


def sip_view(edge: EdgePoint, usage: PortUsageRow | None, faults: NetworkFaults) -> dict[str, Any]:
    speed = usage.speed_mbps if usage else 0
    free = (speed - usage.reserved_mbps) if usage and usage.mode != "port" else 0
    resource = {"uni": "nrp-carrier-eth-uni-n-resource", "enni": "nrp-carrier-eth-enni-n-resource",
                "inni": "nrp-carrier-eth-inni-n-resource", "internet": "cadenza-internet-gateway-resource"}[edge.kind]
    view: dict[str, Any] = {
        "uuid": edge.id,
        "name": [{"value-name": "element", "value": edge.element}, {"value-name": "port", "value": edge.port},
                 {"value-name": "kind", "value": edge.kind.upper()}],
        "layer-protocol-name": ["ETH"],
        "administrative-state": "UNLOCKED",
        "operational-state": edge_state(edge, faults),
        "lifecycle-state": "INSTALLED",
        "total-potential-capacity": _capacity(speed),
        "available-capacity": _capacity(free),
        resource: {"max-frame-size": 9216},
    }
    if edge.spare_for:  # Cadenza profile: the UNI whose customer equipment this spare port is cabled to
        view["cadenza-spare-for"] = edge.spare_for
    return view


def topology_view(topology: Topology, links: dict[str, LinkState], free: dict[str, float],
                  faults: NetworkFaults) -> dict[str, Any]:
    nodes = [{"uuid": name, "name": [{"value-name": "role", "value": e.role}], "layer-protocol-name": ["ETH"],
              "lifecycle-state": "INSTALLED", "operational-state": element_state(name, faults),
              "administrative-state": "UNLOCKED"}
             for name, e in topology.elements.items()]
    link_views = []
    for link in topology.links.values():
        live = links.get(link.id)
        up = live.up if live else True
        link_views.append({
            "uuid": link.id,
            "name": [{"value-name": "a", "value": str(link.a)}, {"value-name": "b", "value": str(link.b)}],
            "layer-protocol-name": ["ETH"],
            "node-edge-point": [],
            "operational-state": ENABLED if up else DISABLED,
            "administrative-state": "UNLOCKED",
            "lifecycle-state": "INSTALLED",
            # what the link carries now (a degraded link less than it was built for)
            "total-potential-capacity": _capacity(live.capacity_mbps if live else link.capacity_mbps),
            "available-capacity": _capacity(free.get(link.id, link.capacity_mbps)),
            "latency-characteristic": [{"traffic-property-name": "one-way-delay-ms",
                                        "fixed-latency-characteristic": str(live.delay_ms if live else link.delay_ms)}],
            # Cadenza profile: the link's health as the network reports it now, beside what it was built for
            "cadenza-link-health": {"loss-ratio": live.loss_ratio if live else link.loss_ratio,
                                    "delay-ms": live.delay_ms if live else link.delay_ms,
                                    "design-delay-ms": link.delay_ms, "design-loss-ratio": link.loss_ratio},
        })
    return {"uuid": topology.domain, "name": [{"value-name": "network-domain", "value": topology.domain}],
            "layer-protocol-name": ["ETH"], "node": nodes, "link": link_views}


def test_view(row: ConnectivityServiceRow, result: ActivationTestResult) -> dict[str, Any]:
    m = result.measurement
    return {"service-id": row.uuid, "result": "PASS" if result.passed else "FAIL",
            "failures": list(result.failures), "reachable": m.reachable, "frame-delay-ms": round(m.delay_ms, 4),
            "frame-loss-ratio": m.loss_ratio, "information-rate-mbps": round(m.throughput_mbps, 3),
            "cir-mbps": row.bandwidth_mbps, "route": list(m.path), "detail": m.detail, "tested-at": iso()}


def counters_view(row: ConnectivityServiceRow, counters: PmCounters) -> dict[str, Any]:
    return {"service-id": row.uuid, "tx-frames": counters.tx_frames, "rx-frames": counters.rx_frames,
            "tx-octets": counters.tx_octets, "rx-octets": counters.rx_octets,
            "frame-delay-ms": counters.delay_ms, "frame-loss-ratio": counters.loss_ratio,
            "collected-at": counters.collected_at or iso(), **{k: v for k, v in counters.extra.items()}}


def path_view(request: dict[str, Any], found: Feasible, mbps: int) -> dict[str, Any]:
    """A compute-p-2-p-path answer: the spec's PathComputationService (no `path` refs: the path
    is not kept) with the route in `cadenza-path`."""
    return {"uuid": new_id(), "end-point": request["sep"],
            "routing-constraint": {**request.get("routing-constraint", {}), "requested-capacity": _capacity(mbps)},
            "cadenza-path": {"route": list(found.elements), "links": list(found.links),
                             "route-delay-ms": found.delay_ms, "headroom-mbps": found.headroom_mbps}}


def _reroute_under_way(pending: dict[str, Any]) -> dict[str, Any]:
    return {"to-route": pending["to"]["elements"], "to-links": pending["to"]["links"],
            "to-route-delay-ms": pending["to"]["delay_ms"], "avoid": pending["avoid"],
            "switched": bool(pending.get("switched"))}


def reroute_view(row: ConnectivityServiceRow, moved: bool, faults: NetworkFaults,
                 topology: Topology) -> dict[str, Any]:
    """A reroute's answer: the service, and the route it is moving to (`moving`), or the one it
    keeps because it already keeps off what was asked (`unchanged`)."""
    target = row.pending[REROUTE]["to"] if moved and rerouting(row) else row.plan
    return {"service": service_view(row, faults, topology),
            "reroute": {"result": "moving" if moved else "unchanged",
                        "from-route": row.plan.get("elements", []), "route": target.get("elements", []),
                        "links": target.get("links", []), "route-delay-ms": target.get("delay_ms")}}
