"""The static topology of one network domain, as its ICM sees it.

Only what the configuration declares lives here: elements, links with their capacity, delay
and loss, and the edge points where connectivity services start and end. Link up/down state
and reserved bandwidth change with the live network, so path computation takes them as input
instead of reading them from this object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Literal

from cadenza.icm._path_graph import IndexedGraph
from cadenza.icm.settings import NetworkDomainSettings

__all__ = ["Element", "LinkEnd", "Link", "EdgePoint", "Topology", "link_id_for"]

Role = Literal["pe", "agg", "core", "border"]
EdgeKind = Literal["uni", "enni", "inni", "internet"]


@dataclass(frozen=True, slots=True)
class Element:
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class LinkEnd:
    element: str
    port: str

    def __str__(self) -> str:
        return f"{self.element}:{self.port}"


def link_id_for(a: str, b: str) -> str:
    """The stable id of the link between two 'element:port' ends, whichever end is named first."""
    return "|".join(sorted((a, b)))


@dataclass(frozen=True, slots=True)
class Link:
    """A bidirectional link; `a` is the end whose 'element:port' sorts first, as in the id."""

    id: str
    a: LinkEnd
    b: LinkEnd
    capacity_mbps: float
    delay_ms: float
    loss_ratio: float

    def end_at(self, element: str) -> LinkEnd:
        if self.a.element == element:
            return self.a
        if self.b.element == element:
            return self.b
        raise KeyError(f"link {self.id} does not touch element {element!r}")

    def far_end(self, element: str) -> LinkEnd:
        """The end opposite the one on `element`."""
        return self.b if self.end_at(element) is self.a else self.a


@dataclass(frozen=True, slots=True)
class EdgePoint:
    id: str
    kind: EdgeKind
    element: str
    port: str
    ipv4_pool: str | None = None  # an Internet gateway's port: the prefixes it hands out
    ipv4_subnet_length: int = 30
    spare_for: str | None = None  # a spare UNI port, cabled to the customer equipment of this UNI


@dataclass(frozen=True, eq=False)
class Topology:
    """Elements, links and edge points of one network domain; read-only after construction."""

    domain: str
    elements: Mapping[str, Element]
    links: Mapping[str, Link]
    edge_points: Mapping[str, EdgePoint]
    _by_port: Mapping[tuple[str, str], Link] = field(repr=False)

    @classmethod
    def from_config(cls, config: NetworkDomainSettings) -> Topology:
        elements = {e.name: Element(e.name, e.role) for e in config.elements}
        links: dict[str, Link] = {}
        by_port: dict[tuple[str, str], Link] = {}
        for lc in config.links:
            first, second = sorted((lc.a, lc.b))
            link = Link(
                id=link_id_for(lc.a, lc.b),
                a=LinkEnd(*first.split(":", 1)),
                b=LinkEnd(*second.split(":", 1)),
                capacity_mbps=float(lc.capacity_mbps),
                delay_ms=float(lc.delay_ms),
                loss_ratio=float(lc.loss_ratio),
            )
            if link.a == link.b:
                raise ValueError(f"link {link.id} in {config.name} connects a port to itself")
            for end in (link.a, link.b):
                taken = by_port.get((end.element, end.port))
                if taken is not None:
                    raise ValueError(f"port {end} in {config.name} is used by links {taken.id} and {link.id}")
                by_port[(end.element, end.port)] = link
            links[link.id] = link
        edges: dict[str, EdgePoint] = {}
        for ec in config.edge_points:
            if ec.id in edges:
                raise ValueError(f"edge point {ec.id!r} is declared twice in {config.name}")
            edges[ec.id] = EdgePoint(ec.id, ec.kind, ec.element, ec.port, ec.ipv4_pool, ec.ipv4_subnet_length,
                                     ec.spare_for)
        return cls(
            domain=config.name,
            elements=MappingProxyType(elements),
            links=MappingProxyType(links),
            edge_points=MappingProxyType(edges),
            _by_port=MappingProxyType(by_port),
        )

    def link_at(self, element: str, port: str) -> Link | None:
        """The link plugged into a port, or None for a port facing a customer, partner or nothing."""
        return self._by_port.get((element, port))

    def links_of(self, element: str) -> tuple[Link, ...]:
        graph = self.graph
        return tuple(self.links[graph.link_ids[li]] for _, li in graph.adj[graph.index[element]])

    @cached_property
    def graph(self) -> IndexedGraph:
        """Integer-indexed adjacency that path computation runs on; built once, on first use."""
        return IndexedGraph.build(list(self.elements), list(self.links.values()))
