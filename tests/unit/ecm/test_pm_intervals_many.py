"""An element's answer to a `<get>` of many PM sessions: the same bins, byte for byte, as one
session at a time from the flow's step history, and an element that fails fails only its own."""

from __future__ import annotations

import numpy as np
from ecm_chain import FakeClock, chain, path_fcs

from cadenza.ecm.manager import ElementManager
from cadenza.ecm.scale_driver import ScaleDriver
from cadenza.ecm.twin import NetworkTwin
from cadenza.interfaces.adagio.contract import LOST_PROBE, ElementUnreachable, PmInterval

INTERVAL_S = 900


def _from_history(twin: NetworkTwin, element: str, fc_id: str, port: str, number: int) -> PmInterval | None:
    """A bin as the twin built it before it read bins from the ring: every kept step of the flow
    sorted and copied, then the interval's masked out."""
    steps = twin.traffic.steps((fc_id, element, port))
    per = INTERVAL_S // steps.step_s
    mask = steps.steps // per == number
    if not mask.any():
        return None
    frames = np.stack([steps.offered, steps.green, steps.yellow, steps.red, steps.rx_green, steps.rx_yellow])
    delays_us = np.where(np.isnan(steps.delays_ms), LOST_PROBE,
                         np.rint(np.nan_to_num(steps.delays_ms.astype(np.float64)) * 1000)).astype(np.uint32)
    return PmInterval.of(fc_id, element, port, f"{steps.egress[0]}:{steps.egress[1]}", number, INTERVAL_S,
                         steps.step_s, step_index=steps.steps[mask] - number * per, frames=np.rint(frames[:, mask]),
                         delays_us=delays_us[mask])


def _landscape() -> tuple[NetworkTwin, ElementManager, FakeClock]:
    clock = FakeClock(1_000_000.0 + 450)  # services begin half way through an interval: a partial bin
    twin = NetworkTwin(chain(), clock=clock)
    manager = ElementManager(ScaleDriver(twin.elements, twin), twin, workers=2)
    for i in range(3):
        assert all(r.ok for r in manager.apply_many(path_fcs(f"svc-{i}", vlan=100 + i)))
    clock.now += 3 * INTERVAL_S
    return twin, manager, clock


def test_many_sessions_at_once_are_the_bins_of_each_session_from_its_history_byte_for_byte() -> None:
    twin, manager, clock = _landscape()
    ended = int(clock.now // INTERVAL_S)
    numbers = list(range(ended - 4, ended + 1))  # one before the services, the partial one, full ones, one not ended
    sessions = [(f"svc-{i}", "uni1", numbers) for i in range(3)]
    many = twin.pm_intervals_many("pe1", sessions)
    expected = [[b for n in numbers if n < ended and (b := _from_history(twin, "pe1", s, "uni1", n)) is not None]
                for s, _, _ in sessions]
    assert many == expected
    assert [len(bins) for bins in many] == [3, 3, 3] and not many[0][0].complete and many[0][1].complete
    lost = np.concatenate([b.delays_us.ravel() for bins in many for b in bins]) == LOST_PROBE
    assert lost.any()  # the chain's lossy link loses probes: the LOST_PROBE path is compared too
    assert twin.pm_intervals("pe1", "svc-1", "uni1", None) == many[1]  # None: every bin kept that has ended
    manager.close()


def test_a_session_the_element_does_not_have_answers_no_bins_and_the_others_still_do() -> None:
    twin, manager, clock = _landscape()
    last = int(clock.now // INTERVAL_S) - 1
    many = twin.pm_intervals_many("pe1", [("nope", "uni1", [last]), ("svc-0", "uni1", [last])])
    assert many[0] == [] and [b.number for b in many[1]] == [last]
    manager.close()


def test_the_manager_reads_each_elements_sessions_together_and_a_failed_element_fails_only_its_own() -> None:
    twin, manager, clock = _landscape()
    last = int(clock.now // INTERVAL_S) - 1
    items = [("pe1", "svc-0", "uni1", [last]), ("pe2", "svc-0", "uni1", [last]), ("pe1", "svc-2", "uni1", [last])]
    read = manager.pm_intervals_many(items)
    assert read == [manager.pm_intervals(e, fc_id, port, numbers) for e, fc_id, port, numbers in items]
    twin.fail_element("pe2")
    read = manager.pm_intervals_many(items)
    assert isinstance(read[1], ElementUnreachable)
    assert not isinstance(read[0], Exception) and [b.fc_id for b in read[0] + read[2]] == ["svc-0", "svc-2"]
    manager.close()
