"""The network twin: the simulated elements of a domain and the links between them.

Elements are `ElementDatastore`s (what the NETCONF servers or the scale driver serve); links
carry capacity, delay, loss and an up/down state. Faults are injected here on purpose, and
everything measured (`measure.py`) is derived from this state and the elements' running
configuration, never invented.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from cadenza.core.clock import iso
from cadenza.core.errors import NotFound, Unprocessable
from cadenza.ecm.datastore import ElementDatastore
from cadenza.ecm.demand import Demand
from cadenza.ecm.drift import Drift, drift
from cadenza.ecm.element_state import AlarmBook, PmRequest, pm_intervals, pm_intervals_many
from cadenza.ecm.fault_persist import link_key, load_faults, save_faults
from cadenza.ecm.measure import carry_port_load
from cadenza.ecm.model import ElementData, fc_to_raw
from cadenza.ecm.settings import EcmSettings
from cadenza.ecm.sim_clock import SimClock
from cadenza.ecm.traffic import TrafficEngine, TrafficSettings, summarise
from cadenza.interfaces.adagio.contract import Alarm, ElementState, Faults, LinkState, PmInterval

__all__ = ["Link", "NetworkTwin", "Touch"]


@dataclass
class Link:
    a: str
    a_port: str
    b: str
    b_port: str
    capacity_mbps: int
    delay_ms: float
    loss_ratio: float
    up: bool = True

    def state(self) -> LinkState:
        return LinkState(self.a, self.a_port, self.b, self.b_port, self.capacity_mbps, self.delay_ms,
                         self.loss_ratio, self.up)

    def far_end(self, element: str, port: str) -> tuple[str, str]:
        return (self.b, self.b_port) if (element, port) == (self.a, self.a_port) else (self.a, self.a_port)


@dataclass(frozen=True)
class Touch:
    """What one change of the twin changes: elements and links. What is measured of a construct
    depends only on the elements and links its path meets (`measure.Trace`), so a listener need
    only revisit those. A commit says more: only `constructs` of its one element change, and
    the load offered on `ports`, to what `configuration` (the element's next running
    configuration) offers there; `constructs` None: anything about the elements may change
    (up or down, a port failed)."""

    elements: frozenset[str] = frozenset()
    links: tuple[Link, ...] = field(default=(), compare=False)
    constructs: frozenset[str] | None = None
    ports: frozenset[str] = frozenset()
    configuration: ElementData | None = field(default=None, compare=False)


class NetworkTwin:
    def __init__(self, config: EcmSettings, *, var_dir: Path | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        persist_dir = var_dir / "twin" if var_dir is not None and config.twin.persist else None
        self.sim_clock: SimClock | None = None
        if clock is None:
            self.sim_clock = SimClock(scale=config.twin.time_scale,
                                      state_path=persist_dir / "clock.json" if persist_dir else None)
            clock = self.sim_clock
        self.clock: Callable[[], float] = clock
        self.elements: dict[str, ElementDatastore] = {}
        self.links: list[Link] = []
        self._by_port: dict[tuple[str, str], Link] = {}
        # ports that failed on their own (optics, a line card), the element still up: no frame
        # enters or leaves them until a technician repairs them (bus/workforce/, ecm/field_force.py)
        self.down_ports: set[tuple[str, str]] = set()
        # Told before any state change, with what it touches (traffic and PM settle up to now
        # with what held until then), and after it, whether it went through or failed (each
        # before has its after; changes of different elements may overlap).
        self.listeners: list[Callable[[Touch], None]] = []
        self.done_listeners: list[Callable[[Touch], None]] = []
        # Told after any change of what is configured or up: the constructs whose configuration
        # changed, or None when a fault may have changed any path.
        self.change_listeners: list[Callable[[frozenset[str] | None], None]] = []
        # Planning reads the faults for every group of requests; walking a thousand elements
        # each time would cost more than the planning, so they are kept until a fault changes.
        # Each of `fault_listeners` is told after each change: the element manager wakes the
        # ICMs watching for faults; a twin in its own process also counts them where its
        # domain can see the count without asking.
        self.fault_listeners: list[Callable[[], None]] = []
        self._faults: Faults | None = None
        for nd in config.network_domains:
            for element in nd.elements:
                path = persist_dir / f"{element.name}.xml" if persist_dir else None
                self.elements[element.name] = ElementDatastore(
                    element.name, {p.name: p.speed_mbps for p in element.ports},
                    commit_delay_ms=element.commit_delay_ms, persist_path=path, clock=clock,
                    before_commit=partial(self._committing, element.name),
                    after_commit=partial(self._committed, Touch(elements=frozenset({element.name}))))
            for lc in nd.links:
                link = Link(lc.a_element, lc.a_port, lc.b_element, lc.b_port, lc.capacity_mbps, lc.delay_ms,
                            lc.loss_ratio)
                self.links.append(link)
                self._by_port[(link.a, link.a_port)] = self._by_port[(link.b, link.b_port)] = link
        self._faults_path = persist_dir / "faults.json" if persist_dir else None
        self._designed_links = {link_key(state): state for state in (link.state() for link in self.links)}
        self._load_faults()
        self.traffic: TrafficEngine = TrafficEngine(self, TrafficSettings(**config.twin.traffic.model_dump()),
                                     demand_path=persist_dir / "demand.json" if persist_dir else None)
        self.alarm_book = AlarmBook(self)

    # -- lookups ----------------------------------------------------------------------------
    def element(self, name: str) -> ElementDatastore:
        if name not in self.elements:
            raise NotFound(f"No network element named {name!r} in this twin")
        return self.elements[name]

    def link_at(self, element: str, port: str) -> Link | None:
        return self._by_port.get((element, port))

    def link(self, a: str, b: str) -> Link:
        """The link between elements `a` and `b` (either order; 'element:port' picks one of several)."""
        for end in (a, b):
            self.element(end.split(":", 1)[0])
        for link in self.links:
            ends = {f"{link.a}:{link.a_port}", f"{link.b}:{link.b_port}", link.a, link.b}
            if a in ends and b in ends and {a.split(":")[0], b.split(":")[0]} == {link.a, link.b}:
                return link
        raise NotFound(f"No link between {a!r} and {b!r}")

    # -- faults -----------------------------------------------------------------------------
    def fail_link(self, a: str, b: str) -> LinkState:
        return self._change_link(a, b, up=False)

    def restore_link(self, a: str, b: str) -> LinkState:
        return self._change_link(a, b, up=True)

    def degrade_link(self, a: str, b: str, *, delay_ms: float | None = None,
                     loss_ratio: float | None = None, capacity_mbps: int | None = None) -> LinkState:
        """Change what the link does now: its delay, its loss, the capacity it still carries
        (e.g. a bundle that lost members)."""
        if delay_ms is not None and delay_ms < 0:
            raise Unprocessable("delay_ms must not be negative", property_path="/delay_ms")
        if loss_ratio is not None and not 0 <= loss_ratio <= 1:
            raise Unprocessable("loss_ratio must be between 0 and 1", property_path="/loss_ratio")
        if capacity_mbps is not None and capacity_mbps < 0:
            raise Unprocessable("capacity_mbps must not be negative", property_path="/capacity_mbps")
        return self._change_link(a, b, delay_ms=delay_ms, loss_ratio=loss_ratio, capacity_mbps=capacity_mbps)

    def fail_element(self, name: str) -> ElementState:
        return self._change_element(name, up=False)

    def restore_element(self, name: str) -> ElementState:
        return self._change_element(name, up=True)

    def fail_port(self, element: str, port: str) -> dict[str, Any]:
        return self._change_port(element, port, up=False)

    def restore_port(self, element: str, port: str) -> dict[str, Any]:
        return self._change_port(element, port, up=True)

    def port_up(self, element: str, port: str) -> bool:
        return (element, port) not in self.down_ports

    def _change_port(self, element: str, port: str, *, up: bool) -> dict[str, Any]:
        if port not in self.element(element).running.ports:
            raise NotFound(f"No port {port!r} on network element {element!r}")
        with self._changing(Touch(elements=frozenset({element}))):
            if up:
                self.down_ports.discard((element, port))
            else:
                self.down_ports.add((element, port))
        self._faults_changed()
        return {"element": element, "port": port, "up": up}

    def refuse_edits(self, name: str, reason: str | None) -> None:
        """Make element `name` refuse every change with `reason` (None: accept again)."""
        self.element(name).refuse_edits(reason)

    def drift_construct(self, element: str, fc_id: str, change: Drift) -> dict[str, Any] | None:
        """Change `fc_id` on `element` behind its controller's back (ecm/drift.py); what runs after."""
        return drift(self.element(element), fc_id, change)

    def _change_link(self, a: str, b: str, **changes: Any) -> LinkState:
        link = self.link(a, b)
        with self._changing(Touch(links=(link,))):
            for key, value in changes.items():
                if value is not None:
                    setattr(link, key, value)
        self._faults_changed()
        return link.state()

    def _change_element(self, name: str, *, up: bool) -> ElementState:
        element = self.element(name)
        with self._changing(Touch(elements=frozenset({name}))):
            element.up = up
        self._faults_changed()
        return self.element_state(name)

    def _load_faults(self) -> None:
        saved = load_faults(self._faults_path, self._designed_links) if self._faults_path is not None else None
        if saved is None:
            return
        for link in self.links:
            fault = saved.links.get(link_key(link.state()))
            if fault is not None:
                link.up, link.capacity_mbps = fault.up, fault.capacity_mbps
                link.delay_ms, link.loss_ratio = fault.delay_ms, fault.loss_ratio
        for name in saved.down_elements & self.elements.keys():
            self.elements[name].up = False
        self.down_ports = {(e, p) for e, p in saved.down_ports if e in self.elements}

    def _faults_changed(self) -> None:
        self._faults = None
        if self._faults_path is not None:
            save_faults(self._faults_path, (link.state() for link in self.links), self._designed_links,
                        (name for name, ds in self.elements.items() if not ds.up), self.down_ports)
        self._configured(None)
        for listener in self.fault_listeners:
            listener()

    def _configured(self, fc_ids: frozenset[str] | None) -> None:
        for listener in self.change_listeners:
            listener(fc_ids)

    def _committing(self, name: str, running: ElementData, candidate: ElementData, changed: set[str]) -> None:
        ports = {ep.port for fc_id in changed for data in (running, candidate) if fc_id in data.fcs
                 for ep in data.fcs[fc_id].end_points}
        carry_port_load(running, candidate, changed)  # what the listeners weigh the change with
        self._notify(Touch(elements=frozenset({name}), constructs=frozenset(changed), ports=frozenset(ports),
                           configuration=candidate))

    def _committed(self, touch: Touch, fc_ids: frozenset[str]) -> None:
        self._done(touch)
        self._configured(fc_ids)

    @contextmanager
    def _changing(self, touch: Touch) -> Iterator[None]:
        self._notify(touch)
        try:
            yield
        finally:
            self._done(touch)

    def _notify(self, touch: Touch) -> None:
        for listener in self.listeners:
            listener(touch)

    def _done(self, touch: Touch) -> None:
        for listener in self.done_listeners:
            listener(touch)

    # -- time and traffic -------------------------------------------------------------------
    def clock_state(self) -> dict[str, Any]:
        moment = self.clock()
        return {"now": iso(datetime.fromtimestamp(moment, UTC)), "epochSeconds": moment,
                "scale": self.sim_clock.scale if self.sim_clock else None,
                "stepSeconds": self.traffic.settings.step_s}

    def set_clock(self, *, scale: float | None = None, advance_s: float | None = None) -> dict[str, Any]:
        if self.sim_clock is None:
            raise Unprocessable("This twin's time is given by its host, not by the twin's clock")
        if scale is not None and scale < 0:
            raise Unprocessable("scale must be 0 (stopped) or more", property_path="/scale")
        if advance_s is not None and advance_s < 0:
            raise Unprocessable("simulated time only moves forward: advanceSeconds must not be negative",
                                property_path="/advanceSeconds")
        self.traffic.settle()
        if scale is not None:
            self.sim_clock.set_scale(scale)
        if advance_s:
            self.sim_clock.advance(advance_s)
        return self.clock_state()

    def demand(self, fc_id: str) -> dict[str, Any]:
        self._construct(fc_id)
        return {"forwardingConstruct": fc_id, "custom": self.traffic.has_demand(fc_id),
                **self.traffic.demand(fc_id).to_json()}

    def set_demand(self, fc_id: str, settings: dict[str, Any] | None) -> dict[str, Any]:
        """The customer traffic offered to `fc_id` (both directions) from now on; None: the default."""
        self._construct(fc_id)
        try:
            demand = None if settings is None else Demand.from_json(settings)
        except (TypeError, ValueError) as exc:
            raise Unprocessable(f"Demand for {fc_id!r} refused: {exc}") from None
        self.traffic.set_demand(fc_id, demand)
        return self.demand(fc_id)

    def traffic_summary(self, fc_id: str, *, window_s: float = 900.0) -> dict[str, Any]:
        """Each direction of `fc_id` over the last `window_s`: rates per colour, delay, loss."""
        self._construct(fc_id)
        return {"forwardingConstruct": fc_id, "windowSeconds": window_s,
                "directions": [summarise(self.traffic.steps(key, since=self.clock() - window_s))
                               for key in self.traffic.flows() if key[0] == fc_id]}

    # -- what elements report (ecm/element_state.py), served by their NETCONF servers ---------
    def pm_intervals(self, element: str, fc_id: str, port: str, numbers: list[int] | None) -> list[PmInterval]:
        return pm_intervals(self, element, fc_id, port, numbers)

    def pm_intervals_many(self, element: str, sessions: Sequence[PmRequest]) -> list[list[PmInterval]]:
        return pm_intervals_many(self, element, sessions)

    def alarms(self, element: str) -> list[Alarm]:
        return self.alarm_book.alarms(element)

    def pm_clock(self) -> tuple[float, int, int, float]:
        """(now, PM interval s, step s, scale: simulated seconds per wall second, 1 on a host's clock)."""
        settings = self.traffic.settings
        return self.clock(), settings.interval_s, settings.step_s, self.sim_clock.scale if self.sim_clock else 1.0

    def _construct(self, fc_id: str) -> None:
        if not any(fc_id in ds.running.fcs for ds in self.elements.values()):
            raise NotFound(f"No forwarding construct {fc_id!r} is configured on any element of this twin")

    # -- state ------------------------------------------------------------------------------
    def element_state(self, name: str) -> ElementState:
        ds = self.element(name)
        return ElementState(name, ds.up, tuple(sorted(ds.running.fcs)), ds.commits, ds.writes)

    def element_states(self) -> list[ElementState]:
        return [self.element_state(name) for name in self.elements]

    def faults(self) -> Faults:
        faults = self._faults
        if faults is None:
            faults = self._faults = Faults(frozenset(name for name, ds in self.elements.items() if not ds.up),
                                           tuple(link.state() for link in self.links if not link.up),
                                           tuple(sorted(self.down_ports)))
        return faults

    def link_states(self) -> list[LinkState]:
        return [link.state() for link in self.links]

    def status(self) -> dict[str, Any]:
        """Everything an operator wants to see, as JSON-able data."""
        elements = []
        for name, ds in self.elements.items():
            elements.append({"name": name, "up": ds.up, "commits": ds.commits, "writes": ds.writes,
                             "ports": dict(ds.running.ports),
                             "forwardingConstructs": [fc_to_raw(fc) for fc in ds.running.fcs.values()]})
        links = [{"a": f"{lk.a}:{lk.a_port}", "b": f"{lk.b}:{lk.b_port}", "capacityMbps": lk.capacity_mbps,
                  "delayMs": lk.delay_ms, "lossRatio": lk.loss_ratio, "up": lk.up} for lk in self.links]
        return {"elements": elements, "links": links,
                "downPorts": [f"{element}:{port}" for element, port in sorted(self.down_ports)]}
