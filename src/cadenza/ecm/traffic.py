"""Traffic through the twin, step by step in simulated time.

A *flow* is one direction of a service: frames entering a forwarding construct at one of its
edge end points (a port with no link: a UNI or an ENNI) and following what is configured to
the other. For each step of `step_s` simulated seconds:

1. The flow's demand (`demand.py`) offers a load at the ingress, policed by the ingress
   construct's bandwidth profile (MEF 10.4, colour-blind): green up to the CIR, yellow up to
   CIR + EIR, the rest dropped (red).
2. Each direction of each link carries the green and yellow traffic of the flows that cross
   it, and behaves as an M/M/1/K queue (`queueing.py`): it adds queueing delay that grows
   with its utilisation and drops what overflows its buffer, yellow frames before green ones.
   A degraded link also loses its `loss_ratio` of every frame and adds its `delay_ms`.
3. What the far edge receives is what survives every link; `probes_per_step` delay probes
   (as a SOAM delay measurement session sends them) sample the one-way delay: propagation
   and forwarding plus an exponential queueing wait on each link, lost like green frames.
   A path broken by a failed element or link, or a construct missing, delivers nothing.

Frames are counted as the expected numbers for the rates (1000-octet frames); the noise is in
the demand and the probes, drawn from counters (`noise.py`), so the same seed gives the same
figures however the steps were computed. Steps are computed lazily up to the present, and
`settle` is called before every change of the twin (a commit, a fault, a demand), so each
step is computed with the state that held during it; a change takes effect from the step it
falls in. The last `history_s` of steps are kept per flow, as an element keeps its recent
PM history bins; older ones are for the collector (ICM) to have read.
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cadenza.ecm.demand import DEFAULT_DEMAND, Demand, offered_mbps
from cadenza.ecm.measure import HOP_DELAY_MS, trace
from cadenza.ecm.noise import exponential, key_of, uniform
from cadenza.ecm.queueing import overflow, waiting_ms

if TYPE_CHECKING:  # the twin builds this engine
    from cadenza.ecm.twin import NetworkTwin

__all__ = ["FRAME_OCTETS", "TrafficSettings", "FlowKey", "FlowSteps", "HeldSteps", "FlowTotals", "TrafficEngine",
           "summarise"]

FRAME_OCTETS = 1000
_FRAMES_PER_MBIT_S = 125.0  # 1 Mbit/s of 1000-octet frames, per second
_PROBE_DELAY, _PROBE_LOSS = 21, 22  # draw streams
_CHUNK_STEPS = 60

FlowKey = tuple[str, str, str]  # forwarding construct id, ingress element, ingress port


@dataclass(frozen=True, slots=True)
class TrafficSettings:
    seed: int = 1
    step_s: int = 10
    interval_s: int = 900
    probes_per_step: int = 10
    history_s: int = 7200
    buffer_ms: float = 10.0

    @property
    def history_steps(self) -> int:
        return max(1, self.history_s // self.step_s)


@dataclass(frozen=True, slots=True)
class FlowSteps:
    """A flow's steps `first_step` .. `first_step + len - 1` (absolute: t = step * step_s).
    Frames per colour at the ingress (offered, green, yellow, red) and delivered at the
    egress; probe delays in ms, NaN for a lost probe."""

    key: FlowKey
    egress: tuple[str, str]
    step_s: int
    steps: np.ndarray
    offered: np.ndarray
    green: np.ndarray
    yellow: np.ndarray
    red: np.ndarray
    rx_green: np.ndarray
    rx_yellow: np.ndarray
    delays_ms: np.ndarray  # [steps, probes]


@dataclass(frozen=True, slots=True)
class HeldSteps:
    """The same run of steps of many flows, as their histories keep them: `found` the indexes
    (into the keys asked) of the flows kept, each one's far end, which of the steps each holds
    (`held` [f, count]), and their frames [f, count, 6] (float32, `_History.frames` order) and
    probe delays [f, count, probes] (float16 ms, NaN lost); a step not held has whatever its ring
    slot holds."""

    found: list[int]
    egress: list[tuple[str, str]]
    held: np.ndarray
    frames: np.ndarray
    delays: np.ndarray


@dataclass(slots=True)
class FlowTotals:
    """Counters since the flow began (or since the twin started): frames per colour."""

    offered: float = 0.0
    green: float = 0.0
    yellow: float = 0.0
    red: float = 0.0
    rx_green: float = 0.0
    rx_yellow: float = 0.0


@dataclass(slots=True)
class _Flow:
    key: FlowKey
    egress: tuple[str, str]
    start_step: int
    cir_mbps: float
    eir_mbps: float
    link_dirs: np.ndarray  # indexes into the engine's link directions, in path order
    hops: int
    broken: str

    @property
    def reference_mbps(self) -> float:
        return self.cir_mbps or self.eir_mbps


@dataclass(slots=True)
class _History:
    egress: tuple[str, str]
    size: int
    probes: int
    steps: np.ndarray = field(init=False)
    frames: np.ndarray = field(init=False)  # [size, 6]: offered, green, yellow, red, rx_green, rx_yellow
    delays: np.ndarray = field(init=False)
    totals: FlowTotals = field(default_factory=FlowTotals)
    last: int = -1  # the latest step held (steps are computed in order)

    def __post_init__(self) -> None:
        # An element keeps hours of steps for every flow: single-precision frames and
        # half-precision delays (2 µs apart at 3 ms) keep that to about 32 KB a flow for two hours.
        self.steps = np.full(self.size, -1, dtype=np.int64)
        self.frames = np.zeros((self.size, 6), dtype=np.float32)
        self.delays = np.full((self.size, self.probes), np.nan, dtype=np.float16)


class TrafficEngine:
    def __init__(self, twin: NetworkTwin, settings: TrafficSettings, *,
                 clock: Callable[[], float] | None = None, demand_path: Path | None = None) -> None:
        self._twin = twin
        self._demand_path = demand_path
        self.settings = settings
        self._clock = clock or twin.clock
        self._mutex = threading.RLock()
        self._demands: dict[str, Demand] = _load_demands(demand_path)
        self._flows: list[_Flow] | None = None  # None: rebuild from the twin before the next step
        # Tracing a path is the dear part of a rebuild: only constructs changed since are traced
        # again (None: all of them, after a fault).
        self._traced: dict[str, list[_Flow]] = {}
        self._retrace: set[str] | None = None
        self._history: dict[FlowKey, _History] = {}
        self._links = list(twin.links)
        self._link_index = {id(link): i for i, link in enumerate(self._links)}
        self._utilisation = np.zeros((settings.history_steps, 2 * len(self._links)))
        self._utilisation_steps = np.full(settings.history_steps, -1, dtype=np.int64)
        # Start a history back, so a twin (re)started now already has its recent steps,
        # computed from the state it starts with.
        self._next_step = self._step_of(self._clock()) - settings.history_steps
        twin.listeners.append(lambda _touch: self.settle())  # whatever it touches: steps are of every flow
        twin.change_listeners.append(self.changed)

    # -- the twin tells --------------------------------------------------------------------
    def settle(self) -> None:
        """Compute every step that has ended, with the state that held until now."""
        with self._mutex:
            self._advance_to(self._step_of(self._clock()))

    def changed(self, fc_ids: frozenset[str] | None = None) -> None:
        with self._mutex:
            self._flows = None
            if fc_ids is None:
                self._retrace = None
            elif self._retrace is not None:
                self._retrace |= fc_ids

    # -- demand ----------------------------------------------------------------------------
    def demand(self, fc_id: str) -> Demand:
        return self._demands.get(fc_id, DEFAULT_DEMAND)

    def has_demand(self, fc_id: str) -> bool:
        return fc_id in self._demands

    def set_demand(self, fc_id: str, demand: Demand | None) -> None:
        """The demand on both directions of `fc_id` from the present step on (None: the default)."""
        with self._mutex:
            self.settle()
            if demand is None:
                self._demands.pop(fc_id, None)
            else:
                self._demands[fc_id] = demand
            _save_demands(self._demand_path, self._demands)

    # -- reads -----------------------------------------------------------------------------
    def paths(self) -> dict[FlowKey, tuple[tuple[str, str], str]]:
        """Each flow configured now: its far end and, when its path is broken, why."""
        with self._mutex:
            if self._flows is None:
                self._flows = self._build_flows()
            return {flow.key: (flow.egress, flow.broken) for flow in self._flows}

    def flows(self) -> list[FlowKey]:
        with self._mutex:
            self.settle()
            return sorted(self._history)

    def steps(self, key: FlowKey, *, since: float | None = None, until: float | None = None) -> FlowSteps:
        """The kept steps of flow `key` that begin at or after `since` and end by `until`."""
        with self._mutex:
            self.settle()
            history = self._history.get(key)
            if history is None:
                raise KeyError(key)
            order = np.argsort(history.steps)
            kept = order[history.steps[order] >= 0]
            starts = history.steps[kept] * self.settings.step_s
            if since is not None:
                kept = kept[starts >= since]
                starts = history.steps[kept] * self.settings.step_s
            if until is not None:
                kept = kept[starts + self.settings.step_s <= until]
            frames = history.frames[kept]
            return FlowSteps(key, history.egress, self.settings.step_s, history.steps[kept].copy(),
                             *(frames[:, i].astype(np.float64) for i in range(6)),
                             history.delays[kept].astype(np.float32))

    def interval_steps(self, keys: Sequence[FlowKey], first_step: int, count: int) -> HeldSteps:
        """For the flows of `keys`, their kept steps `first_step` .. `first_step + count - 1`, read
        straight from each flow's ring of steps (a step's slot is its number modulo the ring: an
        interval's slots are one slice of it unless it wraps) and stacked into one array per
        field, so an element answering a collector for one interval neither sorts nor copies a
        flow's two hours of history, nor builds an object per flow."""
        size = self.settings.history_steps
        start = first_step % size
        window: slice | np.ndarray = slice(start, start + count) if start + count <= size \
            else np.arange(first_step, first_step + count, dtype=np.int64) % size
        with self._mutex:
            self.settle()
            found: list[int] = []
            egress: list[tuple[str, str]] = []
            steps: list[np.ndarray] = []
            frames: list[np.ndarray] = []
            delays: list[np.ndarray] = []
            for i, key in enumerate(keys):
                history = self._history.get(key)
                if history is None:
                    continue
                found.append(i)
                egress.append(history.egress)
                steps.append(history.steps[window])
                frames.append(history.frames[window])
                delays.append(history.delays[window])
            if not found:
                probes = self.settings.probes_per_step
                return HeldSteps([], [], np.zeros((0, count), dtype=bool), np.zeros((0, count, 6), dtype=np.float32),
                                 np.zeros((0, count, probes), dtype=np.float16))
            held = np.stack(steps) == np.arange(first_step, first_step + count, dtype=np.int64)
            return HeldSteps(found, egress, held, np.stack(frames), np.stack(delays))

    def totals(self, key: FlowKey) -> FlowTotals:
        with self._mutex:
            self.settle()
            history = self._history.get(key)
            return FlowTotals(**{k: getattr(history.totals, k) for k in FlowTotals.__slots__}) if history \
                else FlowTotals()

    def link_utilisation(self, *, since: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(steps, utilisation [steps, 2 * links]): per link, the a-to-b then b-to-a direction,
        offered load over capacity (above 1: congested)."""
        with self._mutex:
            self.settle()
            order = np.argsort(self._utilisation_steps)
            kept = order[self._utilisation_steps[order] >= 0]
            if since is not None:
                kept = kept[self._utilisation_steps[kept] * self.settings.step_s >= since]
            return self._utilisation_steps[kept].copy(), self._utilisation[kept].copy()

    # -- stepping --------------------------------------------------------------------------
    def _step_of(self, moment: float) -> int:
        return math.floor(moment / self.settings.step_s)

    def _advance_to(self, end_step: int) -> None:
        if end_step <= self._next_step:
            return
        first = max(self._next_step, end_step - self.settings.history_steps)
        if self._flows is None:
            self._flows = self._build_flows()
        for start in range(first, end_step, _CHUNK_STEPS):  # bounded memory for a long catch-up
            self._compute(np.arange(start, min(end_step, start + _CHUNK_STEPS), dtype=np.int64), self._flows)
        self._next_step = end_step

    def _build_flows(self) -> list[_Flow]:
        twin = self._twin
        edges: dict[str, list[tuple[str, str]]] = {}
        for name in sorted(twin.elements):
            for fc_id, fc in twin.elements[name].running.fcs.items():
                for ep in fc.end_points:
                    if twin.link_at(name, ep.port) is None:
                        edges.setdefault(fc_id, []).append((name, ep.port))
        retrace = self._retrace
        traced: dict[str, list[_Flow]] = {}
        for fc_id in sorted(edges):
            known = self._traced.get(fc_id)
            traced[fc_id] = known if known is not None and retrace is not None and fc_id not in retrace \
                else self._trace_flows(fc_id, sorted(edges[fc_id]))
        self._traced, self._retrace = traced, set()
        return [flow for flows in traced.values() for flow in flows]

    def _trace_flows(self, fc_id: str, ends: list[tuple[str, str]]) -> list[_Flow]:
        if len(ends) != 2:
            return []  # one edge: a stub left by a half-built service; no traffic enters it
        flows = []
        for (ingress, port), egress in ((ends[0], ends[1]), (ends[1], ends[0])):
            ds = self._twin.elements[ingress]
            fc = ds.running.fcs[fc_id]
            walked = trace(self._twin, fc_id, ingress, port)
            dirs = [2 * self._link_index[id(link)] + (0 if from_a else 1) for link, from_a in walked.crossed]
            configured = ds.configured_at.get(fc_id, 0.0)
            flows.append(_Flow((fc_id, ingress, port), egress, math.ceil(configured / self.settings.step_s),
                               fc.bandwidth.cir_kbps / 1000, fc.bandwidth.eir_kbps / 1000,
                               np.asarray(dirs, dtype=np.int64), len(walked.path), walked.broken))
        return flows

    def _compute(self, steps: np.ndarray, flows: list[_Flow]) -> None:
        s = self.settings
        n_steps, n_flows, n_dirs = len(steps), len(flows), 2 * len(self._links)
        capacity = np.repeat([float(link.capacity_mbps) if link.up else 0.0 for link in self._links], 2)
        prop_ms = np.repeat([link.delay_ms for link in self._links], 2)
        link_loss = np.repeat([link.loss_ratio for link in self._links], 2)
        offered = np.zeros((n_steps, n_flows))
        by_demand: dict[Demand, list[int]] = {}
        for f, flow in enumerate(flows):
            by_demand.setdefault(self.demand(flow.key[0]), []).append(f)
        keys = np.array([key_of("/".join(flow.key)) for flow in flows], dtype=np.int64)
        reference = np.array([flow.reference_mbps for flow in flows])
        for demand, members in by_demand.items():  # most flows share the default: one draw for all of them
            idx = np.asarray(members, dtype=np.int64)
            offered[:, idx] = offered_mbps(demand, reference[idx], seed=s.seed, flow_keys=keys[idx], steps=steps,
                                           step_s=s.step_s)
        starts = np.array([flow.start_step for flow in flows], dtype=np.int64)
        offered[steps[:, None] < starts[None, :]] = 0.0
        cir = np.array([flow.cir_mbps for flow in flows])
        eir = np.array([flow.eir_mbps for flow in flows])
        green = np.minimum(offered, cir)
        yellow = np.minimum(offered - green, eir)
        red = offered - green - yellow

        entry_flow = np.repeat(np.arange(n_flows, dtype=np.int64), [len(f.link_dirs) for f in flows])
        entry_dir = np.concatenate([f.link_dirs for f in flows] or [np.zeros(0)]).astype(np.int64)
        green_load = np.zeros((n_dirs, n_steps))
        yellow_load = np.zeros((n_dirs, n_steps))
        np.add.at(green_load, entry_dir, green[:, entry_flow].T)
        np.add.at(yellow_load, entry_dir, yellow[:, entry_flow].T)
        green_load, yellow_load = green_load.T, yellow_load.T  # [steps, dirs]
        load = green_load + yellow_load
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = np.where(capacity > 0, load / capacity, np.where(load > 0, np.inf, 0.0))
            frames_per_ms = capacity * _FRAMES_PER_MBIT_S / 1000
            buffer_frames = np.maximum(1.0, s.buffer_ms * frames_per_ms)
            dropped = np.where(np.isfinite(rho), overflow(np.nan_to_num(rho, posinf=0.0), buffer_frames), 1.0) * load
            yellow_drop = np.where(yellow_load > 0, np.minimum(dropped, yellow_load) / yellow_load, 0.0)
            green_drop = np.where(green_load > 0, np.maximum(0.0, dropped - yellow_load) / green_load, 0.0)
            wait_ms = np.minimum(waiting_ms(np.nan_to_num(rho, posinf=0.0), buffer_frames, frames_per_ms), s.buffer_ms)
        self._keep_utilisation(steps, rho)

        # Per flow: survival over its links, in logs so a long path multiplies exactly.
        keep_green = np.zeros((n_flows, n_steps))
        keep_yellow = np.zeros((n_flows, n_steps))
        with np.errstate(divide="ignore"):
            np.add.at(keep_green, entry_flow, (np.log1p(-green_drop[:, entry_dir]) + np.log1p(-link_loss[entry_dir])).T)
            np.add.at(keep_yellow, entry_flow,
                      (np.log1p(-yellow_drop[:, entry_dir]) + np.log1p(-link_loss[entry_dir])).T)
        keep_green, keep_yellow = np.exp(keep_green.T), np.exp(keep_yellow.T)  # [steps, flows]
        broken = np.array([bool(flow.broken) for flow in flows], dtype=bool)
        keep_green[:, broken] = 0.0
        keep_yellow[:, broken] = 0.0

        delays = self._probe_delays(steps, flows, entry_flow, entry_dir, prop_ms, wait_ms, keep_green)
        # [steps, flows, 6] in `_History.frames` order, all flows at once: a step is often
        # computed alone (the twin settles before every change), and per flow it cost the most
        blocks = np.stack([offered, green, yellow, red, green * keep_green, yellow * keep_yellow],
                          axis=2) * (_FRAMES_PER_MBIT_S * s.step_s)
        sums = blocks.sum(axis=0).tolist()
        slots = steps % s.history_steps
        last = int(steps[-1])
        for f, flow in enumerate(flows):
            history = self._history.get(flow.key)
            if history is None:
                history = self._history[flow.key] = _History(flow.egress, s.history_steps, s.probes_per_step)
            history.egress = flow.egress
            history.steps[slots] = steps
            history.frames[slots] = blocks[:, f, :]
            history.delays[slots] = delays[:, f, :]
            history.last = last
            offered_f, green_f, yellow_f, red_f, rx_green_f, rx_yellow_f = sums[f]
            t = history.totals
            t.offered += offered_f
            t.green += green_f
            t.yellow += yellow_f
            t.red += red_f
            t.rx_green += rx_green_f
            t.rx_yellow += rx_yellow_f
        oldest = last - s.history_steps
        for key in [k for k, h in self._history.items() if h.last <= oldest]:
            del self._history[key]  # a service gone for longer than the history

    def _probe_delays(self, steps: np.ndarray, flows: list[_Flow], entry_flow: np.ndarray, entry_dir: np.ndarray,
                      prop_ms: np.ndarray, wait_ms: np.ndarray, keep_green: np.ndarray) -> np.ndarray:
        s = self.settings
        n_steps, n_flows, m = len(steps), len(flows), s.probes_per_step
        flow_keys = np.array([key_of("/".join(f.key)) for f in flows], dtype=np.int64)
        hop_in_path = np.concatenate([np.arange(len(f.link_dirs)) for f in flows] or [np.zeros(0)]).astype(np.int64)
        probe = np.arange(m, dtype=np.int64)
        # [steps, entries, probes]: each link's wait for each probe, an exponential draw around its mean
        draws = exponential(s.seed, flow_keys[entry_flow][None, :, None], steps[:, None, None],
                            hop_in_path[None, :, None], probe[None, None, :], _PROBE_DELAY)
        per_link = prop_ms[entry_dir][None, :, None] + np.minimum(wait_ms[:, entry_dir][:, :, None] * draws,
                                                                   s.buffer_ms)
        total = np.zeros((n_flows, n_steps, m))
        np.add.at(total, entry_flow, per_link.transpose(1, 0, 2))
        hops = np.array([f.hops for f in flows], dtype=np.float64)
        total = total.transpose(1, 0, 2) + (hops * HOP_DELAY_MS)[None, :, None]  # [steps, flows, probes]
        lost = uniform(s.seed, flow_keys[None, :, None], steps[:, None, None], probe[None, None, :],
                       _PROBE_LOSS) >= keep_green[:, :, None]
        total[lost] = np.nan
        return total.astype(np.float32)

    def _keep_utilisation(self, steps: np.ndarray, rho: np.ndarray) -> None:
        slots = steps % len(self._utilisation_steps)
        self._utilisation_steps[slots] = steps
        self._utilisation[slots] = np.nan_to_num(rho, posinf=0.0)


def _load_demands(path: Path | None) -> dict[str, Demand]:
    if path is None or not path.exists():
        return {}
    return {fc_id: Demand.from_json(raw) for fc_id, raw in json.loads(path.read_text()).items()}


def _save_demands(path: Path | None, demands: dict[str, Demand]) -> None:
    """Demands set by hand survive a restart of the twin, as the customers' traffic would."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({fc_id: d.to_json() for fc_id, d in sorted(demands.items())}, indent=1))
    os.replace(tmp, path)


def summarise(steps: FlowSteps) -> dict[str, Any]:
    """A direction's figures over the given steps, as an operator reads them (JSON-able)."""
    seconds = max(1, len(steps.steps)) * steps.step_s
    to_mbps = FRAME_OCTETS * 8 / 1e6 / seconds  # frames over the window -> Mbit/s

    def rate(frames: np.ndarray) -> float:
        return round(float(frames.sum()) * to_mbps, 3)

    delivered = steps.delays_ms[~np.isnan(steps.delays_ms)]
    green = float(steps.green.sum())
    return {"ingress": f"{steps.key[1]}:{steps.key[2]}", "egress": f"{steps.egress[0]}:{steps.egress[1]}",
            "steps": len(steps.steps), "offeredMbps": rate(steps.offered), "greenMbps": rate(steps.green),
            "yellowMbps": rate(steps.yellow), "droppedAtIngressMbps": rate(steps.red),
            "deliveredMbps": rate(steps.rx_green + steps.rx_yellow),
            "greenLossRatio": round(1 - float(steps.rx_green.sum()) / green, 6) if green else 0.0,
            "meanDelayMs": round(float(delivered.mean()), 4) if delivered.size else None,
            "maxDelayMs": round(float(delivered.max()), 4) if delivered.size else None,
            "probesLost": int(np.isnan(steps.delays_ms).sum())}
