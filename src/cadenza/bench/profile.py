"""A CPU profile of a running domain process, taken from outside with py-spy (sampling, only
the thread holding the GIL), summed up as the benchmarks print it: where the CPU goes by area
(Cadenza's own code, SQLAlchemy, DBOS, HTTP serving, ...) and the Cadenza functions that cost
the most including what they call."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["SamplingProfile", "summarise"]

# The package a leaf frame's file lives in decides its area; the first match wins.
AREAS = (
    ("libyang", "YANG validation (libyang)"),
    ("sqlalchemy", "SQL (SQLAlchemy)"),
    ("sqlite3", "SQL (SQLAlchemy)"),
    ("psycopg", "SQL (SQLAlchemy)"),
    ("dbos", "durable workflows (DBOS)"),
    ("jsonschema", "JSON schema validation"),
    ("referencing", "JSON schema validation"),
    ("pydantic", "request/response models (pydantic)"),
    ("starlette", "HTTP serving (uvicorn/starlette/fastapi)"),
    ("fastapi", "HTTP serving (uvicorn/starlette/fastapi)"),
    ("uvicorn", "HTTP serving (uvicorn/starlette/fastapi)"),
    ("anyio", "HTTP serving (uvicorn/starlette/fastapi)"),
    ("httpx", "HTTP calls (httpx/aiohttp)"),
    ("httpcore", "HTTP calls (httpx/aiohttp)"),
    ("aiohttp", "HTTP calls (httpx/aiohttp)"),
    ("h11", "HTTP calls (httpx/aiohttp)"),
    ("jwt", "auth (JWT, argon2)"),
    ("argon2", "auth (JWT, argon2)"),
    ("ncclient", "NETCONF (ncclient/netconf/paramiko)"),
    ("netconf", "NETCONF (ncclient/netconf/paramiko)"),
    ("paramiko", "NETCONF (ncclient/netconf/paramiko)"),
    ("lxml", "XML (lxml)"),
    ("json", "JSON encoding"),
    ("cadenza", "Cadenza's own code"),
)


@dataclass
class SamplingProfile:
    """py-spy recording `pid` until `stop()`; `None` from `stop()` when py-spy is missing or not allowed."""

    pid: int
    out: Path
    rate: int = 50
    subprocesses: bool = True
    _proc: subprocess.Popen[bytes] | None = None

    def start(self) -> SamplingProfile:
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(spy).exists():
            return self
        # --subprocesses: a twin in a process of its own is part of the domain's work
        self._proc = subprocess.Popen([spy, "record", "--gil", "--nonblocking",
                                       *(["--subprocesses"] if self.subprocesses else []), "-p", str(self.pid),
                                       "-r", str(self.rate), "-f", "raw", "-o", str(self.out)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def stop(self) -> dict[str, Any] | None:
        if self._proc is None:
            return None
        self._proc.send_signal(signal.SIGINT)  # py-spy writes what it has and exits
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            return None
        return summarise(self.out) if self.out.exists() else None


def _area(frame: str) -> str:
    where = frame.rsplit("(", 1)[-1]
    for package, area in AREAS:
        if f"{package}/" in where or where.startswith(f"{package}."):
            return area
    return "Python itself and other libraries"


def summarise(raw: Path, *, top: int = 12) -> dict[str, Any]:
    """Per area the share of samples spent in it (leaf frame), and the Cadenza functions with
    the largest share including their callees."""
    areas: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = stack.split(";")
        areas[_area(frames[-1])] += samples
        for name in {f.split(" (")[0] + " " + f.rsplit("(", 1)[-1].split(":")[0].split("cadenza/", 1)[-1]
                     for f in frames if "cadenza/" in f and "cadenza/cli.py" not in f and not f.startswith("<module>")
                     and "Middleware.__call__" not in f}:
            inclusive[name] += samples
    if not total:
        return {"samples": 0, "areas": {}, "cadenza": {}}

    def share(n: int) -> float:
        return round(100 * n / total, 1)

    return {"samples": total, "areas": {k: share(v) for k, v in areas.most_common()},
            "cadenza": {k: share(v) for k, v in inclusive.most_common(top)}}
