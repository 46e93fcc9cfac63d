"""The largest resident set a domain's processes reach while watched."""

from __future__ import annotations

import threading
import time

import psutil

__all__ = ["PeakMemory"]


class PeakMemory:
    """Peak RSS of the largest process of the tree under `pid` (the figure a per-process limit
    is about), and of the whole tree."""

    def __init__(self, pid: int) -> None:
        self.largest = 0
        self.tree = 0
        self._root = psutil.Process(pid)
        self._stop = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            sizes = []
            try:
                for process in (self._root, *self._root.children(recursive=True)):
                    try:
                        sizes.append(process.memory_info().rss)
                    except psutil.NoSuchProcess:
                        continue
            except psutil.NoSuchProcess:
                return
            if sizes:
                self.largest, self.tree = max(self.largest, max(sizes)), max(self.tree, sum(sizes))
            time.sleep(0.2)

    def stop(self) -> tuple[int, int]:
        self._stop.set()
        return self.largest, self.tree
