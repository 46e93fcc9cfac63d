"""The ICM resource inventory: bandwidth per link and edge port, VLAN ids per port.

Every reservation is recorded against the service that holds it, so releasing a service gives
back exactly what it took, and counters change only through conditional UPDATEs that cannot
oversubscribe under concurrency.

Several worker processes may plan in the same domain on one database. The database decides
(conditional UPDATEs, the VLAN unique constraint); what each process mirrors in memory (free
bandwidth per link, VLANs in use) is a hint. A transaction that changes the inventory first
takes the domain's turn (`begin`): one such transaction at a time per domain, whichever
process, so they never deadlock on each other's counter rows, and a transaction that asks for
fresh pictures plans on exactly what the database holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, case, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cadenza.core.db import execute_plain, insert_at_commit, per_transaction
from cadenza.core.errors import Unprocessable
from cadenza.core.turns import take_turn
from cadenza.icm.design import ServiceEnd
from cadenza.icm.pathing import FreeBandwidth
from cadenza.icm.rows import IpAllocationRow, LinkCapacityRow, PortUsageRow, ReservationRow, VlanAllocationRow
from cadenza.icm.topology import Topology
from cadenza.icm.vlan_use import VlanUse

__all__ = ["ResourceUnavailable", "LinkLoad", "ResourceInventory"]


# The statements of a reservation, built once: composing them anew for every request cost
# more than running them. Core statements on the tables skip the ORM's bulk machinery too.
_LINKS = LinkCapacityRow.__table__
_PORTS = PortUsageRow.__table__
_VLANS = VlanAllocationRow.__table__
_HELD = ReservationRow.__table__
# One statement per link, run as one executemany: an expanding IN list would be compiled
# anew for every path length.
_TAKE_LINK = (update(_LINKS)
              .where(_LINKS.c.network_domain == bindparam("domain"), _LINKS.c.link_id == bindparam("link"),
                     _LINKS.c.reserved_mbps + bindparam("delta") <= _LINKS.c.capacity_mbps)
              .values(reserved_mbps=_LINKS.c.reserved_mbps + bindparam("delta")))
_PORT_TAKEN = (update(_PORTS)
               .where(_PORTS.c.network_domain == bindparam("domain"), _PORTS.c.element == bindparam("el"),
                      _PORTS.c.port == bindparam("pt"),
                      _PORTS.c.reserved_mbps + bindparam("delta") <= _PORTS.c.speed_mbps)
               .values(mode=bindparam("wanted"), users=_PORTS.c.users + 1,
                       reserved_mbps=_PORTS.c.reserved_mbps + bindparam("delta")))
_TAKE_PORT = {"port": _PORT_TAKEN.where(_PORTS.c.mode == "free"),  # a port-based service needs it whole
              "vlan": _PORT_TAKEN.where(_PORTS.c.mode != "port")}  # VLAN-based ones share it
_HOLD = insert(_HELD)
_CLAIM_VLANS = insert(_VLANS)
# Giving a service's resources back: the statements of a release, a port left by its last
# service free again for any use.
_HELD_BY = (select(_HELD.c.kind, _HELD.c.resource, _HELD.c.mbps)
            .where(_HELD.c.service_uuid == bindparam("service")).order_by(_HELD.c.id))
_GIVE_LINK = (update(_LINKS)
              .where(_LINKS.c.network_domain == bindparam("domain"), _LINKS.c.link_id == bindparam("link"))
              .values(reserved_mbps=_LINKS.c.reserved_mbps - bindparam("delta")))
_LAST_USER = _PORTS.c.users <= 1
_GIVE_PORT = (update(_PORTS)
              .where(_PORTS.c.network_domain == bindparam("domain"), _PORTS.c.element == bindparam("el"),
                     _PORTS.c.port == bindparam("pt"))
              .values(reserved_mbps=_PORTS.c.reserved_mbps - bindparam("delta"),
                      users=case((_LAST_USER, 0), else_=_PORTS.c.users - 1),
                      mode=case((_LAST_USER, "free"), else_=_PORTS.c.mode)))
_DROP_HELD = delete(_HELD).where(_HELD.c.service_uuid == bindparam("service"))
_VLANS_OF = select(_VLANS.c.element, _VLANS.c.port, _VLANS.c.vlan_id).where(
    _VLANS.c.service_uuid == bindparam("service"))
_DROP_VLANS = delete(_VLANS).where(_VLANS.c.service_uuid == bindparam("service"))
_DROP_IPS = delete(IpAllocationRow.__table__).where(IpAllocationRow.__table__.c.service_uuid == bindparam("service"))


class ResourceUnavailable(Unprocessable):
    """The network cannot give what the request needs (bandwidth, a VLAN, a port)."""

    def __init__(self, reason: str, *, link: str | None = None, **kwargs: object) -> None:
        super().__init__(reason, **kwargs)  # type: ignore[arg-type]
        self.link = link  # set when the database refused the link: its picture here was stale


@dataclass(slots=True)
class _Turn:
    """A transaction's turn to change the inventory (`ResourceInventory.begin`)."""

    fresh: bool = False  # the pictures were read again from the database once the turn was taken


class LinkLoad:
    """Free bandwidth per link, mirrored in memory for path computation.

    Reading every link row before each path computation costs more than the search itself.
    The mirror follows this process's committed reservations and is re-read from the database
    now and then and whenever a reservation finds it stale (another process took capacity):
    the conditional UPDATE in the database stays the only authority."""

    MAX_AGE_S = 5.0

    def __init__(self) -> None:
        self._free: dict[str, float] = {}
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        self._picture: FreeBandwidth | None = None  # what snapshot() hands out until the mirror changes

    def snapshot(self, session: Session, domain: str) -> FreeBandwidth:
        if time.monotonic() - self._loaded_at > self.MAX_AGE_S:
            self.reload(session, domain)
        with self._lock:
            if self._picture is None:
                self._picture = FreeBandwidth(self._free)
            return self._picture

    def reload(self, session: Session, domain: str) -> None:
        rows = session.execute(select(LinkCapacityRow.link_id, LinkCapacityRow.capacity_mbps,
                                      LinkCapacityRow.reserved_mbps)
                               .where(LinkCapacityRow.network_domain == domain))
        free = {link_id: float(cap - used) for link_id, cap, used in rows}
        # What `session` itself has taken is in what it just read, and comes off again at its
        # commit: the mirror holds only what is committed.
        for link_id, delta in session.info.get(self, {}).items():
            if link_id in free:
                free[link_id] += delta
        with self._lock:
            self._free = free
            self._picture = None
            self._loaded_at = time.monotonic()

    def on_commit(self, session: Session, link_id: str, delta_mbps: int) -> None:
        """Take `delta_mbps` off the link's free figure once (and only if) `session` commits."""
        pending: dict[str, int] = per_transaction(session, self, dict, after_commit=self._apply)
        pending[link_id] = pending.get(link_id, 0) + delta_mbps

    def _apply(self, committed: dict[str, int]) -> None:
        with self._lock:
            for link, delta in committed.items():
                if link in self._free:
                    self._free[link] -= delta
            self._picture = None


class ResourceInventory:
    def __init__(self, topology: Topology, port_speeds: Mapping[tuple[str, str], int]) -> None:
        self.topology = topology
        self.domain = topology.domain
        self._port_speeds = dict(port_speeds)
        self.load = LinkLoad()
        self.vlans = VlanUse(self.domain)

    # -- set-up ---------------------------------------------------------------------------
    def seed(self, session: Session) -> None:
        """Create the counters for links and edge ports the database does not know yet. Every
        worker of the domain does so as it starts, perhaps at the same moment: a counter
        another created meanwhile is left as it is."""
        known_links = set(session.scalars(select(LinkCapacityRow.link_id)
                                          .where(LinkCapacityRow.network_domain == self.domain)))
        links = [{"network_domain": self.domain, "link_id": link.id, "capacity_mbps": int(link.capacity_mbps),
                  "reserved_mbps": 0} for link in self.topology.links.values() if link.id not in known_links]
        known_ports = set(session.execute(select(PortUsageRow.element, PortUsageRow.port)
                                          .where(PortUsageRow.network_domain == self.domain)))
        ports: dict[tuple[str, str], dict[str, object]] = {}
        for edge in self.topology.edge_points.values():
            key = (edge.element, edge.port)
            if key not in known_ports and key not in ports:
                ports[key] = {"network_domain": self.domain, "element": edge.element, "port": edge.port,
                              "speed_mbps": self._port_speeds.get(key, 10_000), "reserved_mbps": 0,
                              "mode": "free", "users": 0}
        for table, rows in ((_LINKS, links), (_PORTS, list(ports.values()))):
            if rows:
                dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
                session.execute(dialect.insert(table).on_conflict_do_nothing(), rows)

    def begin(self, session: Session, *, fresh: bool = False) -> None:
        """Take this domain's turn to change its inventory, for the rest of the transaction:
        every transaction that changes counters or VLANs does, first thing, so whichever
        process they run in they change them one at a time (rows locked in one order, no
        deadlock between planners). With `fresh`, the pictures are then read again from the
        database, so this transaction plans on exactly what it holds (a request the pictures
        refused, or the database contradicted, is planned again so)."""
        turn: _Turn | None = session.info.get(self)
        if turn is None:
            turn = per_transaction(session, self, _Turn)
            take_turn(session, f"cadenza-icm-inventory:{self.domain}")
        if fresh and not turn.fresh:
            turn.fresh = True
            self.load.reload(session, self.domain)

    def fresh(self, session: Session) -> bool:
        """Whether this transaction plans on pictures read from the database in its turn."""
        turn: _Turn | None = session.info.get(self)
        return turn is not None and turn.fresh

    # -- queries --------------------------------------------------------------------------
    def available_mbps(self, session: Session) -> FreeBandwidth:
        """Free bandwidth per link as this process last knew it (see LinkLoad)."""
        return self.load.snapshot(session, self.domain)

    def exact_available_mbps(self, session: Session) -> FreeBandwidth:
        """Free bandwidth per link as the database has it now (the mirror read again)."""
        self.load.reload(session, self.domain)
        return self.load.snapshot(session, self.domain)

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
        self.begin(session)
        ends = tuple(ends)
        if self.fresh(session):
            self.vlans.refresh(session, [(end.element, end.port) for end in ends if end.vlan_id is not None]
                               + [(e.element, e.port) for link_id in links
                                  for e in (self.topology.links[link_id].a, self.topology.links[link_id].b)])
        self._take_links(session, service_uuid, links, mbps)
        for end in ends:
            self._take_port(session, service_uuid, end, mbps)
        return self._take_link_vlans(session, service_uuid, links)

    def change_bandwidth(self, session: Session, service_uuid: str, mbps: int) -> None:
        """Move every reservation of the service to `mbps`, all or nothing."""
        self.begin(session)
        for held in self.held_by(session, service_uuid):
            delta = mbps - held.mbps
            if delta > 0:
                self._grow(session, held, delta)
            elif delta < 0:
                self._shrink(session, held.kind, held.resource, -delta)
            held.mbps = mbps

    def claim_ce_vlan(self, session: Session, service_uuid: str, *, element: str, port: str, vlan: int,
                      edge_point: str) -> None:
        """Take CE-VLAN `vlan` on an edge port for a service that changes its end point's VLAN,
        beside the one it holds. Written at once, so the unique constraint decides in this
        transaction (an IntegrityError: another process took it after the mirror was read)."""
        self.begin(session)
        if self.fresh(session):
            self.vlans.refresh(session, [(element, port)])
        if self.vlans.in_use(session, (element, port), vlan):
            raise ResourceUnavailable(f"CE-VLAN {vlan} is already in use on edge point {edge_point}",
                                      property_path="/input/end-point")
        session.execute(_CLAIM_VLANS, [{"network_domain": self.domain, "element": element, "port": port,
                                        "vlan_id": vlan, "service_uuid": service_uuid}])
        self.vlans.claimed(session, [((element, port), vlan)])

    def release_ce_vlan(self, session: Session, service_uuid: str, *, element: str, port: str, vlan: int) -> None:
        """Give back one CE-VLAN the service holds on an edge port (the one a change did not keep)."""
        self.begin(session)
        session.execute(delete(VlanAllocationRow).where(
            VlanAllocationRow.service_uuid == service_uuid, VlanAllocationRow.network_domain == self.domain,
            VlanAllocationRow.element == element, VlanAllocationRow.port == port, VlanAllocationRow.vlan_id == vlan))
        self.vlans.released(session, [((element, port), vlan)])

    def reserve_links(self, session: Session, service_uuid: str, links: Sequence[str], mbps: int) -> dict[str, int]:
        """Take bandwidth and one S-VLAN on each of `links` for a service that already holds its
        edge ports (the new links of a reroute); returns the S-VLAN chosen for each."""
        self.begin(session)
        if self.fresh(session):
            self.vlans.refresh(session, [(e.element, e.port) for link_id in links
                                         for e in (self.topology.links[link_id].a, self.topology.links[link_id].b)])
        self._take_links(session, service_uuid, links, mbps)
        return self._take_link_vlans(session, service_uuid, links)

    def release_links(self, session: Session, service_uuid: str, links: Sequence[str]) -> None:
        """Give back what the service holds on `links` alone (bandwidth and S-VLANs): the links a
        reroute left, or the new ones of a reroute undone. Its edge ports and other links stay."""
        self.begin(session)
        links = list(links)
        if not links:
            return
        held = session.execute(select(_HELD.c.resource, _HELD.c.mbps).where(
            _HELD.c.service_uuid == service_uuid, _HELD.c.kind == "link", _HELD.c.resource.in_(links))).all()
        if held:
            execute_plain(session, _GIVE_LINK, [{"domain": self.domain, "link": link, "delta": mbps}
                                                for link, mbps in held])
            for link, mbps in held:
                self.load.on_commit(session, link, -mbps)
            session.execute(delete(_HELD).where(_HELD.c.service_uuid == service_uuid, _HELD.c.kind == "link",
                                                _HELD.c.resource.in_(links)))
        ports = {(e.element, e.port) for link_id in links
                 for e in (self.topology.links[link_id].a, self.topology.links[link_id].b)}
        vlans = [(element, port, vlan) for element, port, vlan in session.execute(_VLANS_OF, {"service": service_uuid})
                 if (element, port) in ports]
        for element, port, vlan in vlans:
            session.execute(delete(_VLANS).where(
                _VLANS.c.service_uuid == service_uuid, _VLANS.c.network_domain == self.domain,
                _VLANS.c.element == element, _VLANS.c.port == port, _VLANS.c.vlan_id == vlan))
        self.vlans.released(session, [((element, port), vlan) for element, port, vlan in vlans])

    def reserve_end(self, session: Session, service_uuid: str, end: ServiceEnd, mbps: int) -> None:
        """Take an edge port (and its CE-VLAN) for a service that moves an end point there,
        beside the one it holds (a reassignment); raises ResourceUnavailable as `reserve` does."""
        self.begin(session)
        if self.fresh(session) and end.vlan_id is not None:
            self.vlans.refresh(session, [(end.element, end.port)])
        self._take_port(session, service_uuid, end, mbps)

    def release_end(self, session: Session, service_uuid: str, element: str, port: str) -> None:
        """Give back what the service holds on one edge port, bandwidth and CE-VLANs: the end
        point a reassignment left, or the new one of a reassignment undone."""
        self.begin(session)
        resource = f"{element}:{port}"
        mine = (_HELD.c.service_uuid == service_uuid) & (_HELD.c.kind == "port") & (_HELD.c.resource == resource)
        held = session.scalars(select(_HELD.c.mbps).where(mine)).all()
        if held:
            execute_plain(session, _GIVE_PORT, [{"domain": self.domain, "el": element, "pt": port, "delta": mbps}
                                                for mbps in held])
            session.execute(delete(_HELD).where(mine))
        on_port = ((_VLANS.c.service_uuid == service_uuid) & (_VLANS.c.network_domain == self.domain)
                   & (_VLANS.c.element == element) & (_VLANS.c.port == port))
        vlans = session.scalars(select(_VLANS.c.vlan_id).where(on_port)).all()
        if vlans:
            session.execute(delete(_VLANS).where(on_port))
            self.vlans.released(session, [((element, port), vlan) for vlan in vlans])

    def release(self, session: Session, service_uuid: str) -> None:
        """Give back everything the service holds: a statement per table, whatever its route."""
        self.begin(session)
        held = session.execute(_HELD_BY, {"service": service_uuid}).all()
        links = [{"domain": self.domain, "link": resource, "delta": mbps}
                 for kind, resource, mbps in held if kind == "link"]
        ports = [{"domain": self.domain, "el": resource.split(":", 1)[0], "pt": resource.split(":", 1)[1],
                  "delta": mbps} for kind, resource, mbps in held if kind == "port"]
        if links:
            execute_plain(session, _GIVE_LINK, links)
            for link in links:
                self.load.on_commit(session, link["link"], -link["delta"])
        if ports:
            execute_plain(session, _GIVE_PORT, ports)
        if held:
            session.execute(_DROP_HELD, {"service": service_uuid})
        vlans = session.execute(_VLANS_OF, {"service": service_uuid}).all()
        if vlans:
            session.execute(_DROP_VLANS, {"service": service_uuid})
        session.execute(_DROP_IPS, {"service": service_uuid})  # icm/ip_pool
        self.vlans.released(session, [((element, port), vlan) for element, port, vlan in vlans])

    # -- internals ------------------------------------------------------------------------
    def _take_links(self, session: Session, service_uuid: str, links: Sequence[str], mbps: int) -> None:
        """All links of the path in one conditional UPDATE: either each has room, or we fail."""
        if not links:
            return
        taken = execute_plain(session, _TAKE_LINK, [{"domain": self.domain, "link": link_id, "delta": mbps}
                                                    for link_id in links])
        if taken != len(links):
            full = session.scalars(select(LinkCapacityRow.link_id).where(
                LinkCapacityRow.network_domain == self.domain, LinkCapacityRow.link_id.in_(links),
                LinkCapacityRow.reserved_mbps + mbps > LinkCapacityRow.capacity_mbps)).first() or links[0]
            raise ResourceUnavailable(f"Link {full} has less than {mbps} Mbit/s free", link=full,
                                      property_path="/input/conn-constraint/requested-capacity")
        insert_at_commit(session, _HOLD, [{"service_uuid": service_uuid, "network_domain": self.domain,
                                           "kind": "link", "resource": link_id, "mbps": mbps} for link_id in links])
        for link_id in links:
            self.load.on_commit(session, link_id, mbps)

    def _take_port(self, session: Session, service_uuid: str, end: ServiceEnd, mbps: int) -> None:
        wanted_mode = "port" if end.vlan_id is None else "vlan"
        taken = execute_plain(session, _TAKE_PORT[wanted_mode], {"domain": self.domain, "el": end.element,
                                                                 "pt": end.port, "delta": mbps, "wanted": wanted_mode})
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
        insert_at_commit(session, _HOLD, [{"service_uuid": service_uuid, "network_domain": self.domain,
                                           "kind": "port", "resource": f"{end.element}:{end.port}", "mbps": mbps}])
        if end.vlan_id is not None:
            self._claim_ce_vlan(session, service_uuid, end)

    def _take_link_vlans(self, session: Session, service_uuid: str, links: Sequence[str]) -> dict[str, int]:
        """The lowest S-VLAN free on both ends of each link, claimed in one statement. A race
        with another reservation surfaces as a unique violation: the caller plans again."""
        ends = {link_id: [(lk.a.element, lk.a.port), (lk.b.element, lk.b.port)]
                for link_id in links for lk in (self.topology.links[link_id],)}
        chosen: dict[str, int] = {}
        claims = []
        for link_id, (a, b) in ends.items():
            vlan = self.vlans.lowest_free(session, a, b)
            if vlan is None:
                raise ResourceUnavailable(f"No S-VLAN id is free on both ends of link {link_id}")
            chosen[link_id] = vlan
            claims += [{"network_domain": self.domain, "element": element, "port": port, "vlan_id": vlan,
                        "service_uuid": service_uuid} for element, port in (a, b)]
        if claims:
            # The mirror chose them free; the unique constraint confirms it at commit.
            insert_at_commit(session, _CLAIM_VLANS, claims)
            self.vlans.claimed(session, [((c["element"], c["port"]), c["vlan_id"]) for c in claims])
        return chosen

    def _claim_ce_vlan(self, session: Session, service_uuid: str, end: ServiceEnd) -> None:
        port = (end.element, end.port)
        if self.vlans.in_use(session, port, end.vlan_id):
            raise ResourceUnavailable(f"CE-VLAN {end.vlan_id} is already in use on edge point {end.edge_point}",
                                      property_path="/input/end-point")
        # The mirror says it is free; the unique constraint confirms it at commit.
        insert_at_commit(session, _CLAIM_VLANS, [{"network_domain": self.domain, "element": end.element,
                                                  "port": end.port, "vlan_id": end.vlan_id,
                                                  "service_uuid": service_uuid}])
        self.vlans.claimed(session, [(port, end.vlan_id)])

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
            used, speed = session.execute(select(PortUsageRow.reserved_mbps, PortUsageRow.speed_mbps).where(
                PortUsageRow.network_domain == self.domain, PortUsageRow.element == element,
                PortUsageRow.port == port)).one()
            raise ResourceUnavailable(_no_room("Port", held.resource, delta, speed - used, speed),
                                      property_path="/input/conn-constraint/requested-capacity")

    def _take_link_delta(self, session: Session, link_id: str, delta: int) -> None:
        grown = session.execute(
            update(LinkCapacityRow)
            .where(LinkCapacityRow.network_domain == self.domain, LinkCapacityRow.link_id == link_id,
                   LinkCapacityRow.reserved_mbps + delta <= LinkCapacityRow.capacity_mbps)
            .values(reserved_mbps=LinkCapacityRow.reserved_mbps + delta)).rowcount
        if not grown:
            used, capacity = session.execute(select(LinkCapacityRow.reserved_mbps, LinkCapacityRow.capacity_mbps).where(
                LinkCapacityRow.network_domain == self.domain, LinkCapacityRow.link_id == link_id)).one()
            raise ResourceUnavailable(_no_room("Link", link_id, delta, capacity - used, capacity), link=link_id,
                                      property_path="/input/conn-constraint/requested-capacity")
        self.load.on_commit(session, link_id, delta)

    def _shrink(self, session: Session, kind: str, resource: str, mbps: int) -> None:
        if kind == "link":
            session.execute(update(LinkCapacityRow)
                            .where(LinkCapacityRow.network_domain == self.domain, LinkCapacityRow.link_id == resource)
                            .values(reserved_mbps=LinkCapacityRow.reserved_mbps - mbps))
            self.load.on_commit(session, resource, -mbps)
            return
        element, port = resource.split(":", 1)
        session.execute(update(PortUsageRow)
                        .where(PortUsageRow.network_domain == self.domain, PortUsageRow.element == element,
                               PortUsageRow.port == port)
                        .values(reserved_mbps=PortUsageRow.reserved_mbps - mbps))


def _no_room(kind: str, resource: str, delta: int, free: int, total: int) -> str:
    """Why a bandwidth increase does not fit, as the database decided it: what is free now."""
    return (f"capacity: {kind} {resource} has {max(free, 0)} Mbit/s free of its {total} Mbit/s, and the change needs "
            f"{delta} Mbit/s more")
