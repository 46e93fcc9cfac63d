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

from cadenza.core.gc_tuning import collector_paused
from cadenza.interfaces.adagio.contract import LOST_PROBE, Alarm, PmInterval

if TYPE_CHECKING:
    from cadenza.ecm.traffic import TrafficEngine
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
    asked: the answer to one `<get>` of many sessions. The bins of one interval are read from
    their flows' rings of steps together (`TrafficEngine.interval_steps`), and the bins of one
    shape are converted to ADAGIO's packed arrays together, which is what lets a collector read
    thousands of sessions a second. No cyclic collection meanwhile (`collector_paused`): a full
    one walks the whole twin for the few objects per bin that reference counting frees."""
    with collector_paused():
        return _pm_intervals_many(twin, element, sessions)


def _pm_intervals_many(twin: NetworkTwin, element: str, sessions: Sequence[PmRequest]) -> list[list[PmInterval]]:
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
        block = engine.interval_steps([(sessions[s][0], element, sessions[s][1]) for s in members],
                                      number * per_interval, per_interval)
        if not block.found:
            continue
        # the rows holding the same steps are one shape: all of them, usually
        shapes: dict[bytes, list[int]] = {}
        if block.held.all():
            shapes[block.held[0].tobytes()] = list(range(len(block.found)))
        else:
            for row, mask in enumerate(block.held):
                if mask.any():
                    shapes.setdefault(mask.tobytes(), []).append(row)
        for rows in shapes.values():
            mask = block.held[rows[0]]
            every = len(rows) == len(block.found)
            frames = block.frames if every else block.frames[rows]
            delays = block.delays if every else block.delays[rows]
            if not mask.all():
                frames, delays = frames[:, mask], delays[:, mask]
            step_bytes = np.flatnonzero(mask).astype("<u2").tobytes()
            frame_bytes, delay_bytes = _packed(frames, delays)
            for row, frame_row, delay_row in zip(rows, frame_bytes, delay_bytes, strict=True):
                s = members[block.found[row]]
                fc_id, port, _ = sessions[s]
                far_element, far_port = block.egress[row]
                found[(s, number)] = PmInterval(
                    fc_id, element, port, f"{far_element}:{far_port}", number, settings.interval_s,
                    settings.step_s, step_bytes, frame_row, delay_row, delays.shape[2])
    result: list[list[PmInterval]] = [[] for _ in sessions]
    for (s, _number), interval in sorted(found.items()):
        result[s].append(interval)
    return result


def _kept_numbers(engine: TrafficEngine, key: tuple[str, str, str], per_interval: int) -> list[int]:
    try:
        return sorted(set((engine.steps(key).steps // per_interval).tolist()))
    except KeyError:
        return []


def _delay_table() -> np.ndarray:
    """Every float16 a history keeps a probe delay as (ms), by its bits, as ADAGIO's whole µs:
    float64 of the ms times 1000, rounded half to even, LOST_PROBE for NaN. A lookup instead of
    that arithmetic over every probe of a `<get>`, with the same numbers by construction."""
    ms = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(np.isnan(ms), LOST_PROBE, np.rint(np.nan_to_num(ms) * 1000)).astype("<u4")


_DELAY_US = _delay_table()


def _packed(frames: np.ndarray, delays: np.ndarray) -> tuple[list[bytes], list[bytes]]:
    """Frames [b, n, 6] (float32) and probe delays [b, n, m] (float16 ms) of bins with the same
    steps, as ADAGIO's little-endian arrays: frames rounded to whole frames (uint64 [6, n]; an
    integer a float32 rounds to is the one its float64 rounds to), delays to whole microseconds
    (uint32 [n, m], `_DELAY_US`)."""
    counts = np.rint(frames).transpose(0, 2, 1).astype("<u8", order="C")
    delays_us = _DELAY_US[np.ascontiguousarray(delays).view(np.uint16)]
    return [row.tobytes() for row in counts], [row.tobytes() for row in delays_us]
