"""`cadenza bench in-flight`: `orders` orders in flight at once (all accepted before the first
can complete), then the wait until every one is finished: how many were refused, failed or
lost, and how long the landscape took to work through them; on SQLite in one process or on
PostgreSQL with two workers (bench/runtimes.py)."""

from __future__ import annotations

import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from cadenza.bench.customers import FINAL, customer_headers, nth_order
from cadenza.bench.memory import PeakMemory
from cadenza.bench.runtimes import RUNTIMES, postgres_problem, running_landscape, sp_database
from cadenza.landscape.demo_orders import ORDERS

__all__ = ["run_in_flight_bench", "IN_FLIGHT_RUNTIMES"]

IN_FLIGHT_RUNTIMES = ("sqlite", "pg2")


def _count(http: httpx.Client, state: str | None = None) -> int:
    params = {"limit": 1, **({"state": state} if state else {})}
    reply = http.get(ORDERS, params=params)
    reply.raise_for_status()
    return int(reply.headers["X-Total-Count"])


def run_in_flight_bench(*, runtime: str = "sqlite", orders: int = 1000, senders: int = 32,
                        partner_share: float = 0.25, timeout_s: float = 3600, progress: Any = None) -> dict[str, Any]:
    chosen = RUNTIMES[runtime]
    problem = postgres_problem() if chosen.postgres else None
    if problem:
        return {"runtime": runtime, "label": chosen.label, "skipped": problem}
    workdir = Path(tempfile.mkdtemp(prefix=f"cadenza-bench-inflight-{runtime}-"))
    with sp_database(chosen, workdir) as database_url, running_landscape(workdir, chosen, database_url) as running:
        sp = running.urls["sp"]
        headers = customer_headers(sp)
        memory = PeakMemory(running.pid("sp"))
        refused: list[str] = []
        accepted: list[str] = []
        lock = threading.Lock()
        clients = {name: httpx.Client(base_url=sp, headers=h, timeout=120) for name, h in headers.items()}

        def submit(n: int) -> None:
            customer, _off_net, body = nth_order(n, partner_share)
            reply = clients[customer].post(ORDERS, json=body)
            with lock:
                if reply.status_code == 201:
                    accepted.append(reply.json()["id"])
                else:
                    refused.append(f"{reply.status_code}: {reply.text[:200]}")
            if progress:
                progress("submitted")

        started = time.perf_counter()
        with ThreadPoolExecutor(senders) as pool:
            list(pool.map(submit, range(orders)))
        submitted_s = time.perf_counter() - started
        finished_at_submit = sum(_count(c, state) for c in clients.values() for state in FINAL)
        in_flight_peak = len(accepted) - finished_at_submit
        counts: dict[str, int] = {}
        while time.perf_counter() - started < timeout_s:
            counts = {state: sum(_count(c, state) for c in clients.values()) for state in FINAL}
            if progress:
                progress("finished", sum(counts.values()))
            if sum(counts.values()) >= len(accepted):
                break
            time.sleep(2)
        elapsed = time.perf_counter() - started
        largest_rss, tree_rss = memory.stop()
        stored = sum(_count(c) for c in clients.values())
        for client in clients.values():
            client.close()
    return {
        "runtime": runtime, "label": chosen.label,
        "orders": orders, "accepted": len(accepted), "refused": len(refused), "refusals": refused[:5],
        "in_flight_peak": in_flight_peak, "submit_s": round(submitted_s, 1), "drain_s": round(elapsed, 1),
        "final_states": counts, "unfinished": len(accepted) - sum(counts.values()),
        "orders_stored": stored, "orders_per_s": round(sum(counts.values()) / elapsed, 2),
        "sp_peak_rss_mib": round(largest_rss / 2**20, 1), "sp_all_processes_peak_rss_mib": round(tree_rss / 2**20, 1),
        "logs": str(workdir),
    }
