"""Group commit: requests that arrive while a group is worked on go together into the next."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from cadenza.core.grouping import GroupWorker


def test_requests_queued_meanwhile_form_the_next_group_and_each_caller_gets_its_own_answer() -> None:
    first_started, release_first = threading.Event(), threading.Event()
    groups: list[list[int]] = []

    def work(items: Sequence[int]) -> list[int | Exception]:
        groups.append(list(items))
        if len(groups) == 1:
            first_started.set()
            release_first.wait(10)
        return [ValueError(f"{item} is odd") if item % 2 else item * 10 for item in items]

    worker: GroupWorker[int, int] = GroupWorker(work, name="test-group")
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(worker.submit, 0)
        assert first_started.wait(10)
        later = [pool.submit(worker.submit, item) for item in range(1, 7)]
        while sum(len(g) for g in groups) < 1 or len(worker._pending) < 6:  # all six wait behind the first
            threading.Event().wait(0.01)
        release_first.set()
        assert first.result(10) == 0
        for item, future in zip(range(1, 7), later, strict=True):
            if item % 2:
                with pytest.raises(ValueError, match=f"{item} is odd"):
                    future.result(10)
            else:
                assert future.result(10) == item * 10
    assert groups[0] == [0] and sorted(groups[1]) == [1, 2, 3, 4, 5, 6]


def test_a_failing_group_fails_each_of_its_callers_and_the_worker_goes_on() -> None:
    calls = []

    def work(items: Sequence[str]) -> list[str]:
        calls.append(items)
        if len(calls) == 1:
            raise RuntimeError("database gone")
        return [item.upper() for item in items]

    worker: GroupWorker[str, str] = GroupWorker(work, name="test-failing")
    with pytest.raises(RuntimeError, match="database gone"):
        worker.submit("a")
    assert worker.submit("b") == "B"


def test_a_closed_worker_serves_what_is_queued_then_ends_and_refuses_more() -> None:
    worker: GroupWorker[int, int] = GroupWorker(lambda items: [i + 1 for i in items], name="test-close")
    assert worker.submit(1) == 2
    thread = worker._thread
    worker.close()
    assert thread is not None and not thread.is_alive()
    with pytest.raises(RuntimeError, match="closed"):
        worker.submit(2)
