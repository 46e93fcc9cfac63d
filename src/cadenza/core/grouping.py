"""Group commit for requests that each need a database transaction of their own.

Requests that arrive while a group is being worked on wait and go together into the next
group: under load, one transaction (and one commit) serves many callers, and each caller
still gets its own answer or its own exception. Alone, a request is a group of one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

__all__ = ["GroupWorker"]

T = TypeVar("T")
R = TypeVar("R")


class GroupWorker(Generic[T, R]):
    """Runs `work` on groups of submitted items in a thread of its own.

    `work` returns one entry per item, in order: the item's result, or the exception to
    raise in that item's caller."""

    def __init__(self, work: Callable[[Sequence[T]], Sequence[R | BaseException]], *, name: str,
                 max_group: int = 256) -> None:
        self._work = work
        self._name = name
        self._max_group = max_group
        self._pending: list[tuple[T, Future[R]]] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, item: T) -> R:
        done: Future[R] = Future()
        with self._ready:
            if self._closed:
                raise RuntimeError(f"{self._name} is closed")
            self._pending.append((item, done))
            if self._thread is None or not self._thread.is_alive():
                # Daemon: a group in hand at exit is lost with its callers, who got no answer.
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._ready.notify()
        return done.result()

    def close(self) -> None:
        """Serve what is queued, then let the thread end; later submits are refused."""
        with self._ready:
            self._closed = True
            self._ready.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._pending and not self._closed:
                    self._ready.wait()
                if not self._pending:
                    return  # closed and nothing left to serve
                group, self._pending = self._pending[:self._max_group], self._pending[self._max_group:]
            try:
                outcomes = list(self._work([item for item, _ in group]))
                if len(outcomes) != len(group):
                    raise RuntimeError(f"{self._name}: {len(outcomes)} outcomes for {len(group)} requests")
            except BaseException as exc:  # no caller may wait forever, whatever went wrong
                outcomes = [exc] * len(group)
            for (_, done), outcome in zip(group, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    done.set_exception(outcome)
                else:
                    done.set_result(outcome)
