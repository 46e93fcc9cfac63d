"""The twin's simulation clock: the network's own time, which may run faster than the wall.

`scale` 1 is real time (the default); 900 makes one 15-minute interval pass each second (demos);
0 stops time, so that only `advance` moves it (tests). Time never runs backwards: a new scale
takes effect from the present moment of simulated time, and `advance` only adds.

With a state file the clock keeps its place across a restart of the twin's process, as a real
network's time goes on while its management is down: after a restart it reads what it would
have read had the process run on (at the scale it had), so PM intervals neither repeat nor
leave a gap.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["SimClock"]


class SimClock:
    def __init__(self, *, scale: float = 1.0, state_path: Path | None = None,
                 wall: Callable[[], float] = time.time) -> None:
        if scale < 0:
            raise ValueError("the time scale must be 0 (stopped) or more")
        self._wall = wall
        self._path = state_path
        self._mutex = threading.Lock()
        saved = self._load()
        start = wall()
        if saved is None:
            self._sim_origin, self._wall_origin, self._scale = start, start, scale
        else:
            self._sim_origin, self._wall_origin, self._scale = saved
            if self._scale != scale:  # the configured scale applies from now on, not back to the origin
                self._sim_origin, self._wall_origin, self._scale = self._read(start), start, scale
        self._save()

    def __call__(self) -> float:
        return self.now()

    def now(self) -> float:
        """Simulated time in seconds since the epoch."""
        with self._mutex:
            return self._read(self._wall())

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    @property
    def scale(self) -> float:
        return self._scale

    def set_scale(self, scale: float) -> None:
        if scale < 0:
            raise ValueError("the time scale must be 0 (stopped) or more")
        with self._mutex:
            wall = self._wall()
            self._sim_origin, self._wall_origin, self._scale = self._read(wall), wall, scale
            self._save()

    def advance(self, seconds: float) -> float:
        """Move simulated time forward by `seconds` at once; returns the new time."""
        if seconds < 0:
            raise ValueError("simulated time only moves forward")
        with self._mutex:
            self._sim_origin += seconds
            self._save()
            return self._read(self._wall())

    def _read(self, wall: float) -> float:
        return self._sim_origin + (wall - self._wall_origin) * self._scale

    def _load(self) -> tuple[float, float, float] | None:
        if self._path is None or not self._path.exists():
            return None
        raw = json.loads(self._path.read_text())
        return float(raw["simOrigin"]), float(raw["wallOrigin"]), float(raw["scale"])

    def _save(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_name(f".{self._path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"simOrigin": self._sim_origin, "wallOrigin": self._wall_origin,
                                   "scale": self._scale}))
        os.replace(tmp, self._path)
