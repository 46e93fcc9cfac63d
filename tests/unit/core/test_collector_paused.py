"""`collector_paused`: no cyclic collection inside, the collector as it was once the last
overlapping pause ends (PM collection pauses it around a burst of allocation)."""

from __future__ import annotations

import gc
import threading

from cadenza.core.gc_tuning import collector_paused


def test_pauses_nest_and_overlap_and_the_collector_runs_again_after_the_last() -> None:
    assert gc.isenabled()
    inner_entered, outer_may_end = threading.Event(), threading.Event()

    def other_thread() -> None:
        with collector_paused():
            inner_entered.set()
            outer_may_end.wait(5)

    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "the inner pause ending does not end the outer one"
        worker = threading.Thread(target=other_thread)
        worker.start()
        assert inner_entered.wait(5)
    assert not gc.isenabled(), "another thread's pause still runs"
    outer_may_end.set()
    worker.join(5)
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled_and_an_error_ends_the_pause() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
    try:
        with collector_paused():
            raise ValueError("inside")
    except ValueError:
        pass
    assert gc.isenabled()
