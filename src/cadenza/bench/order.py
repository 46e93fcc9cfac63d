"""`cadenza bench order`: orders per second and order-to-completed latency through the whole
landscape (CANTATA -> BUS -> LEGATO -> SOF -> PRESTO -> ICM -> ADAGIO, and SONATA to a
partner), on each runtime of the Service Provider (bench/runtimes.py), against the no-op floor
over the same hops measured in the same run at the same concurrency (bench/floor.py).

Figures, never assertions. Per runtime: the hops an order makes (bench/hops.py), counted on
one on-net and one partner order placed alone before the clock runs; then the timed part,
`orders` orders from `customers` concurrent customers, with the CPU every process of each
domain spent meanwhile (bench/cpu.py) and a sampling profile of the Service Provider; then the
floor. Where the time goes is read from each order's interaction trace (the time between
consecutive MEF 55.0.1 steps).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx

from cadenza.bench.cpu import BackendCpu, TreeCpu
from cadenza.bench.customers import SP_SITES, OrderNews, customer_headers, nth_order, subscribe, token
from cadenza.bench.floor import FloorServer
from cadenza.bench.hops import DomainLog, RequestCount
from cadenza.bench.memory import PeakMemory
from cadenza.bench.profile import SamplingProfile
from cadenza.bench.runtimes import RUNTIMES, Running, Runtime, postgres_problem, running_landscape, sp_database
from cadenza.landscape.demo_orders import ORDERS, evpl_order

__all__ = ["run_order_bench", "THROUGHPUT_TARGET", "P50_TARGET", "P50_TARGET_CUSTOMERS", "CPU_TARGET"]

THROUGHPUT_TARGET = 1 / 8  # orders/s over the floor's chains/s, at least
P50_TARGET = 5.0  # on-net p50 over the floor's p50, at most ...
P50_TARGET_CUSTOMERS = 8  # ... with this many concurrent customers
CPU_TARGET = 1.15  # the SP's CPU per order with 2 workers over 1 worker, at most
IDLE_S = 2.0


def _store_orders(url: str, count: int) -> None:
    """`count` finished orders already in the SP's database, as after months of business."""
    from sqlalchemy import insert

    from cadenza.bus.rows import BusResourceRow
    from cadenza.core.clock import now
    from cadenza.core.db import Database
    from cadenza.core.ids import new_id
    from cadenza.landscape.database import migrate

    database = Database(url)
    migrate(database)
    template = evpl_order("acme", {"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION", "id": SP_SITES[0]},
                          {"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION", "id": SP_SITES[9]},
                          vlan=100, mbps=10)
    moment = now()
    with database.engine.begin() as connection:
        for start in range(0, count, 5_000):
            rows = []
            for _ in range(min(5_000, count - start)):
                order_id = new_id()
                rows.append({"id": order_id, "kind": "productOrder", "family": "cantata", "owner": "acme",
                             "state": "completed", "external_key": None, "created_at": moment, "updated_at": moment,
                             "version": 1, "document": {**template, "id": order_id, "state": "completed",
                                                        "orderDate": moment.isoformat()}})
            connection.execute(insert(BusResourceRow), rows)
    database.dispose()


def _settled(requests: RequestCount, *, quiet_s: float = 0.5, at_most_s: float = 5.0) -> dict[str, int]:
    """The requests counted since the mark once no more arrive (an order's last notifications
    are delivered after the customer has read it completed)."""
    deadline = time.monotonic() + at_most_s
    counts = requests.since_mark()
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        again = requests.since_mark()
        if again == counts:
            break
        counts = again
    return counts


def _census(sp: str, headers: dict[str, dict[str, str]], news: OrderNews, requests: RequestCount, first: int,
            partner_share: float) -> dict[str, dict[str, Any]]:
    """The hops of one on-net and one partner order, each placed alone (numbered from `first`,
    after the timed part's orders, so their CE-VLANs are their own)."""
    wanted = {False: "on_net", True: "partner"} if partner_share else {False: "on_net"}
    found: dict[str, dict[str, Any]] = {}
    n = first
    while wanted:
        customer, off_net, body = nth_order(n, partner_share)
        n += 1
        if off_net not in wanted:
            continue
        requests.mark()
        start = time.perf_counter()
        with httpx.Client(base_url=sp, headers=headers[customer], timeout=60) as http:
            state = news.follow(http, http.post(ORDERS, json=body).json()["id"])
        seconds = round(time.perf_counter() - start, 2)
        counts = _settled(requests)
        found[wanted.pop(off_net)] = {"state": state, "seconds": seconds, "hops": sum(counts.values()),
                                      "served_by": counts}
    return found


def _idle(running: Running, seconds: float = IDLE_S) -> dict[str, float | None]:
    """Cores each domain keeps busy with no order in flight (heartbeats, queue and outbox polls),
    part of every CPU figure of the timed part."""
    cpu = {name: TreeCpu(running.pid(name)).start() for name in ("sp", "partner-a")}
    backends = BackendCpu(running.database_url).start() if running.runtime.postgres else None
    time.sleep(seconds)
    backend_s = backends.stop() if backends is not None else None
    return {**{name: round(watch.stop() / seconds, 3) for name, watch in cpu.items()},
            "sp_postgres": round(backend_s / seconds, 3) if backend_s is not None else None}


def _where_time_goes(sp: str, operator: dict[str, str], order_ids: list[str]) -> dict[str, float]:
    gaps: dict[str, list[float]] = defaultdict(list)
    with httpx.Client(base_url=sp, headers=operator, timeout=30) as http:
        for order_id in order_ids:
            events = http.get(f"/cadenza/trace/v1/order/{order_id}").json()["interactions"]
            stamps = [(e["step"], time.mktime(time.strptime(e["at"][:19], "%Y-%m-%dT%H:%M:%S"))
                       + float("0." + e["at"][20:23])) for e in events]
            for (step, at), (next_step, next_at) in zip(stamps, stamps[1:], strict=False):
                gaps[f"{step}->{next_step}"].append(next_at - at)
    return {k: round(statistics.mean(v) * 1000, 1) for k, v in
            sorted(gaps.items(), key=lambda kv: -statistics.mean(kv[1]))[:8]}


def _pct(values: list[float], q: float) -> float:
    return round(sorted(values)[max(0, int(len(values) * q) - 1)] * 1000, 1) if values else 0.0


def _ratio(a: float | None, b: float | None, digits: int = 2) -> float | None:
    return round(a / b, digits) if a is not None and b else None


def _timed(running: Running, *, orders: int, customers: int, partner_share: float) -> dict[str, Any]:
    """Census, then the timed part: what the orders did and what the domains spent on them."""
    sp = running.urls["sp"]
    headers = customer_headers(sp)
    operator = token(sp, "sp-operator", "operator-demo-secret")
    results: list[dict[str, Any]] = []
    lock = threading.Lock()
    news = OrderNews(list(headers))

    def one(n: int) -> None:
        customer, off_net, body = nth_order(n, partner_share)
        start = time.perf_counter()
        with httpx.Client(base_url=sp, headers=headers[customer], timeout=60) as http:
            order_id = http.post(ORDERS, json=body).json()["id"]
            state = news.follow(http, order_id)
        with lock:
            results.append({"id": order_id, "state": state, "off_net": off_net,
                            "seconds": time.perf_counter() - start})

    with news:
        subscribe(sp, headers, news)
        requests = RequestCount({name: DomainLog(path, running.urls[name]) for name, path in running.logs.items()},
                                lambda: news.received)
        census = _census(sp, headers, news, requests, orders, partner_share)
        idle = _idle(running)
        memory = PeakMemory(running.pid("sp"))
        pid, subprocesses, profiled = running.profiled()
        profile = SamplingProfile(pid, running.workdir / "sp-profile.txt", subprocesses=subprocesses).start()
        cpu = {name: TreeCpu(running.pid(name)).start() for name in ("sp", "partner-a")}
        backends = BackendCpu(running.database_url).start() if running.runtime.postgres else None
        requests.mark()
        started = time.perf_counter()
        with ThreadPoolExecutor(customers) as pool:
            list(pool.map(one, range(orders)))
        elapsed = time.perf_counter() - started
        cpu_s = {name: watch.stop() for name, watch in cpu.items()}
        if backends is not None:
            cpu_s["sp_postgres"] = backends.stop()
        served = _settled(requests, quiet_s=0.2, at_most_s=1.0)
    largest_rss, tree_rss = memory.stop()
    return {"results": results, "elapsed": elapsed, "census": census, "idle": idle, "served": served, "cpu_s": cpu_s,
            "largest_rss": largest_rss, "tree_rss": tree_rss, "profile": profile.stop(),
            "profiled": profiled, "where": _where_time_goes(sp, operator, [r["id"] for r in results[:20]])}


def _run(runtime: Runtime, *, orders: int, customers: int, partner_share: float, stored: int,
         floor_seconds: float) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"cadenza-bench-order-{runtime.name}-"))
    laps = [time.monotonic()]
    with sp_database(runtime, workdir) as database_url:
        if stored:
            _store_orders(database_url, stored)
        # info: the access lines are how the hops are counted (bench/hops.py)
        with running_landscape(workdir, runtime, database_url, log_level="info") as running:
            laps.append(time.monotonic())
            got = _timed(running, orders=orders, customers=customers, partner_share=partner_share)
            laps.append(time.monotonic())
    laps.append(time.monotonic())
    results, census = got["results"], got["census"]
    hops = {kind: found["hops"] for kind, found in census.items()}
    hops["per_order"] = round(sum(got["served"].values()) / orders)
    with FloorServer() as server:  # after the domains stopped: the floor has the machine as they had
        floors = {kind: server.measure(hops=count, clients=customers, seconds=floor_seconds)
                  for kind, count in hops.items()}
    laps.append(time.monotonic())
    phases = {name: round(laps[i + 1] - laps[i], 1) for i, name in enumerate(("start", "orders", "stop", "floor"))}
    on_net = [r["seconds"] for r in results if not r["off_net"] and r["state"] == "completed"]
    partner = [r["seconds"] for r in results if r["off_net"] and r["state"] == "completed"]
    completed = sum(r["state"] == "completed" for r in results)
    orders_per_s = round(completed / got["elapsed"], 2)
    partner_orders = sum(r["off_net"] for r in results)
    cpu_s = {name: seconds for name, seconds in got["cpu_s"].items() if seconds is not None}
    p50s = {"on_net": _pct(on_net, 0.5), "partner": _pct(partner, 0.5)}
    ratios = {"throughput_over_floor": _ratio(orders_per_s, floors["per_order"].chains_per_s, 3),
              **{f"{kind}_p50_over_floor": _ratio(p50s[kind], floors[kind].p50_ms, 1) for kind in floors
                 if kind != "per_order"}}
    return {
        "runtime": runtime.name, "label": runtime.label, "orders": orders, "customers": customers,
        "completed": completed, "states": dict(Counter(r["state"] for r in results)),
        "elapsed_s": round(got["elapsed"], 2), "orders_per_s": orders_per_s,
        "on_net_p50_ms": p50s["on_net"], "on_net_p99_ms": _pct(on_net, 0.99),
        "partner_p50_ms": p50s["partner"], "partner_p99_ms": _pct(partner, 0.99),
        "cpu": {name: {"s_per_order": round(seconds / orders, 4), "idle_cores": got["idle"][name],
                       "net_of_idle_s_per_order": round((seconds - (got["idle"][name] or 0) * got["elapsed"]) / orders,
                                                        4)}
                for name, seconds in cpu_s.items()},
        "partner_cpu_s_per_partner_order": round(cpu_s["partner-a"] / partner_orders, 4) if partner_orders else None,
        "cores_busy": round(sum(cpu_s.values()) / got["elapsed"], 2),
        "hops": hops, "hops_census": census, "requests_timed": got["served"],
        "floor": {kind: asdict(floor) for kind, floor in floors.items()},
        "ratios": ratios,
        "targets_met": {
            "throughput": ratios["throughput_over_floor"] is not None
            and ratios["throughput_over_floor"] >= THROUGHPUT_TARGET,
            "on_net_p50": (ratios.get("on_net_p50_over_floor") or float("inf")) <= P50_TARGET
            if customers == P50_TARGET_CUSTOMERS else None},
        "sp_peak_rss_mib": round(got["largest_rss"] / 2**20, 1), "sp_all_processes_peak_rss_mib":
            round(got["tree_rss"] / 2**20, 1), "orders_stored_before": stored,
        "where_time_goes_ms": got["where"], "sp_cpu_profile": got["profile"], "profiled": got["profiled"],
        "phases_s": phases, "logs": str(workdir),
    }


def _compare(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    one, two = runs.get("pg1"), runs.get("pg2")
    if not one or not two or "skipped" in one or "skipped" in two:
        return {"cpu_pg2_over_pg1": None, "cpu_pg2_over_pg1_with_postgres": None, "cpu_pg2_over_pg1_net_of_idle": None,
                "cpu_target_met": None, "throughput_pg2_over_pg1": None}

    def per_order(run: dict[str, Any], figure: str, *, postgres: bool = False) -> float:
        return run["cpu"]["sp"][figure] + (run["cpu"].get("sp_postgres", {}).get(figure, 0) if postgres else 0)

    ratio = _ratio(per_order(two, "s_per_order"), per_order(one, "s_per_order"), 3)
    return {"cpu_pg2_over_pg1": ratio,
            "cpu_pg2_over_pg1_with_postgres": _ratio(per_order(two, "s_per_order", postgres=True),
                                                     per_order(one, "s_per_order", postgres=True), 3),
            "cpu_pg2_over_pg1_net_of_idle": _ratio(per_order(two, "net_of_idle_s_per_order"),
                                                   per_order(one, "net_of_idle_s_per_order"), 3),
            "cpu_target_met": ratio is not None and ratio <= CPU_TARGET,
            "throughput_pg2_over_pg1": _ratio(two["orders_per_s"], one["orders_per_s"], 3)}


def run_order_bench(*, runtimes: list[str] | None = None, orders: int = 60, customers: int = 8,
                    partner_share: float = 0.25, stored: int = 0, floor_seconds: float = 3.0,
                    progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    names = runtimes or list(RUNTIMES)
    problem = postgres_problem() if any(RUNTIMES[n].postgres for n in names) else None
    runs: dict[str, dict[str, Any]] = {}
    for name in names:
        runtime = RUNTIMES[name]
        if runtime.postgres and problem:
            runs[name] = {"runtime": name, "label": runtime.label, "skipped": problem}
            continue
        if progress:
            progress(runtime.label)
        runs[name] = _run(runtime, orders=orders, customers=customers, partner_share=partner_share, stored=stored,
                          floor_seconds=floor_seconds)
    return {"orders": orders, "customers": customers, "partner_share": partner_share, "runtimes": runs,
            "comparison": _compare(runs),
            "targets": {"throughput_over_floor_min": THROUGHPUT_TARGET, "on_net_p50_over_floor_max": P50_TARGET,
                        "p50_target_customers": P50_TARGET_CUSTOMERS, "cpu_pg2_over_pg1_max": CPU_TARGET}}


if __name__ == "__main__":
    print(json.dumps(run_order_bench()))
