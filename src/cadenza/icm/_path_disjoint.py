"""Suurballe's disjoint pair as a two-unit min-cost flow over the chain-contracted graph.

Every kept element other than source and target is split into in -> out with capacity one,
which makes the two units element-disjoint; each usable chain becomes two opposite arcs of
capacity one, which makes them link-disjoint (chain interiors belong to one chain only).
Two successive shortest paths with Dijkstra on reduced costs (Johnson potentials) give the
least total delay pair; this is Suurballe's algorithm. Unlike "shortest path, remove it, search
again" it also finds the pair in trap topologies where the shortest path blocks every second
route. When only one unit gets through, the saturated arc leaving the reachable side of the
residual graph is the single point of failure, which the refusal names.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from heapq import heappop, heappush

from cadenza.icm._path_graph import IndexedGraph
from cadenza.icm._path_search import Usable, hop, same_chain, seeds

__all__ = ["disjoint_pair"]

Route = tuple[list[int], list[int]]
_Label = tuple[str, int, int, Route | None]  # kind, chain or element, chain entry element, segment
_INF = float("inf")


class _Net:
    def __init__(self) -> None:
        self.head: list[int] = []
        self.tail: list[int] = []
        self.cap: list[int] = []
        self.cost: list[float] = []
        self.label: list[_Label] = []
        self.out: dict[int, list[int]] = {}

    def arc(self, u: int, v: int, cap: int, cost: float, label: _Label) -> None:
        for a, b, c, w in ((u, v, cap, cost), (v, u, 0, -cost)):  # the arc, then its residual twin
            self.out.setdefault(a, []).append(len(self.head))
            self.head.append(b)
            self.tail.append(a)
            self.cap.append(c)
            self.cost.append(w)
            self.label.append(label)

    def flow(self, ai: int) -> int:
        return self.cap[ai ^ 1]

    def dijkstra(self, s: int, pot: dict[int, float]) -> tuple[dict[int, float], dict[int, int]]:
        dist, prev, heap, done = {s: 0.0}, {}, [(0.0, s)], set()
        head, cap, cost = self.head, self.cap, self.cost
        while heap:
            d, u = heappop(heap)
            if u in done:
                continue
            done.add(u)
            pu = pot.get(u, 0.0)
            for ai in self.out.get(u, ()):
                if cap[ai] > 0:
                    v = head[ai]
                    nd = d + max(0.0, cost[ai] + pu - pot.get(v, 0.0))  # max: float noise only
                    if nd < dist.get(v, _INF):
                        dist[v], prev[v] = nd, ai
                        heappush(heap, (nd, v))
        return dist, prev


def disjoint_pair(
    graph: IndexedGraph, source: int, target: int, link_ok: Callable[[int], bool], banned: Collection[int]
) -> tuple[Route, Route] | str:
    """Two disjoint routes, or why not: "" when there is no route at all, else the bottleneck."""
    if source == target:
        return ([source], []), ([source], [])
    cg = graph.contracted
    usable = Usable(cg, link_ok, banned)
    n = len(graph.names)
    big_s, big_t = 2 * n, 2 * n + 1  # element k is 2k (in) and 2k + 1 (out)
    net = _Net()
    for x, d, nodes, links in seeds(cg, usable, source, target, outward=True):
        net.arc(big_s, 2 * x + 1 if x == source else 2 * x, 2 if x == source else 1, d, ("seg", 0, 0, (nodes, links)))
    for y, d, nodes, links in seeds(cg, usable, target, source, outward=False):
        net.arc(2 * y if y == target else 2 * y + 1, big_t, 2 if y == target else 1, d, ("seg", 0, 0, (nodes, links)))
    direct_delay, direct = same_chain(cg, usable, source, target)
    if direct is not None:
        net.arc(big_s, big_t, 1, direct_delay, ("seg", 0, 0, direct))
    for k, kept in enumerate(cg.kept):
        if kept and k not in (source, target) and k not in usable.banned:
            net.arc(2 * k, 2 * k + 1, 1, 0.0, ("node", k, 0, None))
    barred = {cg.where[e][0] for e in (source, target) if e in cg.where}
    for ci, chain in enumerate(cg.chains):
        a, b = chain.nodes[0], chain.nodes[-1]
        ends_usable = a != b and a not in usable.banned and b not in usable.banned
        if ends_usable and ci not in barred and usable.chain(ci, chain):
            net.arc(2 * a + 1, 2 * b, 1, chain.delay, ("chain", ci, a, None))
            net.arc(2 * b + 1, 2 * a, 1, chain.delay, ("chain", ci, b, None))
    pot: dict[int, float] = {}
    for unit in range(2):
        dist, prev = net.dijkstra(big_s, pot)
        if big_t not in dist:
            return "" if unit == 0 else _bottleneck(graph, net, dist)
        for v, d in dist.items():
            pot[v] = pot.get(v, 0.0) + d
        v = big_t
        while v != big_s:
            ai = prev[v]
            net.cap[ai] -= 1
            net.cap[ai ^ 1] += 1
            v = net.tail[ai]
    _cancel_opposite(net)
    return _route(graph, net, big_s, big_t, source), _route(graph, net, big_s, big_t, source)


def _cancel_opposite(net: _Net) -> None:
    """Flow crossing one chain both ways is no flow on it: drop both so each route stays simple."""
    used: dict[int, int] = {}
    for ai in range(0, len(net.head), 2):
        kind, ci, _, _ = net.label[ai]
        if kind == "chain" and net.flow(ai):
            if ci in used:
                for arc in (ai, used[ci]):
                    net.cap[arc] += 1
                    net.cap[arc ^ 1] -= 1
            else:
                used[ci] = ai


def _route(graph: IndexedGraph, net: _Net, big_s: int, big_t: int, source: int) -> Route:
    """Follow one unit of flow from S to T, using it up, and expand it into elements and links."""
    nodes, links = [source], []
    u = big_s
    while u != big_t:
        ai = next(a for a in net.out[u] if a % 2 == 0 and net.flow(a) > 0)
        net.cap[ai] += 1
        net.cap[ai ^ 1] -= 1
        kind, ci, entry, segment = net.label[ai]
        if kind == "chain":
            segment = hop(graph.contracted.chains[ci], entry)
        if segment is not None:
            nodes.extend(segment[0][1:])
            links.extend(segment[1])
        u = net.head[ai]
    return nodes, links


def _bottleneck(graph: IndexedGraph, net: _Net, reached: dict[int, float]) -> str:
    for ai in range(0, len(net.head), 2):
        if net.flow(ai) and net.tail[ai] in reached and net.head[ai] not in reached:
            kind, ci, _, segment = net.label[ai]
            if kind == "node":
                return f"every route passes through element {graph.names[ci]}"
            ids = graph.contracted.chains[ci].links if kind == "chain" else (segment[1] if segment else ())
            names = [graph.link_ids[li] for li in ids]
            return f"every route crosses link{'s' if len(names) > 1 else ''} {', '.join(names)}"
    return "only one route exists"
