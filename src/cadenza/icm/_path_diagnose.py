"""Reasons a person can act on when no path satisfies a request.

Runs only after a search failed, relaxing one constraint at a time (exclusions only, then down
links, then bandwidth) to find the first one that cuts source from target, and names the
blocking links on the shortest route that the relaxed search finds.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING

from cadenza.icm._path_search import shortest

if TYPE_CHECKING:
    from cadenza.icm.pathing import PathRequest
    from cadenza.icm.topology import Topology

__all__ = ["diagnose", "too_slow"]


def _mbps(value: float) -> str:
    return f"{value:,.0f} Mbit/s" if value >= 10 else f"{value:g} Mbit/s"


def _ms(value: float) -> str:
    return f"{round(value, 3):g} ms"


def diagnose(
    topology: Topology,
    request: PathRequest,
    down: Collection[int],
    free: Callable[[int], float],
    banned: Collection[int],
) -> str:
    graph = topology.graph
    src, dst = request.source_element, request.target_element
    s, t = graph.index[src], graph.index[dst]
    excluded = {graph.link_index[lid] for lid in request.exclude_links if lid in graph.link_index}
    loose = shortest(graph, s, t, lambda li: li not in excluded, banned, excluded)
    if loose is None:
        leaving_out = " once the excluded links and elements are left out" if excluded or banned else ""
        return f"{src} and {dst} are not connected in network domain {topology.domain}{leaving_out}"
    up = shortest(graph, s, t, lambda li: li not in excluded and li not in down, banned, excluded | set(down))
    if up is None:
        cut = [graph.link_ids[li] for li in loose[2] if li in down]
        return f"no path from {src} to {dst}: every route crosses a link that is down (the shortest needs {_list(cut)})"
    full = [f"{graph.link_ids[li]} has {_mbps(free(li))}" for li in up[2] if free(li) < request.bandwidth_mbps]
    return (
        f"no path from {src} to {dst} with {_mbps(request.bandwidth_mbps)} free: every route crosses a saturated "
        f"link (on the shortest route that is up, {_list(full)} free)"
    )


def too_slow(request: PathRequest, delay_ms: float, elements: Sequence[str], what: str) -> str:
    assert request.max_delay_ms is not None
    return (
        f"{what} from {request.source_element} to {request.target_element} with {_mbps(request.bandwidth_mbps)} "
        f"free has delay {_ms(delay_ms)}, more than the maximum {_ms(request.max_delay_ms)} "
        f"(via {' -> '.join(elements)})"
    )


def _list(items: Sequence[str]) -> str:
    return ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")
