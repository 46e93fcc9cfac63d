"""Small network domains written out by hand, and seeded random ones, for the ICM tests."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from cadenza.icm.topology import Topology
from cadenza.landscape.config import EdgePointConfig, ElementConfig, LinkConfig, NetworkDomainConfig, PortConfig


def make_domain(links: list[tuple[str, str, float]], *, capacity: int = 10_000, edges: int = 0) -> Topology:
    """Links given as (element, element, delay); ports are numbered per element in order of use."""
    ports: dict[str, list[str]] = {}

    def port(element: str) -> str:
        ports.setdefault(element, [])
        ports[element].append(f"p{len(ports[element])}")
        return f"{element}:{ports[element][-1]}"

    link_cfgs = [LinkConfig(a=port(a), b=port(b), capacity_mbps=capacity, delay_ms=d) for a, b, d in links]
    edge_cfgs = [
        EdgePointConfig(id=f"uni-{e}", kind="uni", element=e, port=port(e).split(":", 1)[1])
        for e in sorted(ports)[:edges]
    ]
    elements = [ElementConfig(name=e, ports=[PortConfig(name=p) for p in ps]) for e, ps in sorted(ports.items())]
    return Topology.from_config(
        NetworkDomainConfig(name="test", elements=elements, links=link_cfgs, edge_points=edge_cfgs)
    )


def _random_domain(rng: random.Random, n: int) -> Topology:
    """A random multigraph with parallel links, zero delays, chains and isolated parts."""
    links = []
    for _ in range(rng.randint(n - 1, 2 * n)):
        a, b = rng.sample(range(n), 2)
        links.append((f"e{a}", f"e{b}", rng.choice([0.0, 0.5, 1.0, 2.0, 3.3])))
    return make_domain(links)


@pytest.fixture
def domain() -> Callable[..., Topology]:
    return make_domain


@pytest.fixture
def random_domain() -> Callable[[random.Random, int], Topology]:
    return _random_domain
