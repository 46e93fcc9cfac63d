"""Could this network domain carry a connectivity service now? (PRESTO `compute-p-2-p-path`)

The same questions a create asks (edge points up, port free or shareable, CE-VLAN free,
bandwidth on the port and along a path), answered from the database as it stands and
reserving nothing. For a change of an existing service the service's own reservation counts
as free, and the route is the one it already has: a bandwidth change grows a service in
place (`ResourceInventory.change_bandwidth`), so that is the route that must have room.

Exceptions::

    Infeasible (a 422)  the network cannot carry it; `reason` says what blocks it
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.core.errors import Unprocessable
from cadenza.icm.pathing import FreeBandwidth, NoPathError, PathRequest, compute_path
from cadenza.icm.rows import ConnectivityServiceRow, LinkCapacityRow, PortUsageRow, ReservationRow, VlanAllocationRow

__all__ = ["FeasibilityEnd", "FeasibilityQuery", "Feasible", "Infeasible", "check_feasibility"]


class Infeasible(Unprocessable):
    """The network cannot carry the service as asked."""


@dataclass(frozen=True, slots=True)
class FeasibilityEnd:
    edge_point: str
    element: str
    port: str
    mode: str  # "port": the whole port (port-based); "vlan": one VLAN on a shared port
    vlan_id: int | None = None  # with mode "vlan": the CE-VLAN asked for (None: one to be chosen later)


@dataclass(frozen=True, slots=True)
class FeasibilityQuery:
    a: FeasibilityEnd
    z: FeasibilityEnd
    mbps: int
    max_delay_ms: float | None = None
    for_service: ConnectivityServiceRow | None = None  # a change of this service


@dataclass(frozen=True, slots=True)
class Feasible:
    elements: tuple[str, ...]
    links: tuple[str, ...]
    delay_ms: float
    headroom_mbps: int  # the least bandwidth left free along the route once this is carried


def _own(session: Session, service: ConnectivityServiceRow | None) -> dict[tuple[str, str], int]:
    if service is None:
        return {}
    return {(r.kind, r.resource): r.mbps for r in session.scalars(
        select(ReservationRow).where(ReservationRow.service_uuid == service.uuid))}


def _check_port(session: Session, domain: str, end: FeasibilityEnd, mbps: int, own: dict[tuple[str, str], int],
                service: ConnectivityServiceRow | None) -> int:
    row = session.get(PortUsageRow, (domain, end.element, end.port))
    if row is None:
        raise Infeasible(f"{end.edge_point} is not an edge point of {domain}", code="referenceNotFound",
                         property_path="/input/sep")
    mine = own.get(("port", f"{end.element}:{end.port}"), 0)
    users = row.users - (1 if mine else 0)
    mode = row.mode if users > 0 else "free"
    if end.mode == "port" and mode != "free":
        why = "is dedicated to another service" if mode == "port" else "already carries VLAN-based services"
        raise Infeasible(f"Edge point {end.edge_point} {why}, so it cannot be given to one service whole",
                         property_path="/input/sep")
    if end.mode == "vlan" and mode == "port":
        raise Infeasible(f"Edge point {end.edge_point} is dedicated to another service (port-based)",
                         property_path="/input/sep")
    free = row.speed_mbps - row.reserved_mbps + mine
    if free < mbps:
        raise Infeasible(f"Edge point {end.edge_point} has {free} Mbit/s free, {mbps} Mbit/s asked",
                         property_path="/input/routing-constraint/requested-capacity")
    if end.vlan_id is not None:
        holder = session.scalars(select(VlanAllocationRow.service_uuid).where(
            VlanAllocationRow.network_domain == domain, VlanAllocationRow.element == end.element,
            VlanAllocationRow.port == end.port, VlanAllocationRow.vlan_id == end.vlan_id)).first()
        if holder is not None and (service is None or holder != service.uuid):
            raise Infeasible(f"CE-VLAN {end.vlan_id} is already in use on edge point {end.edge_point}",
                             property_path="/input/sep")
    return free - mbps


def check_feasibility(session: Session, topology, query: FeasibilityQuery, *,  # noqa: ANN001 - Topology
                      down_links: frozenset[str], down_elements: frozenset[str]) -> Feasible:
    """The route the service would take and the headroom left; raises Infeasible."""
    domain = topology.domain
    for end in (query.a, query.z):
        if end.element in down_elements:
            raise Infeasible(f"Element {end.element} of edge point {end.edge_point} is down",
                             property_path="/input/sep")
    own = _own(session, query.for_service)
    headroom = min(_check_port(session, domain, end, query.mbps, own, query.for_service) for end in (query.a, query.z))
    rows = session.execute(select(LinkCapacityRow.link_id, LinkCapacityRow.capacity_mbps,
                                  LinkCapacityRow.reserved_mbps).where(LinkCapacityRow.network_domain == domain))
    free = FreeBandwidth({link: float(cap - used + own.get(("link", link), 0)) for link, cap, used in rows})
    service = query.for_service
    if service is not None:
        links = tuple(service.plan.get("links", []))
        for link in links:
            if link in down_links:
                raise Infeasible(f"Link {link} on the service's route is down", property_path="/input/sep")
            if free.get(link, 0.0) < query.mbps:
                raise Infeasible(f"Link {link} on the service's route has {int(free.get(link, 0.0))} Mbit/s free "
                                 f"for it, {query.mbps} Mbit/s asked",
                                 property_path="/input/routing-constraint/requested-capacity")
        elements, delay = tuple(service.plan.get("elements", [])), float(service.plan.get("delay_ms") or 0.0)
    else:
        request = PathRequest(query.a.element, query.z.element, float(query.mbps), query.max_delay_ms,
                              exclude_elements=down_elements)
        try:
            path = compute_path(topology, request, available_mbps=free, down_links=down_links)
        except NoPathError as exc:
            raise Infeasible(exc.reason, property_path="/input/routing-constraint") from exc
        links, elements, delay = path.link_ids, path.elements, path.delay_ms
    if links:
        headroom = min(headroom, *(int(free.get(link, 0.0)) - query.mbps for link in links))
    return Feasible(elements, links, delay, headroom)
