"""The ICM service layer: what PRESTO operations do to the network domain.

Requests are decided synchronously (path, resources, VLANs: a caller learns at once whether
the network can carry the service); element configuration then runs as a durable workflow
(`cadenza.icm.activation`): one per group of services planned together, its id recorded in
each service's plan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, defer

from cadenza.core.clock import now
from cadenza.core.db import Database
from cadenza.core.errors import Forbidden, NotFound, ServiceUnavailable, Unprocessable
from cadenza.core.grouping import GroupWorker
from cadenza.core.ids import new_id
from cadenza.icm import connectivity_service as cs
from cadenza.icm import ip_pool
from cadenza.icm.commands import (
    ChangeConnectivityService,
    CreateConnectivityService,
    DeleteConnectivityService,
    EndPointRequest,
    ReassignEndPoint,
    RerouteConnectivityService,
)
from cadenza.icm.design import Hop, ServiceEnd, design_hops, hops_to_json
from cadenza.icm.feasibility import FeasibilityEnd, FeasibilityQuery, Feasible, check_feasibility
from cadenza.icm.operational import FaultWatcher, NetworkFaults, read_faults
from cadenza.icm.pathing import NoPathError, PathRequest, compute_path
from cadenza.icm.reassign import plan_reassign
from cadenza.icm.reroute import plan_reroute, refuse_while_rerouting
from cadenza.icm.resources import ResourceInventory, ResourceUnavailable
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.icm.topology import Topology, link_id_for
from cadenza.interfaces.adagio.contract import AdagioClient, AdagioError

__all__ = ["Icm"]


@dataclass(frozen=True, slots=True)
class _PlanRequest:
    command: CreateConnectivityService
    uuid: str
    a: ServiceEnd
    z: ServiceEnd


@dataclass(frozen=True, slots=True)
class _Faults:
    """What is down in this network domain, as path computation needs it."""

    down_links: frozenset[str]
    down_elements: frozenset[str]


class Icm:
    """One Infrastructure Control and Management: one network domain, its inventory and ECM."""

    def __init__(self, *, topology: Topology, database: Database, adagio: AdagioClient,
                 port_speeds: Mapping[tuple[str, str], int], wake: Callable[[], None] | None = None) -> None:
        self.name = topology.domain
        self.topology = topology
        self.database = database
        self.adagio = adagio
        self.wake = wake  # nudges the outbox dispatcher once a state change is committed
        self.inventory = ResourceInventory(topology, port_speeds)
        # Called with a planning group's activation id and its new services, once committed;
        # activation.register sets it (the service layer does not know the workflows).
        self.on_planned: Callable[[str, list[tuple[ConnectivityServiceRow, list[Hop]]]], None] | None = None
        self._planner: GroupWorker[_PlanRequest, tuple[ConnectivityServiceRow, bool]] = GroupWorker(
            self._plan_group, name=f"icm-planner-{self.name}")
        # How often a request was planned again on pictures read afresh, and how often of
        # those because the database refused what the pictures offered (another worker of the
        # domain had taken it): what several planners on one database cost.
        self.replans = 0
        self.conflicts = 0
        with database.transaction() as session:
            self.inventory.seed(session)
        # Operational states follow the network: the watcher publishes their changes.
        self.faults_watcher = FaultWatcher(topology=topology, database=database, read=self.faults_now,
                                           wait=adagio.wait_for_fault_change, wake=wake)

    def close(self) -> None:
        """Stop planning: requests already queued are answered, later ones refused."""
        self._planner.close()
        self.faults_watcher.close()

    def faults_now(self) -> NetworkFaults:
        """What is down in this network domain now, as the ECM says (operational states)."""
        return read_faults(self.topology, self.adagio.faults)

    # -- reads ----------------------------------------------------------------------------
    def get(self, session: Session, service: str, owner: str | None) -> ConnectivityServiceRow:
        row = session.get(ConnectivityServiceRow, service)
        if row is None:
            row = session.scalars(select(ConnectivityServiceRow).where(
                ConnectivityServiceRow.network_domain == self.name, ConnectivityServiceRow.name == service)).first()
        if row is None or row.network_domain != self.name or (owner is not None and row.owner != owner):
            raise NotFound(f"No connectivity service '{service}' in network domain {self.name}")
        return row

    def get_many(self, session: Session, uuids: Sequence[str], *, with_plan: bool = True
                 ) -> list[ConnectivityServiceRow]:
        """The services with these uuids in this domain, in the order given (unknown ones left out).
        Without the plan and request documents (`with_plan=False`) they load much faster."""
        query = select(ConnectivityServiceRow).where(ConnectivityServiceRow.uuid.in_(uuids),
                                                     ConnectivityServiceRow.network_domain == self.name)
        if not with_plan:
            query = query.options(defer(ConnectivityServiceRow.plan), defer(ConnectivityServiceRow.request))
        rows = {row.uuid: row for row in session.scalars(query)}
        return [rows[uuid] for uuid in uuids if uuid in rows]

    def list(self, session: Session, owner: str | None) -> list[ConnectivityServiceRow]:
        query = select(ConnectivityServiceRow).where(ConnectivityServiceRow.network_domain == self.name)
        if owner is not None:
            query = query.where(ConnectivityServiceRow.owner == owner)
        return list(session.scalars(query.order_by(ConnectivityServiceRow.created_at)))

    # -- writes ---------------------------------------------------------------------------
    def create(self, command: CreateConnectivityService) -> tuple[ConnectivityServiceRow, bool]:
        """Plan and reserve; returns the row and whether it is new (False: a retried create).

        Concurrent requests are planned together in one transaction (group commit), and the
        new services of a group are handed to `on_planned` together, before anyone is answered."""
        return self._planner.submit(self._request(command))

    def create_many(self, commands: Sequence[CreateConnectivityService]
                    ) -> list[tuple[ConnectivityServiceRow, bool] | Exception]:
        """Plan `commands` as one group, now; per command its row or the error it earned."""
        valid: list[_PlanRequest] = []
        outcomes: list[tuple[ConnectivityServiceRow, bool] | Exception | None] = []
        for command in commands:
            try:
                valid.append(self._request(command))
                outcomes.append(None)
            except Exception as exc:
                outcomes.append(exc)
        planned = iter(self._plan_group(valid))
        return [next(planned) if outcome is None else outcome for outcome in outcomes]

    def _plan_group(self, requests: Sequence[_PlanRequest]) -> list[tuple[ConnectivityServiceRow, bool] | Exception]:
        activation = f"presto-activate-{new_id()}"  # the group's activation workflow, recorded in each plan
        designed: dict[str, list[Hop]] = {}  # each new service's constructs, for its activation
        outcomes = self._plan_together(requests, activation, designed, fresh=False)
        planned = [(outcome[0], designed[outcome[0].uuid]) for outcome in outcomes
                   if not isinstance(outcome, Exception) and outcome[1]]
        if planned and self.on_planned is not None:
            self.on_planned(activation, planned)
        return outcomes

    def _plan_together(self, requests: Sequence[_PlanRequest], activation: str, designed: dict[str, list[Hop]], *,
                       fresh: bool) -> list[tuple[ConnectivityServiceRow, bool] | Exception]:
        """Plan `requests` in one transaction, on this process's pictures or (`fresh`) on what
        the database holds. One request refused spoils the transaction: the others are planned
        together again without it, then it alone on fresh pictures, so what refuses it is the
        database as the others left it. When the database contradicted the pictures (another
        worker of the domain took what they showed free), the whole group goes again on fresh
        pictures."""
        if not requests:
            return []
        faults = self._faults()  # once for the group: reading the twin's state walks every element
        done: list[tuple[ConnectivityServiceRow, bool]] = []
        ours: dict[str, list[Hop]] = {}
        if fresh:
            self.replans += len(requests)
        try:
            # Rows are written at commit, all at once: a flush per request would cost more than it.
            with self.database.transaction() as session, session.no_autoflush:
                if fresh:  # else the domain's turn is taken by the first reservation (ResourceInventory.reserve)
                    self.inventory.begin(session, fresh=True)
                for request in requests:
                    done.append(self._plan(session, request, activation, faults, ours))
        except Exception as exc:
            if isinstance(exc, OperationalError) and not _transient(exc):
                return [exc] * len(requests)  # the database itself fails: nothing to plan again
            if self._contradicted(exc) or len(done) == len(requests):  # stale, or the commit failed
                if not fresh:
                    return self._plan_together(requests, activation, designed, fresh=True)
                if len(requests) > 1:
                    return [outcome for request in requests
                            for outcome in self._plan_together([request], activation, designed, fresh=True)]
                return [exc if not isinstance(exc, IntegrityError) else ResourceUnavailable(
                    "A VLAN this service needs was taken by a concurrent request; try again")]
            refused = len(done)
            others = self._plan_together([*requests[:refused], *requests[refused + 1:]], activation, designed,
                                         fresh=fresh)
            if fresh and len(requests) == 1:
                alone: list[tuple[ConnectivityServiceRow, bool] | Exception] = [exc]
            else:
                alone = self._plan_together([requests[refused]], activation, designed, fresh=True)
            return [*others[:refused], *alone, *others[refused:]]
        designed.update(ours)
        return list(done)

    def _contradicted(self, exc: Exception) -> bool:
        """Whether `exc` says the database refused what this process's pictures offered (see
        `_conflict`); a VLAN mirror found wrong is forgotten (which port, the error does not say)."""
        if not _conflict(exc):
            return False
        self.conflicts += 1
        if isinstance(exc, IntegrityError):
            self.inventory.vlans.forget()
        return True

    def _plan(self, session: Session, request: _PlanRequest, activation: str,
              faults: _Faults, designed: dict[str, list[Hop]]) -> tuple[ConnectivityServiceRow, bool]:
        command, uuid, a, z = request.command, request.uuid, request.a, request.z
        # A uuid we just made up cannot exist yet; one the caller chose may (a retried create).
        existing = session.get(ConnectivityServiceRow, uuid) if command.uuid is not None else None
        if existing is not None:
            if existing.owner != command.owner:
                raise Forbidden(f"Connectivity service {uuid} belongs to another party")
            return existing, False
        path = self._path(session, a, z, command.mbps, command.max_delay_ms, faults)
        s_vlans = self.inventory.reserve(session, uuid, links=path.link_ids, ends=(a, z), mbps=command.mbps)
        gateway = self.topology.edge_points[z.edge_point]
        # An end at an Internet gateway: the service ends there in a routed interface on a subnet of its own.
        ip = ip_pool.allocate(session, self.name, gateway, uuid) if gateway.kind == "internet" else None
        hops = design_hops(self.topology, service_uuid=uuid, elements=path.elements, links=path.link_ids,
                           s_vlans=s_vlans, a=a, z=z, mbps=command.mbps, profile=command.profile,
                           ip=ip.interface("z") if ip else None)
        moment = now()
        row = ConnectivityServiceRow(
            uuid=uuid, network_domain=self.name, owner=command.owner, name=command.name, state=cs.PLANNED,
            bandwidth_mbps=command.mbps, max_delay_ms=command.max_delay_ms,
            request={"a": _end_json(a), "z": _end_json(z), **({"bandwidthProfile": command.profile}
                                                               if command.profile else {})},
            plan={"elements": list(path.elements), "links": list(path.link_ids), "delay_ms": path.delay_ms,
                  "s_vlans": s_vlans, "hops": hops_to_json(hops), "activation": activation,
                  **({"ip": ip.to_json()} if ip else {})},
            pending=None, generation=0, created_at=moment, updated_at=moment)
        session.add(row)
        cs.announce(session, row, wake=self.wake)
        designed[uuid] = hops
        return row, True

    def change(self, command: ChangeConnectivityService) -> ConnectivityServiceRow:
        """Decide a change of an installed service now: its bandwidth on the route it has, and
        each end point's new CE-VLAN, claimed on the port beside the old one (the unique
        constraint decides whether it is free: a VLAN taken meanwhile is refused). The service
        is then `modifying` with `pending` {"from", "to"} ({"mbps", "a", "z"} each) until its
        workflow has configured the elements (`activation.change_connectivity_service`), which
        keeps one of the two VLANs and gives the other back. A change already asked for, or
        one that changes nothing, returns the service as it is."""
        for attempt in range(2):
            try:
                with self.database.transaction() as session:
                    # The domain's turn first: a change takes counters and VLANs, and what the
                    # mirror says of a CE-VLAN is checked against the database on the second try.
                    self.inventory.begin(session, fresh=attempt > 0)
                    row = self.get(session, command.service, command.owner)
                    refuse_while_rerouting(row, "change")
                    current = _settings(row)
                    target = self._target(row, current, command)
                    if row.state == cs.MODIFYING and (row.pending or {}).get("to") == target:
                        return row  # a retried request: its change is under way
                    if target == current and row.state == cs.INSTALLED:
                        return row
                    cs.transition_to(session, row, cs.MODIFYING, wake=self.wake)
                    if target["mbps"] != current["mbps"]:
                        self.inventory.change_bandwidth(session, row.uuid, target["mbps"])
                    for name in "az":
                        if target[name] != current[name]:
                            end = row.request[name]
                            self.inventory.claim_ce_vlan(session, row.uuid, element=end["element"], port=end["port"],
                                                         vlan=target[name], edge_point=end["sip"])
                    row.pending = {"from": current, "to": target}
                    row.generation += 1
                return row
            except IntegrityError as exc:
                # Another process claimed the VLAN after our mirror said it was free: look again.
                self.inventory.vlans.forget()
                if attempt:
                    raise ResourceUnavailable("A CE-VLAN this change needs was taken by a concurrent request",
                                              property_path="/input/end-point") from exc
            except ResourceUnavailable:
                if attempt:  # refused on what the database holds
                    raise
        raise AssertionError("unreachable")

    def _target(self, row: ConnectivityServiceRow, current: dict[str, int | None],
                command: ChangeConnectivityService) -> dict[str, int | None]:
        target = dict(current)
        if command.mbps is not None:
            target["mbps"] = command.mbps
        for end_point in command.end_points:
            name = next((n for n in "az" if row.request[n]["sip"] == end_point.sip), None)
            if name is None:
                raise Unprocessable(f"'{end_point.sip}' is not an end point of connectivity service {row.uuid}",
                                    code="referenceNotFound",
                                    property_path="/input/end-point/service-interface-point")
            if (current[name] is None) != (end_point.vlan_id is None):
                raise Unprocessable(f"End point {end_point.sip} of {row.uuid} is "
                                    f"{'port-based' if current[name] is None else 'VLAN-based'} and stays so: only "
                                    "the CE-VLAN of a VLAN-based end point changes in place",
                                    property_path="/input/end-point/nrp-carrier-eth-connectivity-end-point-resource")
            if end_point.vlan_id is not None and not 1 <= end_point.vlan_id <= 4094:
                raise Unprocessable(f"VLAN id {end_point.vlan_id} is outside 1..4094", property_path="/input/end-point")
            target[name] = end_point.vlan_id
        return target

    def delete(self, command: DeleteConnectivityService) -> ConnectivityServiceRow:
        with self.database.transaction() as session:
            row = self.get(session, command.service, command.owner)
            if row.state in (cs.REMOVING, cs.REMOVED, cs.FAILED):
                return row
            refuse_while_rerouting(row, "remove")
            cs.transition_to(session, row, cs.REMOVING, wake=self.wake)
        return row

    def reroute(self, command: RerouteConnectivityService) -> tuple[ConnectivityServiceRow, bool]:
        """Decide a move of an installed service to a route that keeps off `command.avoid`, make
        before break (`cadenza.icm.reroute`); True when there is a move to make."""
        return plan_reroute(self, command)

    def reassign(self, command: ReassignEndPoint) -> tuple[ConnectivityServiceRow, bool]:
        """Decide a move of an installed service's end point to another edge port, with the
        route from there, make before break (`cadenza.icm.reassign`); True when there is a move to make."""
        return plan_reassign(self, command)

    def feasibility(self, ends: Sequence[tuple[str, str, int | None]], mbps: int, *,
                    max_delay_ms: float | None = None, for_service: str | None = None,
                    owner: str | None = None) -> Feasible:
        """Whether the network could carry this now (compute-p-2-p-path); reserves nothing.
        `ends`: (edge point, "port" | "vlan", CE-VLAN or None) twice; `for_service`: a change of it."""
        a, z = (self._feasibility_end(sip, mode, vlan, f"/input/sep/{n}") for n, (sip, mode, vlan) in enumerate(ends))
        faults = self._faults()
        with self.database.read() as session:
            service = self.get(session, for_service, owner) if for_service else None
            return check_feasibility(session, self.topology, FeasibilityQuery(a, z, mbps, max_delay_ms, service),
                                     down_links=faults.down_links, down_elements=faults.down_elements)

    def _feasibility_end(self, sip: str, mode: str, vlan: int | None, pointer: str) -> FeasibilityEnd:
        end = self._end(EndPointRequest(sip, vlan), pointer)
        return FeasibilityEnd(end.edge_point, end.element, end.port, mode, vlan)

    # -- internals ------------------------------------------------------------------------
    def _request(self, command: CreateConnectivityService) -> _PlanRequest:
        a, z = self._end(command.a, "/input/end-point/0"), self._end(command.z, "/input/end-point/1")
        if (a.element, a.port) == (z.element, z.port):
            raise Unprocessable("The two end points are the same port", property_path="/input/end-point")
        if self.topology.edge_points[a.edge_point].kind == "internet":
            raise Unprocessable("An Internet gateway's edge point can only be the second end point (z): the "
                                "service ends there in a routed interface", property_path="/input/end-point/0")
        return _PlanRequest(command, command.uuid or new_id(), a, z)

    def _end(self, request, pointer: str) -> ServiceEnd:  # noqa: ANN001 - EndPointRequest
        edge = self.topology.edge_points.get(request.sip)
        if edge is None:
            raise Unprocessable(f"Unknown service interface point '{request.sip}' in network domain {self.name}",
                                code="referenceNotFound", property_path=f"{pointer}/service-interface-point")
        if request.vlan_id is not None and not 1 <= request.vlan_id <= 4094:
            raise Unprocessable(f"VLAN id {request.vlan_id} is outside 1..4094", property_path=pointer)
        return ServiceEnd(edge.id, edge.element, edge.port, request.vlan_id)

    def _faults(self) -> _Faults:
        try:
            faults = self.adagio.faults()
        except AdagioError as exc:  # e.g. a twin in its own process that has gone
            raise ServiceUnavailable(f"Network domain {self.name} cannot be planned now: its element manager "
                                     f"does not answer ({exc.reason}); try again later") from exc
        return _Faults(
            frozenset(link_id_for(f"{link.a}:{link.a_port}", f"{link.b}:{link.b_port}") for link in faults.down_links),
            frozenset(name for name in faults.down_elements if name in self.topology.elements))

    def _path(self, session: Session, a: ServiceEnd, z: ServiceEnd, mbps: int, max_delay_ms: float | None,  # noqa: ANN202
              faults: _Faults):
        down_links, down_elements = faults.down_links, faults.down_elements
        for end in (a, z):
            if end.element in down_elements:
                raise Unprocessable(f"Element {end.element} of edge point {end.edge_point} is down",
                                    property_path="/input/end-point")
        request = PathRequest(a.element, z.element, float(mbps), max_delay_ms,
                              exclude_elements=frozenset(down_elements))
        try:
            return compute_path(self.topology, request, available_mbps=self.inventory.available_mbps(session),
                                down_links=down_links)
        except NoPathError as exc:
            raise Unprocessable(exc.reason, property_path="/input/conn-constraint") from exc


def _conflict(exc: Exception) -> bool:
    """Whether the database refused what this process's pictures offered: a link they showed
    with room (the conditional UPDATE found none), a VLAN they showed free (the unique
    constraint), or a transaction PostgreSQL gave up on."""
    return (isinstance(exc, (IntegrityError, OperationalError))
            or (isinstance(exc, ResourceUnavailable) and exc.link is not None))


def _transient(exc: OperationalError) -> bool:
    """A deadlock or serialization failure: the same transaction again may well succeed."""
    return getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")


def _settings(row: ConnectivityServiceRow) -> dict[str, int | None]:
    """What a change can change: the bandwidth and the CE-VLAN at each end (None: port-based)."""
    return {"mbps": row.bandwidth_mbps, "a": row.request["a"]["vlan_id"], "z": row.request["z"]["vlan_id"]}


def _end_json(end: ServiceEnd) -> dict:
    return {"sip": end.edge_point, "element": end.element, "port": end.port, "vlan_id": end.vlan_id}
