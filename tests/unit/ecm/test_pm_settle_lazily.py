"""The PM collector settles only what a change can affect, and counts exactly as settling every
tally before every change did: a randomized run of commits, reroutes, faults, degradations and
restores on a clock, every counter read compared with that full settle (kept here as the
reference model)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from ecm_chain import FakeClock

from cadenza.ecm import counters
from cadenza.ecm.counters import FRAME_OCTETS, PmCollector
from cadenza.ecm.datastore import ElementDatastore
from cadenza.ecm.errors import ElementDown, RpcError
from cadenza.ecm.measure import Trace, measure, port_load, trace
from cadenza.ecm.model import Edit, ElementData, fc_to_raw
from cadenza.ecm.settings import EcmSettings
from cadenza.ecm.twin import NetworkTwin, Touch
from cadenza.interfaces.adagio.contract import BandwidthProfile, FcEndPoint, ForwardingConstruct, PmCounters


@dataclass
class _RefTally:
    since: float
    tx_octets: float = 0.0
    rx_octets: float = 0.0


class _FullSettle:
    """The collector as it was: every tally integrated, through `measure`, before every change."""

    def __init__(self, twin: NetworkTwin) -> None:
        self._twin = twin
        self._tallies: dict[tuple[str, str, str], _RefTally] = {}
        twin.listeners.append(lambda _touch: self.settle())

    def counters(self, fc_id: str, ingress: str, ingress_port: str) -> tuple[int, int, int, int]:
        key = (fc_id, ingress, ingress_port)
        self._settle_one(key)
        tally = self._tallies[key]
        return (int(tally.tx_octets // FRAME_OCTETS), int(tally.rx_octets // FRAME_OCTETS), int(tally.tx_octets),
                int(tally.rx_octets))

    def settle(self) -> None:
        for key in list(self._tallies):
            self._settle_one(key)

    def _settle_one(self, key: tuple[str, str, str]) -> None:
        fc_id, ingress, port = key
        ds = self._twin.elements.get(ingress)
        started = ds.configured_at.get(fc_id) if ds else None
        if started is None:
            self._tallies[key] = _RefTally(since=self._twin.clock())
            return
        tally = self._tallies.setdefault(key, _RefTally(since=started))
        tally.since = max(tally.since, started)
        now = self._twin.clock()
        elapsed = max(0.0, now - tally.since)
        fc = ds.running.fcs[fc_id] if ds and ds.up else None
        offered = fc.bandwidth.cir_kbps * 125 * elapsed if fc else 0.0
        result = measure(self._twin, fc_id, ingress, port)
        tally.tx_octets += offered
        if result.reachable:
            tally.rx_octets += min(offered * (1 - result.loss_ratio), result.throughput_mbps * 125_000 * elapsed)
        tally.since = now


def _mesh() -> EcmSettings:
    """pe1 -- p1 -- pe2 and pe1 -- p2 -- pe2, p1 -- p2 across: four routes, links narrow enough to share."""
    def element(name: str, ports: list[str]) -> dict:
        return {"name": name, "ports": [{"name": p, "speed_mbps": 1000} for p in ports]}

    return EcmSettings.model_validate({
        "twin": {"driver": "scale", "persist": False},
        "network_domains": [{
            "name": "mesh",
            "elements": [element("pe1", ["uni", "a", "b"]), element("p1", ["w", "e", "s"]),
                         element("p2", ["w", "e", "n"]), element("pe2", ["uni", "a", "b"])],
            "links": [{"a": "pe1:a", "b": "p1:w", "capacity_mbps": 100, "delay_ms": 1.0, "loss_ratio": 0.01},
                      {"a": "pe1:b", "b": "p2:w", "capacity_mbps": 60, "delay_ms": 2.0},
                      {"a": "p1:e", "b": "pe2:a", "capacity_mbps": 80, "delay_ms": 1.5},
                      {"a": "p2:e", "b": "pe2:b", "capacity_mbps": 100, "delay_ms": 0.5, "loss_ratio": 0.002},
                      {"a": "p1:s", "b": "p2:n", "capacity_mbps": 50, "delay_ms": 0.25}],
        }],
    })


_ROUTES = [  # (element, port towards pe1:uni, port towards pe2:uni)
    [("pe1", "uni", "a"), ("p1", "w", "e"), ("pe2", "a", "uni")],
    [("pe1", "uni", "b"), ("p2", "w", "e"), ("pe2", "b", "uni")],
    [("pe1", "uni", "a"), ("p1", "w", "s"), ("p2", "n", "e"), ("pe2", "b", "uni")],
    [("pe1", "uni", "b"), ("p2", "w", "n"), ("p1", "s", "e"), ("pe2", "a", "uni")],
]
_SERVICES = [f"svc-{i}" for i in range(8)]
_KEYS = [(svc, end, "uni") for svc in [*_SERVICES, "svc-never"] for end in ("pe1", "pe2")]


def _construct(fc_id: str, a: str, z: str, cir_mbps: int, eir_mbps: int) -> ForwardingConstruct:
    vlan = 100 + int(fc_id.split("-")[1])
    return ForwardingConstruct(fc_id, (FcEndPoint(a, vlan), FcEndPoint(z, vlan)),
                               BandwidthProfile(cir_kbps=cir_mbps * 1000, eir_kbps=eir_mbps * 1000))


def _commit(ds: ElementDatastore, edit: Edit) -> None:
    try:
        ds.lock("candidate", "test")
    except ElementDown:
        return  # a failed element takes no change
    try:
        ds.edit([edit], "test")
        ds.commit("test")
    except RpcError:
        ds.discard("test")
    finally:
        ds.unlock("candidate", "test")


class _Driver:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.clock = FakeClock()
        self.twin = NetworkTwin(_mesh(), clock=self.clock)
        self.collector = PmCollector(self.twin)
        self.reference = _FullSettle(self.twin)
        self.reads = 0
        self.outage_reads = 0  # reads where traffic was lost along the way
        self.counting_reads = 0

    def tick(self) -> None:
        self.clock.now += self.rng.choice([0, 0.25, 1, 2.5, 10, 60])  # dyadic: tx sums stay exact

    def replace(self, element: str, fc: ForwardingConstruct) -> None:
        self.tick()
        _commit(self.twin.elements[element], Edit("replace", "forwarding-construct", fc.fc_id, fc_to_raw(fc), fc))
        self.check_load(element)

    def remove(self, element: str, fc_id: str) -> None:
        self.tick()
        _commit(self.twin.elements[element], Edit("remove", "forwarding-construct", fc_id))
        self.check_load(element)

    def check_load(self, element: str) -> None:
        """The load a commit carried over from the configuration before is the load summed afresh."""
        running = self.twin.elements[element].running
        carried = {port: load for port, load in port_load(running).items() if load != (0, 0)}
        assert carried == port_load(ElementData(ports=dict(running.ports), fcs=dict(running.fcs)))

    def route(self) -> None:
        """Configure (or reroute) a service over a route, element by element, in any order."""
        svc, route = self.rng.choice(_SERVICES), self.rng.choice(_ROUTES)
        cir, eir = self.rng.choice([5, 20, 40, 70]), self.rng.choice([0, 0, 10, 30])
        hops = list(route)
        self.rng.shuffle(hops)
        for element, a, z in hops:
            self.replace(element, _construct(svc, a, z, cir, eir))
            if self.rng.random() < 0.3:
                self.read()
        for element in {"p1", "p2"} - {e for e, _, _ in route}:
            self.remove(element, svc)

    def step(self) -> None:
        rng, twin = self.rng, self.twin
        links = [(f"{lk.a}:{lk.a_port}", f"{lk.b}:{lk.b_port}") for lk in twin.links]
        down_links = [(f"{lk.a}:{lk.a_port}", f"{lk.b}:{lk.b_port}") for lk in twin.links if not lk.up]
        down_elements = [name for name, ds in twin.elements.items() if not ds.up]
        ports = [("pe1", "uni"), ("p1", "e"), ("p2", "w"), ("pe2", "b")]
        actions: list[tuple[int, Callable[[], object]]] = [
            (6, self.route),
            (1, lambda: self.remove(rng.choice(list(twin.elements)), rng.choice(_SERVICES))),
            (1, lambda: self.replace(*self._policer_change())),
            (1, lambda: twin.fail_link(*rng.choice(links))),
            (2 * bool(down_links), lambda: twin.restore_link(*rng.choice(down_links))),
            (2, lambda: twin.degrade_link(*rng.choice(links), capacity_mbps=rng.choice([10, 30, 100, 1000]),
                                          loss_ratio=rng.choice([None, 0.0, 0.05]),
                                          delay_ms=rng.choice([None, 4.0]))),
            (1, lambda: twin.fail_element(rng.choice(list(twin.elements)))),
            (2 * bool(down_elements), lambda: twin.restore_element(rng.choice(down_elements))),
            (1, lambda: twin.fail_port(*rng.choice(ports))),
            (2 * bool(twin.down_ports), lambda: twin.restore_port(*rng.choice(sorted(twin.down_ports)))),
            (1, self.tick),
        ]
        self.tick()
        rng.choices([act for _, act in actions], weights=[w for w, _ in actions])[0]()
        while rng.random() < 0.5:
            self.read()

    def _policer_change(self) -> tuple[str, ForwardingConstruct]:
        """One element's construct with another CIR (as drift would leave it)."""
        element = self.rng.choice(list(self.twin.elements))
        running = self.twin.elements[element].running.fcs
        fc = running[self.rng.choice(sorted(running))] if running else _construct("svc-0", "uni", "a", 5, 0)
        return element, ForwardingConstruct(fc.fc_id, fc.end_points,
                                            BandwidthProfile(cir_kbps=self.rng.choice([1, 15, 45]) * 1000,
                                                             eir_kbps=fc.bandwidth.eir_kbps))

    def read(self, key: tuple[str, str, str] | None = None) -> None:
        key = key or self.rng.choice(_KEYS)
        got = self.collector.counters(*key)
        self.check(key, got, self.reference.counters(*key))

    def check(self, key: tuple[str, str, str], got: PmCounters, want: tuple[int, int, int, int]) -> None:
        self.reads += 1
        tx_frames, rx_frames, tx_octets, rx_octets = want
        where = f"{key} at {self.clock.now}"
        assert (got.tx_frames, got.tx_octets) == (tx_frames, tx_octets), where
        # rx sums products of rates and times: summed over fewer, longer stretches it may round
        # differently, by less than an octet
        assert abs(got.rx_octets - rx_octets) <= 1, where
        assert abs(got.rx_frames - rx_frames) <= 1, where
        now = measure(self.twin, *key)
        assert (got.delay_ms, got.loss_ratio, got.extra["throughputMbps"]) == \
            (now.delay_ms, now.loss_ratio, now.throughput_mbps), where
        self.counting_reads += rx_octets > 0
        self.outage_reads += rx_octets < 0.95 * tx_octets


@pytest.mark.parametrize("seed", range(6))
def test_counters_settled_by_what_changed_equal_settling_everything_before_every_change(seed: int) -> None:
    driver = _Driver(seed)
    for _ in range(400):
        driver.step()
    for key in _KEYS:
        driver.tick()
        driver.read(key)
    # the run exercised what it claims to: counting, and paths that lost traffic on the way
    assert driver.reads > 300
    assert driver.counting_reads > 50
    assert driver.outage_reads > 20


def test_a_reroute_settles_only_the_tallies_of_the_paths_it_touches(monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit on p2 measures again the services crossing p2, not those over p1 alone."""
    driver = _Driver(0)
    for i, route in enumerate([0, 0, 1]):
        for element, a, z in _ROUTES[route]:
            driver.replace(element, _construct(f"svc-{i}", a, z, 20, 0))
        driver.read((f"svc-{i}", "pe1", "uni"))
    walked: list[str] = []

    def counting_trace(twin: NetworkTwin, fc_id: str, ingress: str, port: str) -> Trace:
        walked.append(fc_id)
        return trace(twin, fc_id, ingress, port)

    monkeypatch.setattr(counters, "trace", counting_trace)
    driver.replace("p2", _construct("svc-2", "w", "e", 30, 0))
    assert walked == ["svc-2"]
    monkeypatch.undo()
    for i in range(3):
        driver.read((f"svc-{i}", "pe1", "uni"))


def test_a_change_in_flight_holds_the_tallies_it_meets_until_it_is_over() -> None:
    """Commits of different elements overlap: a tally measured while one of them is in flight
    (here: between its before and its after) is measured again when it ends."""
    driver = _Driver(1)
    for element, a, z in _ROUTES[0]:
        driver.replace(element, _construct("svc-0", a, z, 20, 0))
    key = ("svc-0", "pe1", "uni")
    driver.read(key)
    entered, release = threading.Event(), threading.Event()

    def hold(touch: Touch) -> None:
        if touch.elements == {"p1"}:
            entered.set()
            assert release.wait(10)

    driver.twin.listeners.append(hold)
    commit = threading.Thread(target=driver.remove, args=("p1", "svc-0"))
    commit.start()
    assert entered.wait(10)
    driver.clock.now += 10
    driver.twin.degrade_link("pe1:b", "p2:w", capacity_mbps=40)  # another change, over meanwhile
    driver.read(key)  # the tally waits for p1: read at what holds now
    release.set()
    commit.join(10)
    driver.clock.now += 30
    driver.read(key)  # p1 lost the construct: nothing arrived since
    got = driver.collector.counters(*key)
    driver.clock.now += 30
    assert driver.collector.counters(*key).rx_octets == got.rx_octets
    assert driver.collector.counters(*key).tx_octets > got.tx_octets
