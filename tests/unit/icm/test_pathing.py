from __future__ import annotations

import random
import re
from collections.abc import Callable

import networkx as nx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from cadenza.icm.generate import generate_topology
from cadenza.icm.pathing import (
    FreeBandwidth,
    NoPathError,
    Path,
    PathRequest,
    compute_disjoint_paths,
    compute_path,
)
from cadenza.icm.resources import LinkLoad
from cadenza.icm.topology import Topology

Domain = Callable[..., Topology]

# two ways from a to d: a-b-d is 2 ms, a-c-d is 5 ms; e hangs off d
DIAMOND = [("a", "b", 1.0), ("b", "d", 1.0), ("a", "c", 2.0), ("c", "d", 3.0), ("d", "e", 0.5)]


def _link(topo: Topology, x: str, y: str) -> str:
    (link,) = [lk for lk in topo.links_of(x) if {lk.a.element, lk.b.element} == {x, y}]
    return link.id


def _check_walk(topo: Topology, path: Path) -> None:
    """Hops chain element to element over real links, entering and leaving on the link's ports."""
    assert len(path.hops) == len(path.elements) - 1
    for hop, here, there in zip(path.hops, path.elements, path.elements[1:], strict=False):
        link = topo.links[hop.link_id]
        assert (hop.element, hop.next_element) == (here, there)
        assert link.end_at(here).port == hop.egress_port and link.far_end(here).port == hop.ingress_port
    assert path.delay_ms == pytest.approx(sum(hop.delay_ms for hop in path.hops))


def test_the_path_is_the_shortest_by_delay(domain: Domain) -> None:
    topo = domain(DIAMOND)
    path = compute_path(topo, PathRequest("a", "e", 100))
    assert path.elements == ("a", "b", "d", "e")
    assert path.delay_ms == pytest.approx(2.5)
    _check_walk(topo, path)


def test_saturated_links_are_avoided(domain: Domain) -> None:
    topo = domain(DIAMOND)
    path = compute_path(topo, PathRequest("a", "d", 500), available_mbps={_link(topo, "b", "d"): 499})
    assert path.elements == ("a", "c", "d")
    path = compute_path(topo, PathRequest("a", "d", 499), available_mbps={_link(topo, "b", "d"): 499})
    assert path.elements == ("a", "b", "d")


def test_one_picture_of_free_bandwidth_serves_many_requests_and_each_bandwidth_alike(domain: Domain) -> None:
    topo = domain(DIAMOND)
    picture = FreeBandwidth({_link(topo, "b", "d"): 499, _link(topo, "a", "b"): 1e4})
    assert compute_path(topo, PathRequest("a", "d", 500), available_mbps=picture).elements == ("a", "c", "d")
    assert compute_path(topo, PathRequest("a", "d", 499), available_mbps=picture).elements == ("a", "b", "d")
    assert picture.short_of(500) == {_link(topo, "b", "d")} and picture.short_of(10) == frozenset()


def test_the_link_load_mirror_hands_out_a_new_picture_only_after_a_commit() -> None:
    load = LinkLoad()
    load._free, load._loaded_at = {"l1": 100.0}, float("inf")  # as loaded; never stale within this test
    session = Session(create_engine("sqlite://"))
    first = load.snapshot(session, "metro")
    assert load.snapshot(session, "metro") is first
    load.on_commit(session, "l1", 30)
    assert load.snapshot(session, "metro") is first and first["l1"] == 100.0  # not committed yet
    session.commit()
    second = load.snapshot(session, "metro")
    assert second is not first and second["l1"] == 70.0 and first["l1"] == 100.0  # handed out, never changed
    load.on_commit(session, "l1", 30)
    session.rollback()
    assert load.snapshot(session, "metro") is second


def test_availability_may_be_a_function_of_the_link_id(domain: Domain) -> None:
    topo = domain(DIAMOND)
    busy = _link(topo, "a", "b")
    path = compute_path(topo, PathRequest("a", "d", 10), available_mbps=lambda lid: 0.0 if lid == busy else 1e4)
    assert path.elements == ("a", "c", "d")


def test_a_link_narrower_than_the_request_is_avoided(domain: Domain) -> None:
    topo = domain(DIAMOND, capacity=1_000)
    with pytest.raises(NoPathError, match="with 2,000 Mbit/s free"):
        compute_path(topo, PathRequest("a", "d", 2_000))


def test_down_links_are_avoided(domain: Domain) -> None:
    topo = domain(DIAMOND)
    path = compute_path(topo, PathRequest("a", "e", 1), down_links={_link(topo, "a", "b")})
    assert path.elements == ("a", "c", "d", "e")


def test_excluded_links_and_elements_are_avoided(domain: Domain) -> None:
    topo = domain(DIAMOND)
    assert compute_path(topo, PathRequest("a", "d", 1, exclude_elements=frozenset({"b"}))).elements == ("a", "c", "d")
    request = PathRequest("a", "d", 1, exclude_links=frozenset({_link(topo, "b", "d")}))
    assert compute_path(topo, request).elements == ("a", "c", "d")


def test_too_much_delay_is_refused_with_the_delay_and_the_bound(domain: Domain) -> None:
    topo = domain(DIAMOND)
    with pytest.raises(NoPathError, match=r"delay 2\.5 ms, more than the maximum 2 ms \(via a -> b -> d -> e\)"):
        compute_path(topo, PathRequest("a", "e", 100, max_delay_ms=2.0))
    assert compute_path(topo, PathRequest("a", "e", 100, max_delay_ms=2.5)).delay_ms == pytest.approx(2.5)


def test_a_refusal_names_the_saturated_links(domain: Domain) -> None:
    topo = domain(DIAMOND)
    full = {_link(topo, "a", "b"): 120.0, _link(topo, "c", "d"): 0.0}
    with pytest.raises(NoPathError) as refused:
        compute_path(topo, PathRequest("a", "d", 500), available_mbps=full)
    assert "no path from a to d with 500 Mbit/s free" in refused.value.reason
    assert f"{_link(topo, 'a', 'b')} has 120 Mbit/s" in refused.value.reason


def test_a_refusal_names_the_down_links(domain: Domain) -> None:
    topo = domain(DIAMOND)
    with pytest.raises(NoPathError, match=f"down .*{re.escape(_link(topo, 'd', 'e'))}"):
        compute_path(topo, PathRequest("a", "e", 1), down_links={_link(topo, "d", "e")})


def test_a_refusal_tells_unconnected_and_unknown_elements_apart(domain: Domain) -> None:
    topo = domain([("a", "b", 1.0), ("c", "d", 1.0)])
    with pytest.raises(NoPathError, match="a and c are not connected in network domain test"):
        compute_path(topo, PathRequest("a", "c", 1))
    with pytest.raises(NoPathError, match="target element 'zz' is not in network domain test"):
        compute_path(topo, PathRequest("a", "zz", 1))


def test_two_edge_points_on_one_element_get_a_path_without_hops(domain: Domain) -> None:
    topo = domain(DIAMOND)
    path = compute_path(topo, PathRequest("c", "c", 10_000, max_delay_ms=0))
    assert (path.elements, path.hops, path.delay_ms) == (("c",), (), 0.0)


def _assert_disjoint(first: Path, second: Path) -> None:
    assert not set(first.link_ids) & set(second.link_ids)
    assert not set(first.elements[1:-1]) & set(second.elements[1:-1])
    assert first.elements[0] == second.elements[0] and first.elements[-1] == second.elements[-1]


def test_disjoint_paths_share_no_link_and_no_element_between_the_ends(domain: Domain) -> None:
    topo = domain(DIAMOND)
    first, second = compute_disjoint_paths(topo, PathRequest("a", "d", 10))
    assert (first.elements, second.elements) == (("a", "b", "d"), ("a", "c", "d"))
    _check_walk(topo, first)
    _check_walk(topo, second)


def test_disjoint_paths_are_found_in_a_trap_where_removing_the_shortest_path_fails(domain: Domain) -> None:
    # the shortest path s-a-b-t blocks both detours; only s-a-y-t with s-x-b-t works
    trap = [("s", "a", 1), ("a", "b", 1), ("b", "t", 1), ("s", "x", 2), ("x", "b", 2), ("a", "y", 2), ("y", "t", 2)]
    topo = domain(trap)
    first, second = compute_disjoint_paths(topo, PathRequest("s", "t", 1))
    _assert_disjoint(first, second)
    assert {first.elements, second.elements} == {("s", "a", "y", "t"), ("s", "x", "b", "t")}


def test_disjoint_paths_respect_bandwidth_and_name_the_single_point_of_failure(domain: Domain) -> None:
    topo = domain(DIAMOND)
    with pytest.raises(NoPathError, match="no two disjoint paths from a to e: every route passes through element d"):
        compute_disjoint_paths(topo, PathRequest("a", "e", 10))
    ring = re.escape(f"{_link(topo, 'a', 'b')}, {_link(topo, 'b', 'd')}")
    with pytest.raises(NoPathError, match=f"every route crosses links {ring}"):
        compute_disjoint_paths(topo, PathRequest("a", "d", 10), available_mbps={_link(topo, "c", "d"): 5})


def test_disjoint_paths_both_meet_the_delay_bound_or_are_refused(domain: Domain) -> None:
    topo = domain(DIAMOND)
    with pytest.raises(NoPathError, match="longer of the two disjoint paths .* delay 5 ms"):
        compute_disjoint_paths(topo, PathRequest("a", "d", 10, max_delay_ms=4))


def _nx_graph(topo: Topology, bw: float, free: dict[str, float], down: set[str], out: frozenset[str]) -> nx.MultiGraph:
    graph = nx.MultiGraph()
    graph.add_nodes_from(e for e in topo.elements if e not in out)
    for link in topo.links.values():
        usable = link.id not in down and free.get(link.id, link.capacity_mbps) >= bw
        if usable and link.a.element not in out and link.b.element not in out:
            graph.add_edge(link.a.element, link.b.element, weight=link.delay_ms)
    return graph


def _nx_disjoint_total(graph: nx.MultiGraph, s: str, t: str) -> float | None:
    """Least total delay of two element-disjoint paths, as a min-cost flow on the split graph."""
    flow = nx.DiGraph()
    for u in graph.nodes:
        flow.add_edge((u, "in"), (u, "out"), capacity=2 if u in (s, t) else 1, weight=0)
    for k, (u, v, d) in enumerate(graph.edges(data="weight")):
        for x, y in ((u, v), (v, u)):  # a middle node per direction keeps parallel links apart
            flow.add_edge((x, "out"), (k, x), capacity=1, weight=round(d * 10))
            flow.add_edge((k, x), (y, "in"), capacity=1, weight=0)
    flow.add_node((s, "in"), demand=-2)
    flow.add_node((t, "out"), demand=2)
    try:
        return nx.min_cost_flow_cost(flow) / 10
    except nx.NetworkXUnfeasible:
        return None


def test_paths_agree_with_networkx_on_random_domains(random_domain: Callable[[random.Random, int], Topology]) -> None:
    checked = 0
    for trial in range(150):
        rng = random.Random(trial)
        topo = random_domain(rng, rng.randint(2, 12))
        down = {lid for lid in topo.links if rng.random() < 0.15}
        free = {lid: rng.choice([50.0, 500.0]) for lid in topo.links if rng.random() < 0.3}
        bw = rng.choice([10.0, 200.0])
        out = frozenset(rng.sample(sorted(topo.elements), 1)) if rng.random() < 0.3 else frozenset()
        reference = _nx_graph(topo, bw, free, down, out)
        ends = sorted(set(topo.elements) - out)
        for s, t in [(rng.choice(ends), rng.choice(ends)) for _ in range(6)]:
            request = PathRequest(s, t, bw, exclude_elements=out)
            try:
                want: float | None = nx.shortest_path_length(reference, s, t, weight="weight")
            except nx.NetworkXNoPath:
                want = None
            try:
                path = compute_path(topo, request, available_mbps=free, down_links=down)
            except NoPathError:
                assert want is None, (trial, s, t)
            else:
                assert want is not None and path.delay_ms == pytest.approx(want), (trial, s, t)
                assert len(set(path.elements)) == len(path.elements)
                assert not set(path.link_ids) & down and not set(path.elements) & out
                _check_walk(topo, path)
                checked += 1
            if s == t:
                continue
            want_pair = _nx_disjoint_total(reference, s, t)
            try:
                pair = compute_disjoint_paths(topo, request, available_mbps=free, down_links=down)
            except NoPathError:
                assert want_pair is None, (trial, s, t)
            else:
                assert want_pair is not None, (trial, s, t)
                assert pair[0].delay_ms + pair[1].delay_ms == pytest.approx(want_pair), (trial, s, t)
                _assert_disjoint(*pair)
    assert checked > 200  # the random domains really exercised found paths


def test_paths_through_generated_metro_rings_agree_with_networkx() -> None:
    topo = generate_topology(300, 5)
    rng = random.Random(2)
    down = set(rng.sample(sorted(topo.links), 6))
    reference = _nx_graph(topo, 1.0, {}, down, frozenset())
    pes = sorted(e for e, el in topo.elements.items() if el.role == "pe")
    for _ in range(60):
        s, t = rng.choice(pes), rng.choice(pes)
        try:
            want: float | None = nx.shortest_path_length(reference, s, t, weight="weight")
        except nx.NetworkXNoPath:
            want = None
        try:
            got: float | None = compute_path(topo, PathRequest(s, t, 1.0), down_links=down).delay_ms
        except NoPathError:
            got = None
        assert got == (None if want is None else pytest.approx(want)), (s, t)
        if s != t and got is not None:
            try:
                pair = compute_disjoint_paths(topo, PathRequest(s, t, 1.0), down_links=down)
            except NoPathError:
                assert _nx_disjoint_total(reference, s, t) is None
            else:
                _assert_disjoint(*pair)
