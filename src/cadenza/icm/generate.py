"""Synthetic network domains of a realistic shape, for benchmarks and scale landscapes.

The shape follows a typical carrier network: a meshed core of routers spread over a country
(delay grows with distance), each core router serving a metro region of aggregation pairs,
and each aggregation pair closing metro rings of PE routers, which carry the UNIs. Every AGG
of a pair homes on a different core router where there are several, so each PE has two
link- and node-disjoint ways into the core. The same seed always yields the same domain.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from cadenza.icm.settings import EdgePointSettings, ElementSettings, LinkSettings, NetworkDomainSettings, PortSettings
from cadenza.icm.topology import Topology

__all__ = ["generate_domain_config", "generate_topology", "MIN_ELEMENTS"]

MIN_ELEMENTS = 6  # three core routers, one AGG pair and one PE
_PES_PER_PAIR = (24, 64)
_RING_SIZE = (4, 12)
_KM_PER_MS = 200.0  # light in fibre
_COUNTRY_KM = 1_200.0


@dataclass
class _Builder:
    """Collects elements and links, numbering each element's ports as they are used."""

    rng: random.Random
    prefix: str
    ports: dict[str, list[PortSettings]] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    links: list[LinkSettings] = field(default_factory=list)
    edges: list[EdgePointSettings] = field(default_factory=list)

    def element(self, name: str, role: str) -> str:
        name = f"{self.prefix}{name}"
        self.roles[name] = role
        self.ports[name] = []
        return name

    def port(self, element: str, speed_mbps: int) -> str:
        name = f"eth{len(self.ports[element])}"
        self.ports[element].append(PortSettings(name=name, speed_mbps=speed_mbps))
        return name

    def link(self, a: str, b: str, capacity_mbps: int, delay_ms: float) -> None:
        a_end = f"{a}:{self.port(a, capacity_mbps)}"
        b_end = f"{b}:{self.port(b, capacity_mbps)}"
        self.links.append(LinkSettings(a=a_end, b=b_end, capacity_mbps=capacity_mbps, delay_ms=round(delay_ms, 3)))

    def uni(self, pe: str) -> None:
        port = self.port(pe, 10_000)
        self.edges.append(EdgePointSettings(id=f"uni-{pe}-{port}", kind="uni", element=pe, port=port))

    def config(self, name: str) -> NetworkDomainSettings:
        elements = [ElementSettings(name=n, role=self.roles[n], ports=p) for n, p in self.ports.items()]  # type: ignore[arg-type]
        return NetworkDomainSettings(name=name, elements=elements, links=self.links, edge_points=self.edges)


def _core(b: _Builder, count: int) -> tuple[list[str], list[tuple[float, float]]]:
    """Core routers at random places, each linked to its three nearest peers and along a ring."""
    names = [b.element(f"core-{i:03d}", "core") for i in range(count)]
    where = [(b.rng.uniform(0, _COUNTRY_KM), b.rng.uniform(0, _COUNTRY_KM)) for _ in names]
    # ordering by angle around the centre gives a ring without crossings, for guaranteed connectivity
    centre = _COUNTRY_KM / 2
    ring = sorted(range(count), key=lambda i: math.atan2(where[i][1] - centre, where[i][0] - centre))
    pairs = {tuple(sorted((ring[i], ring[(i + 1) % count]))) for i in range(count)}
    for i in range(count):
        nearest = sorted((j for j in range(count) if j != i), key=lambda j: math.dist(where[i], where[j]))
        pairs.update(tuple(sorted((i, j))) for j in nearest[:3])
    for i, j in sorted(pairs):
        b.link(names[i], names[j], 400_000, 0.1 + math.dist(where[i], where[j]) / _KM_PER_MS)
    return names, where


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` split into `parts` positive-ish shares that vary around the mean."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    for i in range(total - sum(shares)):
        shares[i % parts] += 1
    return shares


def _metro(b: _Builder, pair: int, agg_a: str, agg_b: str, pes: int) -> None:
    b.link(agg_a, agg_b, 100_000, b.rng.uniform(0.05, 0.3))
    ring = 0
    while pes > 0:
        size = min(pes, b.rng.randint(*_RING_SIZE))
        if 0 < pes - size < _RING_SIZE[0]:
            size = pes  # no tiny ring left over
        chain = [b.element(f"pe-{pair:04d}-{ring:02d}-{k:02d}", "pe") for k in range(size)]
        for left, right in zip([agg_a, *chain], [*chain, agg_b], strict=True):
            b.link(left, right, 10_000, b.rng.uniform(0.05, 0.5))
        for pe in chain:
            for _ in range(b.rng.randint(1, 2)):
                b.uni(pe)
        pes -= size
        ring += 1


def generate_domain_config(n_elements: int, seed: int, *, name: str = "scale",
                           prefix: str = "") -> NetworkDomainSettings:
    """A domain of exactly `n_elements` elements; `prefix` keeps names unique across domains."""
    if n_elements < MIN_ELEMENTS:
        raise ValueError(f"a generated domain needs at least {MIN_ELEMENTS} elements, got {n_elements}")
    b = _Builder(random.Random(seed), prefix)
    n_core = max(3, min(64, round(math.sqrt(n_elements) / 2.5)))
    cores, where = _core(b, n_core)
    rest = n_elements - n_core
    n_pairs = max(1, min(rest // 3, round(rest / (2 + sum(_PES_PER_PAIR) / 2))))
    for pair, pes in enumerate(_split(rest - 2 * n_pairs, n_pairs, b.rng)):
        home = pair % n_core
        # the second AGG homes on the nearest other core router: one core failure keeps the metro up
        other = min((j for j in range(n_core) if j != home), key=lambda j: math.dist(where[home], where[j]))
        agg_a = b.element(f"agg-{pair:04d}-a", "agg")
        agg_b = b.element(f"agg-{pair:04d}-b", "agg")
        b.link(agg_a, cores[home], 100_000, b.rng.uniform(0.2, 1.0))
        b.link(agg_b, cores[other], 100_000, b.rng.uniform(0.2, 1.0))
        _metro(b, pair, agg_a, agg_b, pes)
    return b.config(name)


def generate_topology(n_elements: int, seed: int) -> Topology:
    return Topology.from_config(generate_domain_config(n_elements, seed))
