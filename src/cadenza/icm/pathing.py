"""Constrained path computation for connectivity services within one network domain.

A path is the least-delay route over links that are up, not excluded, and have at least the
requested bandwidth free. Live state (which links are down, how much each has free) is an
input, so this module stays pure: the caller reads it from the network and its reservations.

Exceptions::

    NoPathError      no route satisfies the request; `reason` says what blocks it
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from cadenza.icm._path_diagnose import diagnose, too_slow
from cadenza.icm._path_disjoint import disjoint_pair
from cadenza.icm._path_graph import IndexedGraph
from cadenza.icm._path_search import shortest
from cadenza.icm.topology import Topology

__all__ = ["PathRequest", "Hop", "Path", "NoPathError", "Availability", "FreeBandwidth", "compute_path",
           "compute_disjoint_paths"]


class FreeBandwidth(dict[str, float]):
    """Free Mbit/s per link id at one moment, never changed once handed out. It remembers
    which links are short of a given figure: requests planned against the same picture
    (a planning group's) then skip a scan of every link each."""

    __slots__ = ("_short",)

    def __init__(self, free: Mapping[str, float]) -> None:
        super().__init__(free)
        self._short: dict[float, frozenset[str]] = {}

    def short_of(self, mbps: float) -> frozenset[str]:
        short = self._short.get(mbps)
        if short is None:
            short = self._short[mbps] = frozenset(link for link, free in self.items() if free < mbps)
        return short


# free bandwidth per link id; a mapping leaves out links with nothing reserved (their capacity is free)
Availability = Mapping[str, float] | Callable[[str], float]


class NoPathError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PathRequest:
    source_element: str
    target_element: str
    bandwidth_mbps: float
    max_delay_ms: float | None = None
    exclude_links: frozenset[str] = frozenset()
    exclude_elements: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Hop:
    """One link crossed: leaving `element` on `egress_port`, entering `next_element` on `ingress_port`."""

    link_id: str
    element: str
    egress_port: str
    next_element: str
    ingress_port: str
    delay_ms: float


@dataclass(frozen=True, slots=True)
class Path:
    elements: tuple[str, ...]
    hops: tuple[Hop, ...]
    delay_ms: float

    @property
    def link_ids(self) -> tuple[str, ...]:
        return tuple(hop.link_id for hop in self.hops)


def compute_path(
    topology: Topology,
    request: PathRequest,
    *,
    available_mbps: Availability | None = None,
    down_links: AbstractSet[str] = frozenset(),
) -> Path:
    """The least-delay feasible path; raises NoPathError saying why there is none.

    `available_mbps=None` means nothing is reserved anywhere. Link ids unknown to this domain
    (in `down_links` or `request.exclude_links`) are ignored: they belong to other domains.
    """
    graph = topology.graph
    source, target, banned = _endpoints(topology, request)
    link_ok = _link_filter(graph, request, available_mbps, down_links)
    found = shortest(graph, source, target, link_ok, banned, link_ok.suspects, link_ok.bandwidth)
    if found is None:
        raise NoPathError(diagnose(topology, request, link_ok.down, link_ok.free, banned))
    path = _to_path(graph, found[1], found[2])
    if request.max_delay_ms is not None and path.delay_ms > request.max_delay_ms:
        raise NoPathError(too_slow(request, path.delay_ms, path.elements, "shortest path"))
    return path


def compute_disjoint_paths(
    topology: Topology,
    request: PathRequest,
    *,
    available_mbps: Availability | None = None,
    down_links: AbstractSet[str] = frozenset(),
) -> tuple[Path, Path]:
    """Two feasible paths sharing no link and no element but the endpoints, least total delay first.

    Suurballe's algorithm (as a two-unit min-cost flow with node splitting), so it finds a
    pair whenever one exists, even where removing the shortest path would cut the network.
    Limits: it minimises the pair's total delay, so when `max_delay_ms` rejects the longer
    of the two, a pair with a larger total but both paths under the bound may still exist.
    When source and target are the same element both paths are that element, with no hops.
    """
    graph = topology.graph
    source, target, banned = _endpoints(topology, request)
    link_ok = _link_filter(graph, request, available_mbps, down_links)
    pair = disjoint_pair(graph, source, target, link_ok, banned)
    if isinstance(pair, str):
        if pair == "":  # not even one path: say what blocks the first
            compute_path(topology, request, available_mbps=available_mbps, down_links=down_links)
        raise NoPathError(f"no two disjoint paths from {request.source_element} to {request.target_element}: {pair}")
    paths = sorted((_to_path(graph, nodes, links) for nodes, links in pair), key=lambda p: p.delay_ms)
    longer = paths[1]
    if request.max_delay_ms is not None and longer.delay_ms > request.max_delay_ms:
        raise NoPathError(too_slow(request, longer.delay_ms, longer.elements, "longer of the two disjoint paths"))
    return paths[0], paths[1]


def _endpoints(topology: Topology, request: PathRequest) -> tuple[int, int, frozenset[int]]:
    index = topology.graph.index
    for role, name in (("source", request.source_element), ("target", request.target_element)):
        if name not in index:
            raise NoPathError(f"{role} element {name!r} is not in network domain {topology.domain}")
        if name in request.exclude_elements:
            raise NoPathError(f"{role} element {name!r} is in the request's own exclude_elements")
    banned = frozenset(index[e] for e in request.exclude_elements if e in index)
    return index[request.source_element], index[request.target_element], banned


@dataclass(frozen=True, slots=True)
class _Filter:
    """Why a link may be unusable for one request, kept apart so a refusal can name the cause."""

    unusable: frozenset[int]  # down or excluded
    down: frozenset[int]
    free: Callable[[int], float]
    bandwidth: float
    suspects: frozenset[int] | None  # see _path_search.Usable; None when availability is a callable

    def __call__(self, li: int) -> bool:
        return li not in self.unusable and self.free(li) >= self.bandwidth


def _link_filter(
    graph: IndexedGraph, request: PathRequest, available: Availability | None, down_links: AbstractSet[str]
) -> _Filter:
    where, capacity, ids = graph.link_index, graph.capacity, graph.link_ids
    down = frozenset(where[lid] for lid in down_links if lid in where)
    excluded = frozenset(where[lid] for lid in request.exclude_links if lid in where)
    bw = request.bandwidth_mbps
    free: Callable[[int], float]
    suspects: frozenset[int] | None = down | excluded
    if available is None:
        free = capacity.__getitem__
    elif isinstance(available, Mapping):
        get = available.get
        free = lambda li: get(ids[li], capacity[li])  # noqa: E731
        short_ids = available.short_of(bw) if isinstance(available, FreeBandwidth) else \
            (lid for lid, mbps in available.items() if mbps < bw)
        short = frozenset(where[lid] for lid in short_ids if lid in where)
        suspects = down | excluded | short
    else:
        ask = available
        free = lambda li: ask(ids[li])  # noqa: E731
        suspects = None
    return _Filter(down | excluded, down, free, bw, suspects)


def _to_path(graph: IndexedGraph, nodes: list[int], links: list[int]) -> Path:
    names, delay = graph.names, graph.delay
    hops = []
    for k, li in enumerate(links):
        egress, ingress = graph.ports(li, nodes[k])
        hops.append(Hop(graph.link_ids[li], names[nodes[k]], egress, names[nodes[k + 1]], ingress, delay[li]))
    return Path(tuple(names[n] for n in nodes), tuple(hops), round(sum(delay[li] for li in links), 9))
