"""One planner process of tests/integration/icm/test_two_planners.py, and what the test checks.

Each process is a worker of the same provider domain: an ICM of its own (its own engine, its
own twin for the faults, its own in-memory pictures of links and VLANs) on the one database.
It plans random services through `Icm.create` from several threads (so its planner groups
them, as under load) and gives them back as a failed activation does, in phases both
processes enter together (a barrier between phases).
"""

from __future__ import annotations

import random
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from cadenza.core.db import Database
from cadenza.core.errors import MefError
from cadenza.ecm.runtime import start_twin
from cadenza.ecm.settings import EcmSettings
from cadenza.icm import connectivity_service as cs
from cadenza.icm.commands import CreateConnectivityService, EndPointRequest
from cadenza.icm.rows import ConnectivityServiceRow, LinkCapacityRow, PortUsageRow, ReservationRow, VlanAllocationRow
from cadenza.icm.service import Icm
from cadenza.icm.settings import NetworkDomainSettings
from cadenza.icm.topology import Topology

__all__ = ["DOMAIN", "network", "Request", "Outcome", "run_planner", "wrongly_refused"]

DOMAIN = "pair"
ELEMENTS = 6
EDGE_SPEED = 1000
CE_VLANS = 60  # few, so that services on a port meet on the same CE-VLAN
THREADS = 4


def network() -> NetworkDomainSettings:
    """A ring of six elements with two chords; two edge ports of 1 Gbit/s on each. Links and
    ports saturate after a few dozen services each."""
    ring = [(f"r{i}", f"r{(i + 1) % ELEMENTS}", 1500, 1.0 + i * 0.3) for i in range(ELEMENTS)]
    chords = [("r0", "r3", 1000, 2.5), ("r1", "r4", 800, 2.0)]
    ports: dict[str, list[dict[str, Any]]] = {f"r{i}": [] for i in range(ELEMENTS)}

    def port(element: str, speed: int = 10_000) -> str:
        name = f"t{len(ports[element])}"
        ports[element].append({"name": name, "speed_mbps": speed})
        return f"{element}:{name}"

    links = [{"a": port(a), "b": port(b), "capacity_mbps": cap, "delay_ms": delay}
             for a, b, cap, delay in ring + chords]
    edges = []
    for element in ports:
        for k in range(2):
            ports[element].append({"name": f"u{k}", "speed_mbps": EDGE_SPEED})
            edges.append({"id": f"uni-{element}-{k}", "kind": "uni", "element": element, "port": f"u{k}"})
    return NetworkDomainSettings.model_validate({
        "name": DOMAIN, "elements": [{"name": e, "ports": p} for e, p in ports.items()], "links": links,
        "edge_points": edges})


@dataclass(frozen=True)
class Request:
    a: str
    a_vlan: int | None
    z: str
    z_vlan: int | None
    mbps: int


@dataclass
class Outcome:
    """What one process saw: its services planned, the requests refused per phase (with the
    reason), errors that are no refusal at all, and how often its ICM planned again because the
    database contradicted its pictures."""

    worker: int
    planned: int = 0
    released: int = 0
    refused: dict[str, list[tuple[Request, str]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    replans: int = 0
    conflicts: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # per phase
    problems: list[str] = field(default_factory=list)  # what check_database found between phases
    wrong: list[str] = field(default_factory=list)


def _random_request(rng: random.Random, edges: Sequence[str]) -> Request:
    a, z = rng.sample(list(edges), 2)
    port_based = rng.random() < 0.04
    return Request(a, None if port_based else rng.randint(1, CE_VLANS), z,
                   None if port_based else rng.randint(1, CE_VLANS), rng.choice((10, 20, 50, 100)))


def _command(request: Request, worker: int) -> CreateConnectivityService:
    return CreateConnectivityService(owner=f"worker-{worker}", a=EndPointRequest(request.a, request.a_vlan),
                                     z=EndPointRequest(request.z, request.z_vlan), mbps=request.mbps)


GIVEN_BACK = "given back by the test"
BEFORE_REFILL = "given back before the refill"


def _release(icm: Icm, uuid: str, why: str = GIVEN_BACK) -> None:
    """What a failed activation does (`activation.record_activations`): failed, resources back."""
    with icm.database.transaction() as session:
        cs.settle_activations(session, icm.name, [uuid], {uuid: why},
                              release=lambda service: icm.inventory.release(session, service))


class _Planner:
    def __init__(self, icm: Icm, worker: int, seed: int, outcome: Outcome) -> None:
        self.icm, self.worker, self.outcome = icm, worker, outcome
        self.rng = random.Random(seed * 7919 + worker)
        self.held: list[str] = []
        self.lock = threading.Lock()
        self.edges = sorted(icm.topology.edge_points)

    def phase(self, name: str, operations: int, *, release_share: float,
              again: Sequence[Request] = ()) -> None:
        """`operations` random operations from THREADS threads, and one new service for each
        of `again`, in random order: a release of a service this process holds with
        probability `release_share`, else a new service."""
        refused = self.outcome.refused.setdefault(name, [])
        asks: list[Request | None] = [*again, *[None] * operations]  # None: a random operation
        self.rng.shuffle(asks)
        per_thread = [random.Random(self.rng.random()) for _ in range(THREADS)]

        def work(rng: random.Random) -> None:
            while True:
                with self.lock:
                    if not asks:
                        return
                    request = asks.pop()
                    victim = self.held.pop(rng.randrange(len(self.held))) if (
                        request is None and self.held and rng.random() < release_share) else None
                try:
                    if victim is not None:
                        _release(self.icm, victim)
                        with self.lock:
                            self.outcome.released += 1
                        continue
                    request = request or _random_request(rng, self.edges)
                    try:
                        row, _ = self.icm.create(_command(request, self.worker))
                    except MefError as exc:  # refused: the phase checks each refusal afterwards
                        with self.lock:
                            refused.append((request, str(exc)))
                        continue
                    with self.lock:
                        self.held.append(row.uuid)
                        self.outcome.planned += 1
                except Exception:
                    with self.lock:
                        self.outcome.errors.append(traceback.format_exc())

        threads = [threading.Thread(target=work, args=(rng,)) for rng in per_thread]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def give_back(self, share: float) -> None:
        for uuid in self.rng.sample(self.held, int(len(self.held) * share)):
            self.held.remove(uuid)
            _release(self.icm, uuid, BEFORE_REFILL)
            self.outcome.released += 1

    def given_back_by_the_other(self) -> list[Request]:
        """The services the other process has just given back, asked for again here: their
        CE-VLANs are free in the database, and in this process's mirror perhaps still taken."""
        with self.icm.database.read() as session:
            rows = session.scalars(select(ConnectivityServiceRow).where(
                ConnectivityServiceRow.reason == BEFORE_REFILL,
                ConnectivityServiceRow.owner != f"worker-{self.worker}")).all()
        return [Request(row.request["a"]["sip"], row.request["a"]["vlan_id"], row.request["z"]["sip"],
                        row.request["z"]["vlan_id"], row.bandwidth_mbps) for row in rows]


def run_planner(url: str, worker: int, seed: int, barrier: Any, results: Any, var_dir: str,
                fill: int, churn: int, refill: int) -> None:
    """A worker process: plans in the phases of the test, puts its Outcome on `results`."""
    outcome = Outcome(worker)
    try:
        settings = network()
        ecm = EcmSettings.model_validate({"twin": {"driver": "scale", "persist": False},
                                          "network_domains": [settings]}, from_attributes=True)
        with start_twin(ecm, var_dir=Path(var_dir) / f"twin-{worker}", driver="scale", workers=4) as twin:
            database = Database(url)
            barrier.wait()  # both ICMs start together: they seed the same counters at once
            speeds = {(e.name, p.name): p.speed_mbps for e in settings.elements for p in e.ports}
            icm = Icm(topology=Topology.from_config(settings), database=database, adagio=twin.manager,
                      port_speeds=speeds)
            try:
                planner = _Planner(icm, worker, seed, outcome)
                _steps(planner, barrier, database, fill=fill, churn=churn, refill=refill)
            finally:
                icm.close()
                outcome.replans, outcome.conflicts = icm.replans, icm.conflicts
                database.dispose()
    except Exception:
        outcome.errors.append(traceback.format_exc())
        barrier.abort()  # the other process must not wait for this one
    results.put(outcome)


def _steps(planner: _Planner, barrier: Any, database: Database, *, fill: int, churn: int, refill: int) -> None:
    """Fill (new services only), churn (new and given back), give most back, then each process
    in turn, alone, fills a little again. After each phase, while neither process writes, the
    database is checked, and the refusals of a phase that only takes are judged against it:
    the free resources then only shrink, so a request the database can carry at the end of
    the phase could be carried when it was refused. The refills leave room, and ask again for
    what the other process gave back: where a picture trusted as truth would refuse (the VLAN
    mirror still holding the other's CE-VLANs; alone, nothing makes it read them again)."""
    barrier.wait()
    phases = [("fill", fill, 0.0, (0, 1)), ("churn", churn, 0.42, (0, 1)),
              ("refill", refill, 0.0, (0,)), ("refill", refill, 0.0, (1,))]
    for name, operations, release_share, active in phases:
        if name == "refill" and active == (0,):
            planner.give_back(0.8)
            barrier.wait()
        if planner.worker in active:
            began = time.monotonic()
            again = planner.given_back_by_the_other() if name == "refill" else ()
            planner.phase(name, operations, release_share=release_share, again=again)
            planner.outcome.seconds[name] = round(time.monotonic() - began, 1)
        barrier.wait()
        if planner.worker == 0:  # while neither writes: what a later phase gives back cannot hide it
            planner.outcome.problems += [f"after {name}: {problem}"
                                         for problem in check_database(database, planner.icm.topology)]
        if release_share == 0.0 and planner.worker in active:
            planner.outcome.wrong += [f"{name}: {request} refused ({why}) though the database can carry it"
                                      for request, why in planner.outcome.refused[name]
                                      if wrongly_refused(database, planner.icm.topology, request)]
        barrier.wait()  # both checked before either writes again


def wrongly_refused(database: Database, topology: Topology, request: Request) -> bool:
    """Whether the database, as it is now, has everything `request` needs: room and the right
    mode on both edge ports, its CE-VLANs free there, and a route whose every link has room."""
    with database.read() as session:
        links = {link: cap - used for link, cap, used in session.execute(
            select(LinkCapacityRow.link_id, LinkCapacityRow.capacity_mbps, LinkCapacityRow.reserved_mbps)
            .where(LinkCapacityRow.network_domain == DOMAIN))}
        for sip, vlan in ((request.a, request.a_vlan), (request.z, request.z_vlan)):
            edge = topology.edge_points[sip]
            port = session.get(PortUsageRow, (DOMAIN, edge.element, edge.port))
            assert port is not None
            if port.reserved_mbps + request.mbps > port.speed_mbps:
                return False
            if port.mode == "port" or (vlan is None and port.mode != "free"):
                return False
            if vlan is not None and session.scalar(select(func.count()).select_from(VlanAllocationRow).where(
                    VlanAllocationRow.network_domain == DOMAIN, VlanAllocationRow.element == edge.element,
                    VlanAllocationRow.port == edge.port, VlanAllocationRow.vlan_id == vlan)):
                return False
    start = topology.edge_points[request.a].element
    goal = topology.edge_points[request.z].element
    return _reachable(topology, start, goal, lambda link: links[link] >= request.mbps)


def _reachable(topology: Topology, start: str, goal: str, usable: Callable[[str], bool]) -> bool:
    seen, todo = {start}, [start]
    while todo:
        element = todo.pop()
        if element == goal:
            return True
        for link in topology.links_of(element):
            far = link.far_end(element).element
            if far not in seen and usable(link.id):
                seen.add(far)
                todo.append(far)
    return False


def check_database(database: Database, topology: Topology) -> list[str]:
    """Every way the database could be wrong after the planners: a link or port holding more
    than it has or other than its services hold, a VLAN twice on a port, a live service without
    its reservations or a gone one with some."""
    problems: list[str] = []
    with database.read() as session:
        held: dict[tuple[str, str], int] = {}
        holders: dict[tuple[str, str], int] = {}
        for kind, resource, mbps in session.execute(select(ReservationRow.kind, ReservationRow.resource,
                                                            ReservationRow.mbps)):
            held[(kind, resource)] = held.get((kind, resource), 0) + mbps
            holders[(kind, resource)] = holders.get((kind, resource), 0) + 1
        for link_id, cap, used in session.execute(select(LinkCapacityRow.link_id, LinkCapacityRow.capacity_mbps,
                                                         LinkCapacityRow.reserved_mbps)):
            if not 0 <= used <= cap:
                problems.append(f"link {link_id} holds {used} Mbit/s of {cap}")
            if used != held.get(("link", link_id), 0):
                problems.append(f"link {link_id} holds {used} Mbit/s, its services {held.get(('link', link_id), 0)}")
        for port in session.scalars(select(PortUsageRow)):
            key = ("port", f"{port.element}:{port.port}")
            if not 0 <= port.reserved_mbps <= port.speed_mbps:
                problems.append(f"port {key[1]} holds {port.reserved_mbps} Mbit/s of {port.speed_mbps}")
            if port.reserved_mbps != held.get(key, 0) or port.users != holders.get(key, 0):
                problems.append(f"port {key[1]} holds {port.reserved_mbps} Mbit/s for {port.users} services, "
                                f"its services {held.get(key, 0)} Mbit/s, {holders.get(key, 0)} of them")
            if (port.mode == "free") != (port.users == 0) or (port.mode == "port" and port.users != 1):
                problems.append(f"port {key[1]} is {port.mode} with {port.users} services")
        twice = session.execute(select(VlanAllocationRow.element, VlanAllocationRow.port, VlanAllocationRow.vlan_id,
                                       func.count()).group_by(VlanAllocationRow.element, VlanAllocationRow.port,
                                                              VlanAllocationRow.vlan_id)
                                .having(func.count() > 1)).all()
        problems += [f"VLAN {vlan} on {element}:{port} is held {n} times" for element, port, vlan, n in twice]
        vlans: dict[str, set[tuple[str, str, int]]] = {}
        for element, port, vlan, service in session.execute(select(
                VlanAllocationRow.element, VlanAllocationRow.port, VlanAllocationRow.vlan_id,
                VlanAllocationRow.service_uuid)):
            vlans.setdefault(service, set()).add((element, port, vlan))
        resources: dict[str, set[tuple[str, str, int]]] = {}
        for service, kind, resource, mbps in session.execute(select(
                ReservationRow.service_uuid, ReservationRow.kind, ReservationRow.resource, ReservationRow.mbps)):
            resources.setdefault(service, set()).add((kind, resource, mbps))
        for row in session.scalars(select(ConnectivityServiceRow)):
            if row.state != cs.PLANNED:
                if row.uuid in vlans or row.uuid in resources:
                    problems.append(f"{row.state} service {row.uuid} still holds resources")
                continue
            ends = [row.request[name] for name in "az"]
            wanted_resources = {("link", link, row.bandwidth_mbps) for link in row.plan["links"]} | {
                ("port", f"{end['element']}:{end['port']}", row.bandwidth_mbps) for end in ends}
            wanted_vlans = {(end["element"], end["port"], end["vlan_id"]) for end in ends if end["vlan_id"] is not None}
            for link_id, s_vlan in row.plan["s_vlans"].items():
                link = topology.links[link_id]
                wanted_vlans |= {(link.a.element, link.a.port, s_vlan), (link.b.element, link.b.port, s_vlan)}
            if resources.get(row.uuid, set()) != wanted_resources or vlans.get(row.uuid, set()) != wanted_vlans:
                problems.append(f"service {row.uuid} holds {sorted(resources.get(row.uuid, set()))} and "
                                f"{sorted(vlans.get(row.uuid, set()))}, its plan says {sorted(wanted_resources)} "
                                f"and {sorted(wanted_vlans)}")
    return problems
