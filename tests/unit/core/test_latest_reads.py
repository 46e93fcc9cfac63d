"""LatestReads: one read begun after an event arrived answers it; none is skipped wrongly."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from cadenza.core.notifications.latest import LatestReads


def test_events_arriving_while_a_read_runs_are_answered_by_one_read_after_them() -> None:
    latest = LatestReads()
    inside, release = threading.Event(), threading.Event()
    runs: list[str] = []

    def first() -> None:
        runs.append("first")
        inside.set()
        release.wait(5)

    with ThreadPoolExecutor(6) as pool:
        running = pool.submit(latest.run, "r1", first)
        assert inside.wait(5)
        # these arrived after the first read began: it may have missed what they tell
        waiting = [pool.submit(latest.run, "r1", lambda: runs.append("again")) for _ in range(4)]
        time.sleep(0.2)
        release.set()
        done = [w.result(5) for w in waiting]
        assert running.result(5) is True
    assert runs == ["first", "again"]  # one of the four reads anew, the other three are answered by it
    assert sorted(done) == [False, False, False, True]


def test_an_event_after_a_completed_read_is_read_again() -> None:
    latest = LatestReads()
    runs: list[int] = []
    assert latest.run("r1", lambda: runs.append(1)) is True
    assert latest.run("r1", lambda: runs.append(2)) is True
    assert runs == [1, 2]


def test_keys_do_not_answer_for_each_other() -> None:
    latest = LatestReads()
    runs: list[str] = []
    latest.run("r1", lambda: runs.append("r1"))
    latest.run("r2", lambda: runs.append("r2"))
    assert runs == ["r1", "r2"]


def test_a_failed_read_answers_nothing() -> None:
    latest = LatestReads()
    inside, release = threading.Event(), threading.Event()

    def failing() -> None:
        inside.set()
        release.wait(5)
        raise RuntimeError("SOF did not answer")

    runs: list[str] = []
    with ThreadPoolExecutor(2) as pool:
        failed = pool.submit(latest.run, "r1", failing)
        assert inside.wait(5)
        later = pool.submit(latest.run, "r1", lambda: runs.append("read"))
        release.set()
        with pytest.raises(RuntimeError):
            failed.result(5)
        assert later.result(5) is True
    assert runs == ["read"]


def test_a_key_evicted_from_memory_is_read_again_not_skipped() -> None:
    latest = LatestReads(capacity=2)
    runs: list[str] = []
    for key in ("r1", "r2", "r3", "r1"):
        latest.run(key, lambda key=key: runs.append(key))
    assert runs == ["r1", "r2", "r3", "r1"]
