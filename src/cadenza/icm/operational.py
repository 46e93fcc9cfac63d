"""Operational state: what the network does now, read from the ECM's faults (ADAGIO).

TAPI separates a resource's lifecycle (planned, installed...) from its operational state
(can it carry traffic now?). The lifecycle is the ICM's own record; the operational state is
never stored: a node is ENABLED while its element is up, a service interface point while its
element and its port are up, an installed connectivity service while every element and link
of its route and the ports of its end points are up. When the network's faults change (the
twin reports each change through ADAGIO), the watcher compares what each affected object was
with what it is and publishes one event per change on the ICM's hub, in the shape of a TAPI
`notification` (tapi-notification.yang: ATTRIBUTE_VALUE_CHANGE of `operational-state`, with
old and new value).

Every worker process of a domain runs a watcher for each of its ICMs. What the events have
told so far is the database's (`PublishedFaultsRow`): a watcher publishes the changes from
that to what it reads now, in the network domain's turn for it (`core.turns`) and moving the
row on by a conditional UPDATE in the same transaction, so each change is published once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.db import Database
from cadenza.core.notifications.outbox import publish
from cadenza.core.turns import take_turn
from cadenza.icm import connectivity_service as cs
from cadenza.icm.rows import ConnectivityServiceRow, PublishedFaultsRow, ReservationRow
from cadenza.icm.topology import EdgePoint, Topology, link_id_for
from cadenza.interfaces.adagio.contract import AdagioError, Faults
from cadenza.interfaces.presto.paths import (
    DISABLED,
    ENABLED,
    LISTENER_BASE,
    NODE_STATE_CHANGE_EVENT,
    SIP_STATE_CHANGE_EVENT,
    events_api,
    icm_base,
)

__all__ = ["NetworkFaults", "UNKNOWN", "ENABLED", "DISABLED", "element_state", "edge_state", "port_down",
           "service_ends", "service_state", "route_faults", "affected_services", "publish_changes", "FaultWatcher",
           "read_faults"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NetworkFaults:
    """What is down in one network domain; `known` is False while the ECM does not answer,
    and then nothing can be said to work. `down_ports`: the edge points (SIP ids) whose port
    failed on its own, its element still up."""

    down_links: frozenset[str] = frozenset()
    down_elements: frozenset[str] = frozenset()
    known: bool = True
    down_ports: frozenset[str] = frozenset()


UNKNOWN = NetworkFaults(known=False)


def element_state(element: str, faults: NetworkFaults) -> str:
    """A node's operational state: its element's."""
    return ENABLED if faults.known and element not in faults.down_elements else DISABLED


def edge_state(edge: EdgePoint, faults: NetworkFaults) -> str:
    """A service interface point's operational state: its element's, unless its port is down."""
    return DISABLED if edge.id in faults.down_ports else element_state(edge.element, faults)


def port_down(edge: EdgePoint) -> str:
    """A failed edge port as a person reads it: "access port uni-east-1-1 (pe-e1 ge-0/0/1) is down"."""
    what = "access port" if edge.kind == "uni" else f"{edge.kind.upper()} port"
    return f"{what} {edge.id} ({edge.element} {edge.port}) is down"


def service_ends(topology: Topology, request: dict) -> tuple[EdgePoint, ...]:
    """The edge points a service's request ends on (a and z), as the topology declares them."""
    return tuple(edge for end in (request.get(name) or {} for name in "az")
                 if (edge := topology.edge_points.get(end.get("sip", ""))) is not None)


def route_faults(plan: dict, faults: NetworkFaults, ends: Sequence[EdgePoint] = ()) -> list[str]:
    """What is down on a service's route and at its end points (`ends`), as a person reads it."""
    if not faults.known:
        return ["the element manager does not answer"]
    return ([f"element {e} is down" for e in plan.get("elements", []) if e in faults.down_elements]
            + [f"link {link} is down" for link in plan.get("links", []) if link in faults.down_links]
            + [port_down(edge) for edge in ends
               if edge.id in faults.down_ports and edge.element not in faults.down_elements])


def service_state(state: str, plan: dict, faults: NetworkFaults, ends: Sequence[EdgePoint] = ()) -> str:
    """A connectivity service's operational state: its lifecycle allows traffic and nothing
    on its route or at its end points is down."""
    if cs.tapi_states(state).operational == DISABLED:
        return DISABLED
    return DISABLED if route_faults(plan, faults, ends) else ENABLED


def affected_services(session: Session, topology: Topology, elements: Iterable[str],
                      links: Iterable[str], ports: Iterable[str] = ()) -> list[ConnectivityServiceRow]:
    """The services holding resources on these links, on these edge ports ('element:port'), or
    on these elements (through a link of theirs or an edge port): every service whose route or
    end points touch what changed."""
    elements, links = set(elements), set(links)
    links |= {link.id for element in elements if element in topology.elements for link in topology.links_of(element)}
    held = ReservationRow.__table__.c
    conditions = [(held.kind == "port") & held.resource.startswith(f"{element}:", autoescape=True)
                  for element in sorted(elements)]
    if links:
        conditions.append((held.kind == "link") & held.resource.in_(sorted(links)))
    if ports := sorted(set(ports)):
        conditions.append((held.kind == "port") & held.resource.in_(ports))
    if not conditions:
        return []
    holders = (select(held.service_uuid).where(held.network_domain == topology.domain, or_(*conditions))
               .distinct().scalar_subquery())
    return list(session.scalars(select(ConnectivityServiceRow).where(
        ConnectivityServiceRow.uuid.in_(holders)).order_by(ConnectivityServiceRow.created_at)))


def _notification(object_type: str, uuid: str, old: str, new: str, moment: str, why: str) -> dict:
    return {"notification-type": "ATTRIBUTE_VALUE_CHANGE", "target-object-type": object_type,
            "target-object-identifier": uuid, "target-object-name": [{"value-name": "name", "value": uuid}],
            "event-time-stamp": moment, "source-indicator": "RESOURCE_OPERATION", "layer-protocol-name": "ETH",
            "changed-attributes": [{"value-name": "operational-state", "old-value": old, "new-value": new}],
            "additional-text": why}


def publish_changes(session: Session, topology: Topology, before: NetworkFaults, after: NetworkFaults,
                    *, wake: Callable[[], None] | None = None) -> int:
    """One event per node, edge point and connectivity service whose operational state differs
    between `before` and `after`; returns how many were published."""
    domain, base, moment = topology.domain, icm_base(topology.domain), iso()
    elements = [e for e in topology.elements if element_state(e, before) != element_state(e, after)]
    links = before.down_links ^ after.down_links if before.known and after.known else frozenset(topology.links)
    edges = [edge for edge in topology.edge_points.values() if edge_state(edge, before) != edge_state(edge, after)]
    published = 0
    for element in elements:
        old, new = element_state(element, before), element_state(element, after)
        why = f"element {element} is {'up' if new == ENABLED else 'down'}"
        publish(session, api=events_api(domain), event_type=NODE_STATE_CHANGE_EVENT, party=None, wake=wake,
                listener_base_path=LISTENER_BASE, resource={
                    "id": element, "href": f"{base}/restconf/data/context/topology={domain}/node={element}/",
                    "operational-state": new, **_notification("NODE", element, old, new, moment, why)})
        published += 1
    for edge in edges:
        old, new = edge_state(edge, before), edge_state(edge, after)
        if edge.element in elements:
            why = f"element {edge.element} is {'up' if element_state(edge.element, after) == ENABLED else 'down'}"
        else:
            why = port_down(edge) if new == DISABLED else port_down(edge).removesuffix(" is down") + " is up"
        publish(session, api=events_api(domain), event_type=SIP_STATE_CHANGE_EVENT, party=None, wake=wake,
                listener_base_path=LISTENER_BASE, resource={
                    "id": edge.id, "href": f"{base}/restconf/data/context/service-interface-point={edge.id}/",
                    "operational-state": new,
                    **_notification("SERVICE_INTERFACE_POINT", edge.id, old, new, moment, why)})
        published += 1
    ports = [f"{edge.element}:{edge.port}" for edge in edges]
    for row in affected_services(session, topology, elements, links, ports):
        ends = service_ends(topology, row.request)
        old, new = service_state(row.state, row.plan, before, ends), service_state(row.state, row.plan, after, ends)
        if old == new:
            continue
        why = ("; ".join(route_faults(row.plan, after, ends))
               or "every element and link of its route, and its end points, are up")
        cs.announce(session, row, wake=wake, operational=new,
                    notification=_notification("CONNECTIVITY_SERVICE", row.uuid, old, new, moment, why))
        published += 1
    return published


class FaultWatcher:
    """Follows the network's faults for one ICM: wakes when the ECM counts a fault change
    (blocked meanwhile, no polling), reads the faults, publishes what changed since the domain
    last published (see the module's docstring: whichever worker did)."""

    WAIT_S = 1.0  # how soon a closing ICM's watcher notices; a fault change wakes it at once

    def __init__(self, *, topology: Topology, database: Database, read: Callable[[], NetworkFaults],
                 wait: Callable[[int, float], int], wake: Callable[[], None] | None = None) -> None:
        self.topology, self.database, self._read, self._wait, self._wake = topology, database, read, wait, wake
        self._closing = threading.Event()
        self.seen = self._wait(-1, 0)  # the ECM's count of fault changes handled (now, at once: no count is -1)
        with database.transaction() as session:
            _start_from(session, topology.domain, self._read())
        self._thread = threading.Thread(target=self._run, name=f"icm-faults-{topology.domain}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closing.set()
        self._thread.join(timeout=self.WAIT_S * 5)

    def _run(self) -> None:
        while not self._closing.is_set():
            try:
                count = self._wait(self.seen, self.WAIT_S)
                if count != self.seen and not self._closing.is_set():
                    self.check()
                    self.seen = count
            except Exception:  # a watcher that dies would leave every later fault unannounced
                log.exception("%s: following the network's faults failed; trying again", self.topology.domain)
                self._closing.wait(self.WAIT_S)

    def check(self) -> int:
        """Publish what changed between the faults the domain last published and the faults
        now; returns how many events. The faults are read in the domain's turn, so a worker
        coming second reads them no older than the first did, and finds published what both saw."""
        domain = self.topology.domain
        for _ in range(3):
            try:
                with self.database.transaction() as session:
                    take_turn(session, f"cadenza-icm-faults:{domain}")
                    before, generation = _published(session, domain)
                    after = self._read()
                    if after == before:
                        return 0
                    published = publish_changes(session, self.topology, before, after, wake=self._wake)
                    if not _move_on(session, domain, generation, after):
                        raise _Outrun  # another worker published meanwhile (SQLite: no turns): undo ours
                return published
            except _Outrun:
                continue
        return 0


class _Outrun(Exception):
    """Another worker published a change first: this transaction's events are rolled back."""


_PUBLISHED = PublishedFaultsRow.__table__


def _start_from(session: Session, domain: str, faults: NetworkFaults) -> None:
    """The faults as the domain's first worker found them: nothing is published for what was
    down before. A worker starting later leaves what the others published as it is."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(_PUBLISHED).on_conflict_do_nothing(),
                    [{"network_domain": domain, **_columns(faults), "generation": 0, "published_at": now()}])


def _published(session: Session, domain: str) -> tuple[NetworkFaults, int]:
    row = session.get(PublishedFaultsRow, domain, populate_existing=True)
    assert row is not None, f"no published faults of {domain}: the watcher records them as it starts"
    return (NetworkFaults(frozenset(row.down_links), frozenset(row.down_elements), row.known,
                          frozenset(row.down_ports or ())), row.generation)


def _move_on(session: Session, domain: str, generation: int, faults: NetworkFaults) -> bool:
    """Record `faults` as published, if nobody has since `generation`."""
    moved = session.execute(update(_PUBLISHED)
                            .where(_PUBLISHED.c.network_domain == domain, _PUBLISHED.c.generation == generation)
                            .values(**_columns(faults), generation=generation + 1, published_at=now()))
    return moved.rowcount == 1


def _columns(faults: NetworkFaults) -> dict[str, object]:
    return {"down_links": sorted(faults.down_links), "down_elements": sorted(faults.down_elements),
            "down_ports": sorted(faults.down_ports), "known": faults.known}


def read_faults(topology: Topology, faults: Callable[[], Faults]) -> NetworkFaults:
    """The ECM's faults (ADAGIO `Faults`, the whole twin's) as this domain's links, elements and
    edge points. A failed port under a link is left to what the link's far end reports: it is
    one of the domain's edge ports that makes a service's end point fail."""
    try:
        found = faults()
    except AdagioError:
        return UNKNOWN
    links = (link_id_for(f"{lk.a}:{lk.a_port}", f"{lk.b}:{lk.b_port}") for lk in found.down_links)
    ports = set(found.down_ports)
    return NetworkFaults(frozenset(link for link in links if link in topology.links),
                         frozenset(e for e in found.down_elements if e in topology.elements),
                         down_ports=frozenset(edge.id for edge in topology.edge_points.values()
                                              if (edge.element, edge.port) in ports))
