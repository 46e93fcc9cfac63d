"""The no-op floor of `cadenza bench order`: what the same hops cost when every handler does
nothing. `clients` concurrent clients each send chains of `hops` sequential loopback requests
to a no-op FastAPI handler, served by uvicorn in a process of its own (so the server does not
share the bench's GIL, as the domains do not); the figures are chains per second and the
chain's latency, to set beside orders per second and an order's latency."""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import httpx
from fastapi import FastAPI

from cadenza.bench.ports import free_port

__all__ = ["app", "Floor", "FloorServer"]

app = FastAPI()


@app.post("/hop")
def hop() -> dict:
    # sync, as Cadenza's routes are: each request goes through the thread pool as theirs do
    return {}


@dataclass(frozen=True, slots=True)
class Floor:
    hops: int
    clients: int
    chains: int
    chains_per_s: float
    p50_ms: float
    p99_ms: float


class FloorServer:
    """The no-op server in a process of its own, for as long as the `with` lasts."""

    def __init__(self) -> None:
        self.port = free_port()
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> FloorServer:
        self._proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "cadenza.bench.floor:app",
                                       "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
                                       "--no-access-log"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.post(f"http://127.0.0.1:{self.port}/hop", timeout=1).raise_for_status()
                return self
            except httpx.HTTPError:
                if time.monotonic() > deadline or self._proc.poll() is not None:
                    self.__exit__()
                    raise RuntimeError("the no-op floor server did not start") from None
                time.sleep(0.1)

    def __exit__(self, *_exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def measure(self, *, hops: int, clients: int, seconds: float = 3.0, min_chains: int = 3) -> Floor:
        """Every client sends chains until `seconds` have passed and it has sent `min_chains`."""
        hops = max(1, hops)
        timings: list[float] = []
        lock = threading.Lock()
        deadline = time.perf_counter() + seconds

        def client() -> None:
            done = 0
            with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30) as http:
                http.post("/hop", json={})  # the connection is open before the clock runs, as the domains' are
                while done < min_chains or time.perf_counter() < deadline:
                    start = time.perf_counter()
                    for _ in range(hops):
                        http.post("/hop", json={})
                    with lock:
                        timings.append(time.perf_counter() - start)
                    done += 1

        threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        ordered = sorted(timings)
        return Floor(hops=hops, clients=clients, chains=len(ordered), chains_per_s=round(len(ordered) / elapsed, 2),
                     p50_ms=round(statistics.median(ordered) * 1000, 1),
                     p99_ms=round(ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000, 1))
