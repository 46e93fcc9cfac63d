"""CPU seconds spent by a domain while a benchmark's clock runs: every process of its tree
(a domain process and its twin; or a supervisor, its workers and the twin), and on PostgreSQL
the server's backends serving the domain's database, which do there the work SQLite does in
the domain's own process."""

from __future__ import annotations

import threading

import psutil
from sqlalchemy import create_engine, make_url, text

__all__ = ["tree_cpu_s", "TreeCpu", "BackendCpu"]

_LOOPBACK = ("127.", "localhost", "::1")


def tree_cpu_s(pid: int) -> float:
    """User and system CPU of the process `pid` and all its descendants, so far. A descendant
    that ended and was reaped counts in its parent's children_* times, once."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


class TreeCpu:
    """CPU of a process tree between `start()` and `stop()`."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._before = 0.0

    def start(self) -> TreeCpu:
        self._before = tree_cpu_s(self.pid)
        return self

    def stop(self) -> float:
        return tree_cpu_s(self.pid) - self._before


class BackendCpu:
    """CPU of the PostgreSQL backends serving `database`, read every `interval_s` from their
    processes (pg_stat_activity names them); a backend that appears meanwhile counts whole,
    one that ends counts up to its last reading. None where the server is not on this machine."""

    def __init__(self, database_url: str, *, interval_s: float = 0.5) -> None:
        url = make_url(database_url)
        self.database = url.database
        self.local = any((url.host or "localhost").startswith(prefix) for prefix in _LOOPBACK)
        self._engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                                     pool_size=1, max_overflow=0) if self.local else None
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._baseline = True

    def start(self) -> BackendCpu:
        if self._engine is not None:
            self._sample()
            self._baseline = False
            self._thread.start()
        return self

    def _sample(self) -> None:
        assert self._engine is not None
        with self._engine.connect() as conn:
            pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :db"),
                                {"db": self.database}).scalars().all()
        for pid in pids:
            try:
                times = psutil.Process(pid).cpu_times()
            except psutil.Error:
                continue
            seconds = times.user + times.system
            self._first.setdefault(pid, seconds if self._baseline else 0.0)
            self._last[pid] = seconds

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            self._sample()

    def stop(self) -> float | None:
        if self._engine is None:
            return None
        self._stop.set()
        self._thread.join(timeout=5)
        self._sample()
        self._engine.dispose()
        return sum(self._last[pid] - self._first[pid] for pid in self._last)
