"""What an element reports about itself: its PM history bins and its alarms (operational state).

Both are read from the twin, never invented: PM bins are the traffic engine's steps for the
sessions whose ingress is on the element (`traffic.py`), alarms are the faults the element can
see from where it stands:

- `link-down` (major) on a port whose link failed, or whose neighbour element is down (the
  port loses its signal either way), or on a port that failed by itself (`fail_port`);
- `loss-of-continuity` (critical) on a forwarding construct whose frames stopped arriving from
  the far end point, as a MEP notices when the continuity check messages stop.

An alarm's `raised_at` is the simulated time the book first saw the condition; the book looks
after every fault change, so for faults that is when they happened.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from cadenza.interfaces.adagio.contract import LOST_PROBE, Alarm, PmInterval

if TYPE_CHECKING:
    from cadenza.ecm.traffic import HeldSteps, TrafficEngine
    from cadenza.ecm.twin import NetworkTwin

__all__ = ["AlarmBook", "PmRequest", "pm_intervals", "pm_intervals_many", "LINK_DOWN", "LOSS_OF_CONTINUITY"]

LINK_DOWN = "link-down"
LOSS_OF_CONTINUITY = "loss-of-continuity"
_SEVERITY = {LINK_DOWN: "major", LOSS_OF_CONTINUITY: "critical"}

_AlarmKey = tuple[str, str, str]  # element, resource, type


class AlarmBook:
    def __init__(self, twin: NetworkTwin) -> None:
        self._twin = twin
        self._mutex = threading.Lock()
        self._raised: dict[_AlarmKey, tuple[float, str]] = {}
        twin.fault_listeners.append(self.refresh)

    def alarms(self, element: str) -> list[Alarm]:
        self.refresh()
        with self._mutex:
            return [Alarm(e, resource, kind, _SEVERITY[kind], at, text)
                    for (e, resource, kind), (at, text) in sorted(self._raised.items()) if e == element]

    def refresh(self) -> None:
        now = self._twin.clock()
        current = self._conditions()
        with self._mutex:
            self._raised = {key: self._raised.get(key, (now, text))[:1] + (text,) for key, text in current.items()}

    def _conditions(self) -> dict[_AlarmKey, str]:
        twin = self._twin
        found: dict[_AlarmKey, str] = {}
        for link in twin.links:
            for (element, port), (far, far_port) in (((link.a, link.a_port), (link.b, link.b_port)),
                                                     ((link.b, link.b_port), (link.a, link.a_port))):
                if not twin.elements[element].up:
                    continue  # a failed element raises nothing
                if not link.up:
                    found[(element, port, LINK_DOWN)] = f"link {link.a}:{link.a_port}-{link.b}:{link.b_port} is down"
                elif not twin.elements[far].up:
                    found[(element, port, LINK_DOWN)] = f"no signal on {port}: {far} ({far}:{far_port}) is down"
        for element, port in sorted(twin.down_ports):
            if twin.elements[element].up:
                found[(element, port, LINK_DOWN)] = f"port {port} has failed: no light"
        for (fc_id, _, _), ((egress, _), broken) in twin.traffic.paths().items():
            if broken and twin.elements[egress].up:
                found[(egress, fc_id, LOSS_OF_CONTINUITY)] = f"no frames of {fc_id} arrive from the far end: {broken}"
        return found


PmRequest = tuple[str, str, Sequence[int] | None]  # fc id, ingress port, bin numbers (None: all kept)


def pm_intervals(twin: NetworkTwin, element: str, fc_id: str, port: str, numbers: list[int] | None) -> list[PmInterval]:
    """The ended and still kept PM bins of the session of `fc_id` entering at `element`:`port`
    (all kept ones when `numbers` is None)."""
    [bins] = pm_intervals_many(twin, element, [(fc_id, port, numbers)])
    return bins


def pm_intervals_many(twin: NetworkTwin, element: str, sessions: Sequence[PmRequest]) -> list[list[PmInterval]]:
    """`pm_intervals` of several sessions of `element` at once, one list per session in the order
    asked: the answer to one `<get>` of many sessions. Each bin is read from its flow's ring of
    steps (`TrafficEngine.interval_steps`), and the bins of one shape are converted to ADAGIO's
    packed arrays together, which is what lets a collector read thousands of sessions a second."""
    engine = twin.traffic
    settings = engine.settings
    ended = int(twin.clock() // settings.interval_s)  # bins before this one have ended
    per_interval = settings.interval_s // settings.step_s
    by_number: dict[int, list[int]] = {}
    for s, (fc_id, port, numbers) in enumerate(sessions):
        if numbers is None:
            numbers = _kept_numbers(engine, (fc_id, element, port), per_interval)
        for number in sorted(set(numbers)):
            if number < ended:
                by_number.setdefault(int(number), []).append(s)
    found: dict[tuple[int, int], PmInterval] = {}
    for number, members in by_number.items():
        keys = [(sessions[s][0], element, sessions[s][1]) for s in members]
        held = engine.interval_steps(keys, number * per_interval, per_interval)
        shapes: dict[bytes, list[tuple[int, HeldSteps]]] = {}
        for s, steps in zip(members, held, strict=True):
            if steps is not None and steps.frames.shape[0]:
                shapes.setdefault(steps.held.tobytes(), []).append((s, steps))
        for group in shapes.values():
            step_bytes = np.flatnonzero(group[0][1].held).astype("<u2").tobytes()
            frame_bytes, delay_bytes, probes = _packed([steps for _, steps in group])
            for (s, steps), frames, delays in zip(group, frame_bytes, delay_bytes, strict=True):
                fc_id, port, _ = sessions[s]
                found[(s, number)] = PmInterval(
                    fc_id, element, port, f"{steps.egress[0]}:{steps.egress[1]}", number, settings.interval_s,
                    settings.step_s, step_bytes, frames, delays, probes)
    result: list[list[PmInterval]] = [[] for _ in sessions]
    for (s, _number), interval in sorted(found.items()):
        result[s].append(interval)
    return result


def _kept_numbers(engine: TrafficEngine, key: tuple[str, str, str], per_interval: int) -> list[int]:
    try:
        return sorted(set((engine.steps(key).steps // per_interval).tolist()))
    except KeyError:
        return []


def _packed(group: list[HeldSteps]) -> tuple[list[bytes], list[bytes], int]:
    """Frames and probe delays of bins with the same steps, as ADAGIO's little-endian arrays:
    frames rounded to whole frames (uint64 [6, n]), delays to whole microseconds (uint32 [n, m],
    half to even, LOST_PROBE for a lost probe)."""
    frames = np.rint(np.stack([g.frames for g in group]).transpose(0, 2, 1).astype(np.float64))
    frames = np.ascontiguousarray(frames.astype("<u8"))
    delays_ms = np.stack([g.delays for g in group]).astype(np.float32).astype(np.float64)
    delays = np.where(np.isnan(delays_ms), LOST_PROBE, np.rint(np.nan_to_num(delays_ms) * 1000)).astype("<u4")
    delays = np.ascontiguousarray(delays)
    return [row.tobytes() for row in frames], [row.tobytes() for row in delays], int(delays.shape[2])
