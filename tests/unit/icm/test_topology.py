from __future__ import annotations

from collections.abc import Callable

import pytest

from cadenza.icm.generate import MIN_ELEMENTS, generate_domain_config, generate_topology
from cadenza.icm.topology import Topology, link_id_for
from cadenza.landscape.config import ElementConfig, LinkConfig, NetworkDomainConfig, PortConfig

Domain = Callable[..., Topology]


def test_link_ids_are_the_sorted_ends_whichever_way_the_link_is_written(domain: Domain) -> None:
    assert link_id_for("b:1", "a:2") == link_id_for("a:2", "b:1") == "a:2|b:1"
    topo = domain([("b", "a", 1.5)])
    (link,) = topo.links.values()
    assert link.id == "a:p0|b:p0"
    assert (link.a.element, link.b.element) == ("a", "b")
    assert link.delay_ms == 1.5


def test_links_and_ports_are_found_from_either_element(domain: Domain) -> None:
    topo = domain([("a", "b", 1.0), ("b", "c", 1.0)], edges=3)
    assert [link.id for link in topo.links_of("b")] == ["a:p0|b:p0", "b:p1|c:p0"]
    assert topo.link_at("c", "p0") is topo.links["b:p1|c:p0"]
    assert topo.links["b:p1|c:p0"].far_end("c").element == "b"
    assert topo.link_at("a", "p1") is None  # the UNI port
    assert topo.edge_points["uni-a"].kind == "uni"


def test_topology_cannot_be_changed_after_construction(domain: Domain) -> None:
    topo = domain([("a", "b", 1.0)])
    with pytest.raises(TypeError):
        topo.links["x"] = topo.links["a:p0|b:p0"]  # type: ignore[index]


def test_a_port_used_by_two_links_is_refused() -> None:
    config = NetworkDomainConfig(
        name="d",
        elements=[ElementConfig(name=n, ports=[PortConfig(name="p")]) for n in "abc"],
        links=[LinkConfig(a="a:p", b="b:p"), LinkConfig(a="a:p", b="c:p")],
    )
    with pytest.raises(ValueError, match="port a:p in d is used by links"):
        Topology.from_config(config)


def test_generator_is_deterministic_per_seed_and_differs_across_seeds() -> None:
    assert generate_domain_config(300, 7) == generate_domain_config(300, 7)
    assert generate_domain_config(300, 7) != generate_domain_config(300, 8)


@pytest.mark.parametrize("n", [MIN_ELEMENTS, 7, 40, 1_000])
def test_generator_yields_exactly_the_elements_asked_for_all_connected(n: int) -> None:
    topo = generate_topology(n, 3)
    assert len(topo.elements) == n
    seen, todo = {"core-000"}, ["core-000"]
    while todo:
        for link in topo.links_of(todo.pop()):
            for end in (link.a.element, link.b.element):
                if end not in seen:
                    seen.add(end)
                    todo.append(end)
    assert seen == set(topo.elements)


def test_generated_unis_sit_on_pes_and_the_shape_is_ring_and_core() -> None:
    topo = generate_topology(1_000, 1)
    roles = {e.role for e in topo.elements.values()}
    assert roles == {"pe", "agg", "core"}
    assert all(topo.elements[e.element].role == "pe" for e in topo.edge_points.values())
    assert all(len(topo.links_of(e.name)) == 2 for e in topo.elements.values() if e.role == "pe")


def test_generator_refuses_a_domain_too_small_for_its_shape() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_domain_config(MIN_ELEMENTS - 1, 1)
