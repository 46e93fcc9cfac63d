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
from typing import TYPE_CHECKING

import numpy as np

from cadenza.interfaces.adagio.contract import LOST_PROBE, Alarm, PmInterval

if TYPE_CHECKING:
    from cadenza.ecm.twin import NetworkTwin

__all__ = ["AlarmBook", "pm_intervals", "LINK_DOWN", "LOSS_OF_CONTINUITY"]

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


def pm_intervals(twin: NetworkTwin, element: str, fc_id: str, port: str, numbers: list[int] | None) -> list[PmInterval]:
    """The ended and still kept PM bins of the session of `fc_id` entering at `element`:`port`
    (all kept ones when `numbers` is None)."""
    engine = twin.traffic
    settings = engine.settings
    key = (fc_id, element, port)
    try:
        steps = engine.steps(key)
    except KeyError:
        return []
    ended = int(twin.clock() // settings.interval_s)  # bins before this one have ended
    per_interval = settings.interval_s // settings.step_s
    bins = steps.steps // per_interval
    wanted = sorted(set(numbers)) if numbers is not None else sorted(set(bins.tolist()))
    far_end = f"{steps.egress[0]}:{steps.egress[1]}"
    frames = np.stack([steps.offered, steps.green, steps.yellow, steps.red, steps.rx_green, steps.rx_yellow])
    # probe delays to whole microseconds as ADAGIO carries them (half to even, as round() did)
    delays_us = np.where(np.isnan(steps.delays_ms), LOST_PROBE,
                         np.rint(np.nan_to_num(steps.delays_ms.astype(np.float64)) * 1000)).astype(np.uint32)
    result = []
    for number in wanted:
        if number >= ended:
            continue
        mask = bins == number
        if not mask.any():
            continue
        result.append(PmInterval.of(
            fc_id, element, port, far_end, int(number), settings.interval_s, settings.step_s,
            step_index=steps.steps[mask] - number * per_interval, frames=np.rint(frames[:, mask]),
            delays_us=delays_us[mask]))
    return result
