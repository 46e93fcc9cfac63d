"""Decomposing a service between two on-net terminations into per-network-domain segments.

A provider domain has several network domains, each with its own ICM; they meet at INNIs.
Two INNIs face each other by a naming rule (docs/legato-profile.md): the INNI
`inni-{N}-{rest}` of network domain N is the far side of the INNI `inni-{rest}` of another
network domain (core `inni-core-agg-e1` faces metro `inni-agg-e1`). A service whose ends lie
in different network domains is stitched: one segment per network domain crossed, joined
at an INNI pair on which SOF chooses one S-VLAN for both sides.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from cadenza.sof.settings import EdgePointSettings, SofSettings

__all__ = ["EdgePoint", "InniPair", "Junction", "NetworkMap", "NoRoute", "chain"]


@dataclass(frozen=True, slots=True)
class EdgePoint:
    id: str
    kind: str  # uni | enni | inni
    network_domain: str
    element: str
    partner: str | None = None


@dataclass(frozen=True, slots=True)
class InniPair:
    """`near` in one network domain faces `far` in another."""

    near: EdgePoint
    far: EdgePoint


@dataclass(frozen=True, slots=True)
class Junction:
    """Where one segment hands over to the next: leave at `exit`, enter at `entry`."""

    exit: EdgePoint
    entry: EdgePoint


class NoRoute(ValueError):
    pass


def _faces(a: EdgePointSettings, a_nd: str, b: EdgePointSettings, b_nd: str) -> bool:
    return a_nd != b_nd and a.id == f"inni-{a_nd}-{b.id.removeprefix('inni-')}"


class NetworkMap:
    """The edge points and INNI pairs of a provider domain, and element distances inside each
    network domain (hop counts, to pick the INNI nearest to a service's ends)."""

    def __init__(self, config: SofSettings) -> None:
        self.edge_points: dict[str, EdgePoint] = {}
        self._adjacency: dict[str, dict[str, set[str]]] = {}
        innis: list[tuple[EdgePointSettings, str]] = []
        for nd in config.network_domains:
            graph: dict[str, set[str]] = {e.name: set() for e in nd.elements}
            for link in nd.links:
                graph[link.a_element].add(link.b_element)
                graph[link.b_element].add(link.a_element)
            self._adjacency[nd.name] = graph
            for edge in nd.edge_points:
                self.edge_points[edge.id] = EdgePoint(edge.id, edge.kind, nd.name, edge.element, edge.partner)
                if edge.kind == "inni":
                    innis.append((edge, nd.name))
        self.pairs: list[InniPair] = []
        for a, a_nd in innis:
            for b, b_nd in innis:
                if _faces(a, a_nd, b, b_nd) or _faces(b, b_nd, a, a_nd):
                    self.pairs.append(InniPair(self.edge_points[a.id], self.edge_points[b.id]))

    def distance(self, network_domain: str, a: str, b: str) -> int:
        graph = self._adjacency[network_domain]
        seen, queue = {a: 0}, deque([a])
        while queue:
            here = queue.popleft()
            if here == b:
                return seen[here]
            for there in graph.get(here, ()):
                if there not in seen:
                    seen[there] = seen[here] + 1
                    queue.append(there)
        return 10_000  # unreachable: never preferred, yet not excluded (a fault may heal)

    def domain_path(self, source: str, target: str) -> list[str]:
        previous: dict[str, str | None] = {source: None}
        queue = deque([source])
        while queue:
            here = queue.popleft()
            for pair in self.pairs:
                if pair.near.network_domain == here and pair.far.network_domain not in previous:
                    previous[pair.far.network_domain] = here
                    queue.append(pair.far.network_domain)
        if target not in previous:
            raise NoRoute(f"No INNI joins network domain {source} to {target}")
        path = [target]
        while (step := previous[path[-1]]) is not None:
            path.append(step)
        return path[::-1]


def chain(network: NetworkMap, a: EdgePoint, z: EdgePoint) -> list[Junction]:
    """The INNI junctions a service from `a` to `z` crosses, in order (empty: one segment).

    Each junction is the INNI pair between two consecutive network domains that keeps the
    service nearest its ends: the fewest hops from where it entered the network domain to
    the INNI, plus, on the last crossing, from the far INNI to `z`.
    """
    domains = network.domain_path(a.network_domain, z.network_domain)
    junctions: list[Junction] = []
    entry = a
    for here, there in zip(domains, domains[1:], strict=False):
        candidates = [p for p in network.pairs if p.near.network_domain == here and p.far.network_domain == there]

        best = min(candidates, key=lambda pair, here=here, there=there, entry=entry: (
            network.distance(here, entry.element, pair.near.element)
            + (network.distance(there, pair.far.element, z.element) if there == z.network_domain else 0),
            pair.near.id))
        junctions.append(Junction(best.near, best.far))
        entry = best.far
    return junctions
