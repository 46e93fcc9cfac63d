"""The ICM resource inventory: bandwidth per link and edge port, VLAN ids per port.

Every reservation is recorded against the service that holds it, so releasing a service gives
back exactly what it took, and counters change only through conditional UPDATEs that cannot
oversubscribe under concurrency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cadenza.core.errors import Unprocessable
from cadenza.icm.design import ServiceEnd
from cadenza.icm.rows import LinkCapacityRow, PortUsageRow, ReservationRow, VlanAllocationRow
from cadenza.icm.topology import Topology

__all__ = ["ResourceUnavailable", "ResourceInventory"]

VLAN_RANGE = range(2, 4095)


class ResourceUnavailable(Unprocessable):
    """The network cannot give what the request needs (bandwidth, a VLAN, a port)."""


class ResourceInventory:
    def __init__(self, topology: Topology, port_speeds: Mapping[tuple[str, str], int]) -> None:
        self.topology = topology
        self.domain = topology.domain
        self._port_speeds = dict(port_speeds)

    # -- set-up ---------------------------------------------------------------------------
    def seed(self, session: Session) -> None:
        """Create the counters for links and edge ports the database does not know yet."""
        known_links = set(session.scalars(select(LinkCapacityRow.link_id)
                                          .where(LinkCapacityRow.network_domain == self.domain)))
        for link in self.topology.links.values():
            if link.id not in known_links:
                session.add(LinkCapacityRow(network_domain=self.domain, link_id=link.id,
                                            capacity_mbps=int(link.capacity_mbps), reserved_mbps=0))
        known_ports = set(session.execute(select(PortUsageRow.element, PortUsageRow.port)
                                          .where(PortUsageRow.network_domain == self.domain)))
        for edge in self.topology.edge_points.values():
            key = (edge.element, edge.port)
            if key not in known_ports:
                known_ports.add(key)
                session.add(PortUsageRow(network_domain=self.domain, element=edge.element, port=edge.port,
                                         speed_mbps=self._port_speeds.get(key, 10_000), reserved_mbps=0,
                                         mode="free", users=0))

    # -- queries --------------------------------------------------------------------------
    def available_mbps(self, session: Session) -> dict[str, float]:
        rows = session.execute(select(LinkCapacityRow.link_id, LinkCapacityRow.capacity_mbps,
                                      LinkCapacityRow.reserved_mbps)
                               .where(LinkCapacityRow.network_domain == self.domain))
        return {link_id: float(cap - used) for link_id, cap, used in rows}

    def held_by(self, session: Session, service_uuid: str) -> list[ReservationRow]:
        return list(session.scalars(select(ReservationRow).where(ReservationRow.service_uuid == service_uuid)))

    def vlans_of(self, session: Session, service_uuid: str) -> list[VlanAllocationRow]:
        return list(session.scalars(select(VlanAllocationRow)
                                    .where(VlanAllocationRow.service_uuid == service_uuid)))

    # -- reservation ----------------------------------------------------------------------
    def reserve(self, session: Session, service_uuid: str, *, links: Sequence[str], ends: Iterable[ServiceEnd],
                mbps: int) -> dict[str, int]:
        """Take bandwidth on every link and edge port, the edge VLANs and one S-VLAN per link.
        Returns the S-VLAN chosen for each link. Raises ResourceUnavailable, leaving the
        caller to roll the transaction back."""
        for link_id in links:
            self._take_link(session, service_uuid, link_id, mbps)
        for end in ends:
            self._take_port(session, service_uuid, end, mbps)
        return {link_id: self._take_link_vlan(session, service_uuid, link_id) for link_id in links}

    def change_bandwidth(self, session: Session, service_uuid: str, mbps: int) -> None:
        """Move every reservation of the service to `mbps`, all or nothing."""
        for held in self.held_by(session, service_uuid):
            delta = mbps - held.mbps
            if delta > 0:
                self._grow(session, held, delta)
            elif delta < 0:
                self._shrink(session, held.kind, held.resource, -delta)
            held.mbps = mbps

    def release(self, session: Session, service_uuid: str) -> None:
        for held in self.held_by(session, service_uuid):
            self._shrink(session, held.kind, held.resource, held.mbps)
            if held.kind == "port":
                element, port = held.resource.split(":", 1)
                session.execute(update(PortUsageRow)
                                .where(PortUsageRow.network_domain == self.domain, PortUsageRow.element == element,
                                       PortUsageRow.port == port)
                                .values(users=PortUsageRow.users - 1))
                session.execute(update(PortUsageRow)
                                .where(PortUsageRow.network_domain == self.domain, PortUsageRow.element == element,
                                       PortUsageRow.port == port, PortUsageRow.users <= 0)
                                .values(mode="free", users=0))
            session.delete(held)
        session.execute(delete(VlanAllocationRow).where(VlanAllocationRow.service_uuid == service_uuid))

    # -- internals ------------------------------------------------------------------------
    def _take_link(self, session: Session, service_uuid: str, link_id: str, mbps: int) -> None:
        taken = session.execute(
            update(LinkCapacityRow)
            .where(LinkCapacityRow.network_domain == self.domain, LinkCapacityRow.link_id == link_id,
                   LinkCapacityRow.reserved_mbps + mbps <= LinkCapacityRow.capacity_mbps)
            .values(reserved_mbps=LinkCapacityRow.reserved_mbps + mbps)
        ).rowcount
        if not taken:
            raise ResourceUnavailable(f"Link {link_id} has less than {mbps} Mbit/s free",
                                      property_path="/input/conn-constraint/requested-capacity")
        session.add(ReservationRow(service_uuid=service_uuid, network_domain=self.domain, kind="link",
                                   resource=link_id, mbps=mbps))

    def _take_port(self, session: Session, service_uuid: str, end: ServiceEnd, mbps: int) -> None:
        wanted_mode = "port" if end.vlan_id is None else "vlan"
        allowed = ("free",) if wanted_mode == "port" else ("free", "vlan")
        taken = session.execute(
            update(PortUsageRow)
            .where(PortUsageRow.network_domain == self.domain, PortUsageRow.element == end.element,
                   PortUsageRow.port == end.port, PortUsageRow.mode.in_(allowed),
                   PortUsageRow.reserved_mbps + mbps <= PortUsageRow.speed_mbps)
            .values(mode=wanted_mode, users=PortUsageRow.users + 1,
                    reserved_mbps=PortUsageRow.reserved_mbps + mbps)
        ).rowcount
        if not taken:
            row = session.get(PortUsageRow, (self.domain, end.element, end.port))
            if row is None:
                raise ResourceUnavailable(f"{end.edge_point} is not an edge point of {self.domain}")
            if row.mode == "port" or (wanted_mode == "port" and row.mode == "vlan"):
                why = ("is dedicated to another service" if row.mode == "port"
                       else "already carries VLAN-based services, so it cannot be given to one service whole")
                raise ResourceUnavailable(f"Edge point {end.edge_point} {why}",
                                          property_path="/input/end-point")
            raise ResourceUnavailable(
                f"Edge point {end.edge_point} has {row.speed_mbps - row.reserved_mbps} Mbit/s free, "
                f"{mbps} requested", property_path="/input/conn-constraint/requested-capacity")
        session.add(ReservationRow(service_uuid=service_uuid, network_domain=self.domain, kind="port",
                                   resource=f"{end.element}:{end.port}", mbps=mbps))
        if end.vlan_id is not None:
            self._claim_vlans(session, service_uuid, [(end.element, end.port)], end.vlan_id,
                              why=f"CE-VLAN {end.vlan_id} is already in use on edge point {end.edge_point}")

    def _take_link_vlan(self, session: Session, service_uuid: str, link_id: str) -> int:
        link = self.topology.links[link_id]
        ports = [(link.a.element, link.a.port), (link.b.element, link.b.port)]
        for _attempt in range(5):
            used = set(session.scalars(select(VlanAllocationRow.vlan_id).where(
                VlanAllocationRow.network_domain == self.domain,
                ((VlanAllocationRow.element == ports[0][0]) & (VlanAllocationRow.port == ports[0][1]))
                | ((VlanAllocationRow.element == ports[1][0]) & (VlanAllocationRow.port == ports[1][1])))))
            vlan = next((v for v in VLAN_RANGE if v not in used), None)
            if vlan is None:
                raise ResourceUnavailable(f"No S-VLAN id is free on both ends of link {link_id}")
            try:
                self._claim_vlans(session, service_uuid, ports, vlan, why="")
                return vlan
            except ResourceUnavailable:
                continue  # another reservation took it between our read and write: pick again
        raise ResourceUnavailable(f"Could not claim an S-VLAN on link {link_id}: too much contention, retry")

    def _claim_vlans(self, session: Session, service_uuid: str, ports: Sequence[tuple[str, str]], vlan: int,
                     *, why: str) -> None:
        try:
            with session.begin_nested():
                for element, port in ports:
                    session.add(VlanAllocationRow(network_domain=self.domain, element=element, port=port,
                                                  vlan_id=vlan, service_uuid=service_uuid))
                session.flush()
        except IntegrityError as exc:
            raise ResourceUnavailable(why or f"VLAN {vlan} taken", property_path="/input/end-point") from exc

    def _grow(self, session: Session, held: ReservationRow, delta: int) -> None:
        if held.kind == "link":
            self._take_link_delta(session, held.resource, delta)
            return
        element, port = held.resource.split(":", 1)
        grown = session.execute(
            update(PortUsageRow)
            .where(PortUsageRow.network_domain == self.domain, PortUsageRow.element == element,
                   PortUsageRow.port == port, PortUsageRow.reserved_mbps + delta <= PortUsageRow.speed_mbps)
            .values(reserved_mbps=PortUsageRow.reserved_mbps + delta)).rowcount
        if not grown:
            raise ResourceUnavailable(f"Port {held.resource} has less than {delta} Mbit/s more to give",
                                      property_path="/input/conn-constraint/requested-capacity")

    def _take_link_delta(self, session: Session, link_id: str, delta: int) -> None:
        grown = session.execute(
            update(LinkCapacityRow)
            .where(LinkCapacityRow.network_domain == self.domain, LinkCapacityRow.link_id == link_id,
                   LinkCapacityRow.reserved_mbps + delta <= LinkCapacityRow.capacity_mbps)
            .values(reserved_mbps=LinkCapacityRow.reserved_mbps + delta)).rowcount
        if not grown:
            raise ResourceUnavailable(f"Link {link_id} has less than {delta} Mbit/s more to give",
                                      property_path="/input/conn-constraint/requested-capacity")

    def _shrink(self, session: Session, kind: str, resource: str, mbps: int) -> None:
        if kind == "link":
            session.execute(update(LinkCapacityRow)
                            .where(LinkCapacityRow.network_domain == self.domain, LinkCapacityRow.link_id == resource)
                            .values(reserved_mbps=LinkCapacityRow.reserved_mbps - mbps))
            return
        element, port = resource.split(":", 1)
        session.execute(update(PortUsageRow)
                        .where(PortUsageRow.network_domain == self.domain, PortUsageRow.element == element,
                               PortUsageRow.port == port)
                        .values(reserved_mbps=PortUsageRow.reserved_mbps - mbps))
