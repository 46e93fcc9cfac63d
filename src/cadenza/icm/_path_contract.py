"""Contraction of degree-2 chains, the hierarchy that makes search over metro rings cheap.

A metro ring is a chain of PEs, each with exactly two links, between two aggregation routers.
A simple path that enters such a chain can only run along it to the other end, so searches
treat each maximal chain as one edge between its two end elements ("kept" elements: degree
other than two). On a ring-and-core network this leaves a graph of AGG and core routers about
twenty times smaller than the element count; on a graph without degree-2 elements nothing is
contracted and the search is plain bidirectional Dijkstra. Contraction is exact: whether a
chain is usable (every link up and free enough, no interior element excluded) is decided per
request, when the search first reaches it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

__all__ = ["Chain", "Contracted"]


@dataclass(frozen=True, slots=True)
class Chain:
    """nodes[0] and nodes[-1] are kept elements; links[k] joins nodes[k] and nodes[k + 1]."""

    nodes: tuple[int, ...]
    links: tuple[int, ...]
    cum: tuple[float, ...]  # cum[k]: delay from nodes[0] to nodes[k]

    @property
    def delay(self) -> float:
        return self.cum[-1]

    def segment(self, i: int, j: int) -> tuple[list[int], list[int]]:
        """Nodes and links walking from position i to position j, in walking order."""
        if i <= j:
            return list(self.nodes[i : j + 1]), list(self.links[i:j])
        return list(self.nodes[j : i + 1])[::-1], list(self.links[j:i])[::-1]


@dataclass(frozen=True, eq=False)
class Contracted:
    kept: tuple[bool, ...]
    chains: tuple[Chain, ...]
    adj: tuple[tuple[tuple[int, int], ...], ...]  # per kept node: (kept neighbour, chain index)
    where: dict[int, tuple[int, int]]  # interior node -> (chain index, position in chain)
    link_chain: tuple[int, ...]  # per link: the chain it belongs to
    min_capacity: tuple[float, ...]  # per chain: its narrowest link

    @classmethod
    def build(
        cls, adj: Sequence[Sequence[tuple[int, int]]], delay: Sequence[float], capacity: Sequence[float]
    ) -> Contracted:
        kept = [len(nbrs) != 2 or any(v == u for v, _ in nbrs) for u, nbrs in enumerate(adj)]
        chains: list[Chain] = []
        seen_links: set[int] = set()
        where: dict[int, tuple[int, int]] = {}

        def walk(start: int, first_link: int, first_next: int) -> None:
            nodes, links = [start], [first_link]
            node, prev_link = first_next, first_link
            while not kept[node]:
                nodes.append(node)
                (v1, l1), (v2, l2) = adj[node]
                node, prev_link = (v2, l2) if l1 == prev_link else (v1, l1)
                links.append(prev_link)
            nodes.append(node)
            seen_links.update(links)
            cum = tuple(accumulate((delay[li] for li in links), initial=0.0))
            for pos in range(1, len(nodes) - 1):
                where[nodes[pos]] = (len(chains), pos)
            chains.append(Chain(tuple(nodes), tuple(links), cum))

        def walk_all_from(u: int) -> None:
            for v, li in adj[u]:
                if li not in seen_links:
                    walk(u, li, v)

        for u in range(len(adj)):
            if kept[u]:
                walk_all_from(u)
        # rings with no element of another degree: keep one element of each to anchor its chain
        for u in range(len(adj)):
            if not kept[u] and u not in where:
                kept[u] = True
                walk_all_from(u)
        kadj: list[list[tuple[int, int]]] = [[] for _ in adj]
        for ci, chain in enumerate(chains):
            a, b = chain.nodes[0], chain.nodes[-1]
            kadj[a].append((b, ci))
            if a != b:
                kadj[b].append((a, ci))
        link_chain = [0] * len(delay)
        for ci, chain in enumerate(chains):
            for li in chain.links:
                link_chain[li] = ci
        min_capacity = tuple(min(capacity[li] for li in chain.links) for chain in chains)
        return cls(tuple(kept), tuple(chains), tuple(tuple(n) for n in kadj), where, tuple(link_chain), min_capacity)
