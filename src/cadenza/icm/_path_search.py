"""Exact least-delay search: bidirectional Dijkstra over the chain-contracted graph.

Source and target may sit inside a chain; each then enters the contracted graph at the chain
end(s) it can reach, as a seed whose distance is the chain segment's delay. Bidirectional
search settles roughly the two half-radius balls around source and target instead of the
full-radius ball; it stops once the smallest keys of both queues add up to at least the best
distance seen (Pohl; Goldberg & Harrelson), which keeps the answer exactly the shortest.
Link usability is asked lazily, only for links the search actually reaches.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from heapq import heappop, heappush

from cadenza.icm._path_contract import Chain, Contracted
from cadenza.icm._path_graph import IndexedGraph

__all__ = ["Found", "Seed", "Seeds", "Usable", "hop", "same_chain", "seeds", "shortest"]

# (total delay, nodes from source to target, link indices between them)
Found = tuple[float, list[int], list[int]]
Seed = tuple[int, float, list[int], list[int]]  # kept element, delay, nodes and links in path order
Seeds = dict[int, tuple[float, list[int], list[int]]]
_INF = float("inf")


class Usable:
    """Per-request verdicts on links and chains, each decided at most once.

    `suspects`, when given, holds every link that may fail for a reason other than its
    capacity (down, excluded, or with less free than asked); a chain whose narrowest link is
    wide enough and that holds no suspect is then usable without looking at its links.
    """

    def __init__(
        self,
        cg: Contracted,
        link_ok: Callable[[int], bool],
        banned_nodes: Collection[int],
        suspects: Collection[int] | None = None,
        bandwidth: float = 0.0,
    ) -> None:
        self._link_ok = link_ok
        self.banned = banned_nodes
        self._links: dict[int, bool] = {}
        self._chains: dict[int, bool] = {}
        self._suspects = suspects is not None
        self._bad = {cg.link_chain[li] for li in suspects or ()} | {
            cg.where[n][0] for n in banned_nodes if n in cg.where
        }
        self._wide = cg.min_capacity
        self._bandwidth = bandwidth

    def link(self, li: int) -> bool:
        ok = self._links.get(li)
        if ok is None:
            ok = self._links[li] = self._link_ok(li)
        return ok

    def segment(self, chain: Chain, i: int, j: int) -> bool:
        lo, hi = min(i, j), max(i, j)
        banned = self.banned
        return all(self.link(chain.links[k]) for k in range(lo, hi)) and not any(
            chain.nodes[k] in banned for k in range(lo + 1, hi)
        )

    def chain(self, ci: int, chain: Chain) -> bool:
        ok = self._chains.get(ci)
        if ok is None:
            if self._suspects and ci not in self._bad and self._wide[ci] >= self._bandwidth:
                ok = True
            else:
                ok = self.segment(chain, 0, len(chain.nodes) - 1)
            self._chains[ci] = ok
        return ok


def shortest(
    graph: IndexedGraph,
    source: int,
    target: int,
    link_ok: Callable[[int], bool],
    banned_nodes: Collection[int] = (),
    suspects: Collection[int] | None = None,
    bandwidth: float = 0.0,
) -> Found | None:
    """The least-delay path from source to target over links link_ok accepts, or None.

    `suspects` and `bandwidth` are an optional shortcut, see Usable; results are the same.
    """
    if source == target:
        return 0.0, [source], []
    cg = graph.contracted
    usable = Usable(cg, link_ok, banned_nodes, suspects, bandwidth)
    fwd = _best_seeds(seeds(cg, usable, source, target, outward=True))
    bwd = _best_seeds(seeds(cg, usable, target, source, outward=False))
    best, direct = same_chain(cg, usable, source, target)
    meet: tuple[int, dict[int, tuple[int, int]], dict[int, tuple[int, int]]] | None = None
    for node in fwd.keys() & bwd.keys():
        if fwd[node][0] + bwd[node][0] < best:
            best, meet = fwd[node][0] + bwd[node][0], (node, {}, {})
    # a path leaving source's (or target's) chain cannot use that chain again
    barred = {cg.where[n][0] for n in (source, target) if n in cg.where}
    searched = _bidirectional(cg, usable, fwd, bwd, barred, best)
    if searched is not None:
        best, meet = searched
    if meet is not None:
        return best, *_stitch(cg, fwd, bwd, *meet)
    if direct is not None:
        return best, *direct
    return None


def seeds(cg: Contracted, usable: Usable, node: int, other: int, *, outward: bool) -> list[Seed]:
    """Where a walk from (outward) or to `node` can join the contracted graph: one entry per chain end."""
    if node in usable.banned:
        return []
    if cg.kept[node]:
        return [(node, 0.0, [node], [])]
    ci, pos = cg.where[node]
    chain = cg.chains[ci]
    other_pos = cg.where[other][1] if cg.where.get(other, (-1,))[0] == ci else None
    found: list[Seed] = []
    for end in (0, len(chain.nodes) - 1):
        if other_pos is not None and min(pos, end) < other_pos < max(pos, end):
            continue  # that way runs through the other endpoint of the request
        end_node = chain.nodes[end]
        if end_node in usable.banned or not usable.segment(chain, pos, end):
            continue
        nodes, links = chain.segment(pos, end) if outward else chain.segment(end, pos)
        found.append((end_node, abs(chain.cum[end] - chain.cum[pos]), nodes, links))
    return found


def _best_seeds(found: list[Seed]) -> Seeds:
    """Both ends of a ring hanging off one element are the same element: keep the nearer way."""
    best: Seeds = {}
    for node, d, nodes, links in found:
        if node not in best or d < best[node][0]:
            best[node] = (d, nodes, links)
    return best


def same_chain(
    cg: Contracted, usable: Usable, source: int, target: int
) -> tuple[float, tuple[list[int], list[int]] | None]:
    """The direct walk when source and target are interior to the same chain."""
    s_at, t_at = cg.where.get(source), cg.where.get(target)
    if s_at is None or t_at is None or s_at[0] != t_at[0]:
        return _INF, None
    chain = cg.chains[s_at[0]]
    if not usable.segment(chain, s_at[1], t_at[1]):
        return _INF, None
    return abs(chain.cum[t_at[1]] - chain.cum[s_at[1]]), chain.segment(s_at[1], t_at[1])


def _bidirectional(
    cg: Contracted, usable: Usable, fwd: Seeds, bwd: Seeds, barred: set[int], best: float
) -> tuple[float, tuple[int, dict[int, tuple[int, int]], dict[int, tuple[int, int]]]] | None:
    adj, chains = cg.adj, cg.chains
    dist = ({n: s[0] for n, s in fwd.items()}, {n: s[0] for n, s in bwd.items()})
    pred: tuple[dict[int, tuple[int, int]], dict[int, tuple[int, int]]] = ({}, {})
    heaps = ([(d, n) for n, d in dist[0].items()], [(d, n) for n, d in dist[1].items()])
    for heap in heaps:
        heap.sort()
    settled: tuple[set[int], set[int]] = (set(), set())
    banned = usable.banned
    meet = -1
    while heaps[0] and heaps[1]:
        if heaps[0][0][0] + heaps[1][0][0] >= best:
            break
        # grow the side with the smaller frontier: keeps the two balls balanced in work
        side = 0 if len(heaps[0]) <= len(heaps[1]) else 1
        d, u = heappop(heaps[side])
        done = settled[side]
        if u in done:
            continue
        done.add(u)
        mine, theirs, back, heap = dist[side], dist[1 - side], pred[side], heaps[side]
        for v, ci in adj[u]:
            chain = chains[ci]
            nd = d + chain.cum[-1]
            if nd >= mine.get(v, _INF) or v in banned or ci in barred or not usable.chain(ci, chain):
                continue
            mine[v] = nd
            back[v] = (u, ci)
            heappush(heap, (nd, v))
            other = theirs.get(v)
            if other is not None and nd + other < best:
                best, meet = nd + other, v
    if meet < 0:
        return None
    return best, (meet, pred[0], pred[1])


def hop(chain: Chain, u: int) -> tuple[list[int], list[int]]:
    last = len(chain.nodes) - 1
    return chain.segment(0, last) if chain.nodes[0] == u else chain.segment(last, 0)


def _stitch(
    cg: Contracted,
    fwd: Seeds,
    bwd: Seeds,
    meet: int,
    pred_f: dict[int, tuple[int, int]],
    pred_b: dict[int, tuple[int, int]],
) -> tuple[list[int], list[int]]:
    hops: list[tuple[list[int], list[int]]] = []
    node = meet
    while node in pred_f:
        prev, ci = pred_f[node]
        hops.append(hop(cg.chains[ci], prev))
        node = prev
    nodes, links = list(fwd[node][1]), list(fwd[node][2])
    for hop_nodes, hop_links in reversed(hops):
        nodes.extend(hop_nodes[1:])
        links.extend(hop_links)
    node = meet
    while node in pred_b:
        nxt, ci = pred_b[node]
        hop_nodes, hop_links = hop(cg.chains[ci], node)
        nodes.extend(hop_nodes[1:])
        links.extend(hop_links)
        node = nxt
    nodes.extend(bwd[node][1][1:])
    links.extend(bwd[node][2])
    return nodes, links
