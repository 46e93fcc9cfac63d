"""Compact integer adjacency for path computation.

Searches over 10,000 elements run in pure Python, where attribute look-ups and string hashing
dominate; flat lists indexed by small integers keep the inner loop to list indexing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cadenza.icm._path_contract import Contracted

if TYPE_CHECKING:
    from cadenza.icm.topology import Link

__all__ = ["IndexedGraph"]


@dataclass(frozen=True, eq=False)
class IndexedGraph:
    names: tuple[str, ...]
    index: dict[str, int]
    adj: tuple[tuple[tuple[int, int], ...], ...]  # per node: (neighbour node, link index)
    link_ids: tuple[str, ...]
    link_index: dict[str, int]
    delay: tuple[float, ...]
    capacity: tuple[float, ...]
    ends: tuple[tuple[int, str, int, str], ...]  # per link: (a node, a port, b node, b port)
    contracted: Contracted

    @classmethod
    def build(cls, names: Sequence[str], links: Sequence[Link]) -> IndexedGraph:
        index = {name: i for i, name in enumerate(names)}
        adj: list[list[tuple[int, int]]] = [[] for _ in names]
        ends = []
        for li, link in enumerate(links):
            a, b = index[link.a.element], index[link.b.element]
            ends.append((a, link.a.port, b, link.b.port))
            adj[a].append((b, li))
            if a != b:
                adj[b].append((a, li))
        delays = tuple(link.delay_ms for link in links)
        capacities = tuple(link.capacity_mbps for link in links)
        return cls(
            names=tuple(names),
            index=index,
            adj=tuple(tuple(n) for n in adj),
            link_ids=tuple(link.id for link in links),
            link_index={link.id: li for li, link in enumerate(links)},
            delay=delays,
            capacity=capacities,
            ends=tuple(ends),
            contracted=Contracted.build(adj, delays, capacities),
        )

    def ports(self, li: int, from_node: int) -> tuple[str, str]:
        """(egress port on from_node, ingress port on the far element) when crossing link li."""
        a, a_port, _, b_port = self.ends[li]
        return (a_port, b_port) if a == from_node else (b_port, a_port)
