"""PM counters per forwarding construct, integrated from the twin's state over time.

Traffic is offered at the construct's CIR from the moment the ingress element committed it;
what arrives is what the current path delivers. Counters are settled (integrated up to now at
the old rates) before every change that can alter them, so an outage shows as rx frames that
stopped growing while tx went on. Deterministic: no randomness, only twin state and the clock.

Settling is proportional to what a change touches. A construct's rates are a function of what
its walk through the twin met (`measure.Trace`): the elements and links of its path, the one
that broke it included, its own construct on each element, and the load the other constructs
offer on each link it crosses (configuration of the element sending onto it). So each tally
keeps its rates and is indexed by those; a change of the twin (`twin.Touch`) integrates the
tallies that met what it touches up to its moment, and they are measured again once it is
over. A commit touches the tallies of the constructs it changes and, on the ports whose load
it changes, those whose share of the link depends on that load: where the committed rates
fit and a construct has no excess rate to share, its share is its CIR whatever the others
offer, until the committed load there no longer fits (`measure.load_free`). While a change is
in flight a tally whose path meets it waits for it to end (changes of different elements may
run in parallel).
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass

from cadenza.core.clock import iso
from cadenza.ecm.measure import fits, load_free, measure, measured, port_load, trace
from cadenza.ecm.twin import NetworkTwin, Touch
from cadenza.interfaces.adagio.contract import PmCounters

__all__ = ["FRAME_OCTETS", "PmCollector"]

FRAME_OCTETS = 1000  # the test traffic's frame size

Key = tuple[str, str, str]  # forwarding construct, ingress element, ingress port
Place = tuple[str, str]  # (element, construct) or (element, port)


@dataclass(frozen=True, slots=True)
class _Rates:
    """What the twin's state gives a tally, per second, until something its path met changes."""

    started: float | None  # when the ingress construct was configured (None: it is not)
    offered: float = 0.0  # octets/s: the CIR, 0 while the ingress element is down
    keep: float | None = None  # 1 - loss while the path reaches its far end, else None
    carried: float = 0.0  # octets/s: what the path's throughput lets through


@dataclass(slots=True)
class _Tally:
    since: float
    tx_octets: float = 0.0
    rx_octets: float = 0.0
    rates: _Rates | None = None  # None: to be measured again (something it met changed)
    # What `rates` depend on, as indexed: the elements met (the construct's own on each), the
    # links met (id), and the ports it leaves by onto a link, whose load it shares (`shared`)
    # or need not mind while the committed load there fits (`free`).
    elements: tuple[str, ...] = ()
    links: tuple[int, ...] = ()
    shared: tuple[Place, ...] = ()
    free: tuple[Place, ...] = ()

    def integrate(self, rates: _Rates, now: float) -> None:
        """Count up to `now` at `rates` (each step as the full settle of every tally did it)."""
        if rates.started is None:  # not configured (any more): counting starts afresh when it is
            self.since, self.tx_octets, self.rx_octets = now, 0.0, 0.0
            return
        self.since = max(self.since, rates.started)
        elapsed = max(0.0, now - self.since)
        offered = rates.offered * elapsed
        self.tx_octets += offered
        if rates.keep is not None:  # the path delivers at most its throughput, already net of loss
            self.rx_octets += min(offered * rates.keep, rates.carried * elapsed)
        self.since = now


class PmCollector:
    def __init__(self, twin: NetworkTwin) -> None:
        self._twin = twin
        self._tallies: dict[Key, _Tally] = {}
        self._mutex = threading.Lock()
        # The tallies with rates by what those depend on (`_Tally`).
        self._by_element: dict[str, set[Key]] = {}
        self._by_construct: dict[Place, set[Key]] = {}
        self._by_link: dict[int, set[Key]] = {}
        self._by_shared: dict[Place, set[Key]] = {}
        self._by_free: dict[Place, set[Key]] = {}
        # Changes begun and not over, and the tallies waiting for each to be measured again.
        self._busy_elements: Counter[str] = Counter()
        self._busy_links: Counter[int] = Counter()
        self._waiting_elements: dict[str, set[Key]] = {}
        self._waiting_links: dict[int, set[Key]] = {}
        twin.listeners.append(self.before)
        twin.done_listeners.append(self.after)

    def counters(self, fc_id: str, ingress: str, ingress_port: str) -> PmCounters:
        key = (fc_id, ingress, ingress_port)
        with self._mutex:
            tally = self._tallies.get(key)
            if tally is None:
                tally = self._tallies[key] = _Tally(since=-math.inf)  # counts from its configuration
            now = self._twin.clock()
            if tally.rates is None:
                rates = self._measure(key, tally)
                tally.integrate(rates, now)  # a change is in flight: at what holds now, as before
            else:
                tally.integrate(tally.rates, now)
        now_measured = measure(self._twin, fc_id, ingress, ingress_port)
        return PmCounters(fc_id, int(tally.tx_octets // FRAME_OCTETS), int(tally.rx_octets // FRAME_OCTETS),
                          int(tally.tx_octets), int(tally.rx_octets), now_measured.delay_ms,
                          now_measured.loss_ratio, collected_at=iso(),
                          extra={"throughputMbps": now_measured.throughput_mbps})

    # -- the twin tells --------------------------------------------------------------------
    def before(self, touch: Touch) -> None:
        """`touch` is about to change: count what met it up to now at the rates that held."""
        with self._mutex:
            now = self._twin.clock()
            self._busy_elements.update(touch.elements)
            self._busy_links.update(id(link) for link in touch.links)
            met: set[Key] = set()
            for name in touch.elements:
                if touch.constructs is None:
                    met |= self._by_element.get(name, set())
                    continue
                for fc_id in touch.constructs:
                    met |= self._by_construct.get((name, fc_id), set())
                load = port_load(touch.configuration) if touch.configuration is not None else {}
                for port in touch.ports:
                    met |= self._by_shared.get((name, port), set())
                    link = self._twin.link_at(name, port)
                    if link is not None and not fits(link.capacity_mbps, load.get(port, (0, 0))[0]):
                        met |= self._by_free.get((name, port), set())
            for link in touch.links:
                met |= self._by_link.get(id(link), set())
            for key in met:
                tally = self._tallies[key]
                if tally.rates is None:  # only tallies with rates are indexed
                    continue
                tally.integrate(tally.rates, now)
                self._wait(key, list(touch.elements), [id(link) for link in touch.links])
                self._unindex(key, tally)
                tally.rates = None

    def after(self, touch: Touch) -> None:
        """`touch` changed (or failed to): measure again what waited for it."""
        with self._mutex:
            self._busy_elements.subtract(touch.elements)
            self._busy_links.subtract(id(link) for link in touch.links)
            waiting: set[Key] = set()
            for name in touch.elements:
                waiting |= self._waiting_elements.pop(name, set()) if not self._busy_elements[name] else set()
            for link in touch.links:
                waiting |= self._waiting_links.pop(id(link), set()) if not self._busy_links[id(link)] else set()
            for key in waiting:
                tally = self._tallies[key]
                if tally.rates is None:
                    self._measure(key, tally)

    # -- bookkeeping -----------------------------------------------------------------------
    def _measure(self, key: Key, tally: _Tally) -> _Rates:
        """The rates the twin gives `key` now; kept (and indexed) unless what they depend on
        is changing, in which case the tally waits for that change to end."""
        fc_id, ingress, port = key
        walked = trace(self._twin, fc_id, ingress, port)
        ds = self._twin.elements.get(ingress)
        started = ds.configured_at.get(fc_id) if ds else None
        if started is None:
            rates = _Rates(None)
        else:
            fc = ds.running.fcs[fc_id] if ds and ds.up else None
            result = measured(walked)
            rates = _Rates(started, fc.bandwidth.cir_kbps * 125 if fc else 0.0,  # kbit/s -> octets/s
                           1 - result.loss_ratio if result.reachable else None,
                           result.throughput_mbps * 125_000)
        elements = tuple(dict.fromkeys([ingress, *walked.elements]))
        links = tuple(dict.fromkeys(id(link) for link in walked.links))
        shared: list[Place] = []
        free: list[Place] = []
        for link, from_a in walked.crossed:
            name, port = (link.a, link.a_port) if from_a else (link.b, link.b_port)
            data = self._twin.elements[name].running
            green_kbps, hop = port_load(data).get(port, (0, 0))[0], data.fcs.get(fc_id)
            (free if hop and load_free(link.capacity_mbps, green_kbps, hop) else shared).append((name, port))
        busy_elements = [name for name in elements if self._busy_elements[name]]
        busy_links = [link for link in links if self._busy_links[link]]
        if busy_elements or busy_links:
            self._wait(key, busy_elements, busy_links)
        else:
            tally.rates, tally.elements, tally.links = rates, elements, links
            tally.shared, tally.free = tuple(shared), tuple(free)
            for name in elements:
                self._by_element.setdefault(name, set()).add(key)
                self._by_construct.setdefault((name, fc_id), set()).add(key)
            for link in links:
                self._by_link.setdefault(link, set()).add(key)
            for place in shared:
                self._by_shared.setdefault(place, set()).add(key)
            for place in free:
                self._by_free.setdefault(place, set()).add(key)
        return rates

    def _wait(self, key: Key, elements: list[str], links: list[int]) -> None:
        for name in elements:
            self._waiting_elements.setdefault(name, set()).add(key)
        for link in links:
            self._waiting_links.setdefault(link, set()).add(key)

    def _unindex(self, key: Key, tally: _Tally) -> None:
        for name in tally.elements:
            self._by_element[name].discard(key)
            self._by_construct[(name, key[0])].discard(key)
        for link in tally.links:
            self._by_link[link].discard(key)
        for place in tally.shared:
            self._by_shared[place].discard(key)
        for place in tally.free:
            self._by_free[place].discard(key)
        tally.elements, tally.links, tally.shared, tally.free = (), (), (), ()
