"""`cadenza bench order`: orders per second and order-to-completed latency through the whole
landscape (CANTATA -> BUS -> LEGATO -> SOF -> PRESTO -> ICM -> ADAGIO, and SONATA to a
partner), against the same number of HTTP hops through no-op handlers as a floor.

Figures, never assertions. The Service Provider and one partner run as processes of their
own with the scale driver and the embedded database; where the time goes is read from each
order's interaction trace (the time between consecutive MEF 55.0.1 steps).
"""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psutil
import uvicorn
import yaml
from fastapi import FastAPI

from cadenza.bench.profile import SamplingProfile
from cadenza.landscape.demo_orders import ORDERS, evpl_order

__all__ = ["run_order_bench", "run_in_flight_bench"]

DEMO = Path(__file__).parents[1] / "landscape/demo"
SP_SITES = [f"site-{area}-{n}-{p}" for area in ("east", "west") for n in range(1, 5) for p in (1, 2)]
PARTNER_SITE = {"@type": "FieldedAddress", "role": "INSTALL_LOCATION", "streetNr": "11", "streetName": "Evergreen",
                "streetType": "Terrace", "city": "Springfield", "postcode": "50001", "country": "US"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def _start(workdir: Path, stored: int = 0) -> tuple[dict[str, subprocess.Popen[bytes]], dict[str, str]]:
    ports = {"partner-a": _free_port(), "sp": _free_port()}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    procs = {}
    if stored:
        _store_orders(f"sqlite:///{workdir / 'sp'}.db", stored)
    for name in ("partner-a", "sp"):
        config = yaml.safe_load((DEMO / f"{name}.yaml").read_text())
        config["partners"] = [{**p, "url": urls["partner-a"]} for p in config.get("partners", [])
                              if p["party"] == "partner-a"]
        path = workdir / f"{name}.yaml"
        path.write_text(yaml.safe_dump(config))
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", "cadenza.cli", "domain", "up", str(path), "--driver", "scale",
             "--port", str(ports[name]), "--db", f"sqlite:///{workdir / name}.db", "--log-level", "warning"],
            stdout=(workdir / f"{name}.log").open("ab"), stderr=subprocess.STDOUT,
            env={**__import__("os").environ, "CADENZA_HOME": str(workdir / "var")})
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{urls[name]}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or procs[name].poll() is not None:
                _stop(procs)  # leave nothing running behind a failed start
                raise RuntimeError(f"{name} did not start; see {workdir / name}.log")
            time.sleep(0.2)
    return procs, urls


def _stop(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in procs.values():
        proc.terminate()
    for proc in procs.values():
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a figure is worth more than a graceful stop
            proc.kill()
            proc.wait()


class _PeakMemory:
    """The largest resident set a process reaches while watched."""

    def __init__(self, pid: int) -> None:
        self.peak = 0
        self._process = psutil.Process(pid)
        self._stop = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(0.2)

    def stop(self) -> int:
        self._stop.set()
        return self.peak


def _nth_order(n: int, partner_share: float) -> tuple[str, bool, dict[str, Any]]:
    """The benchmark's n-th order: whose, whether it needs the partner, and its body (a 1 Mbit/s
    EVPL with a CE-VLAN of its own, so no two orders compete for one)."""
    customer = "acme" if n % 2 else "globex"
    off_net = (n % round(1 / partner_share)) == 0 if partner_share else False
    a = {"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION", "id": SP_SITES[n % len(SP_SITES)]}
    z = PARTNER_SITE if off_net else {"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION",
                                       "id": SP_SITES[(n + 7) % len(SP_SITES)]}
    return customer, off_net, evpl_order(customer, a, z, vlan=100 + n, mbps=1)


def _customers(sp: str) -> dict[str, dict[str, str]]:
    return {"acme": _token(sp, "acme", "acme-demo-secret"), "globex": _token(sp, "globex", "globex-demo-secret")}


def _token(url: str, client_id: str, secret: str) -> dict[str, str]:
    reply = httpx.post(f"{url}/oauth2/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                   "client_secret": secret}, timeout=10)
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


class _OrderNews:
    """The customers' listener: the bench hears of its orders' progress as a customer would, from
    the order notifications, and reads an order only when told it changed (polling every few
    milliseconds would load the Service Provider with the benchmark's own requests)."""

    SAFETY_NET_S = 5.0

    def __init__(self, customers: list[str]) -> None:
        from cadenza.core.notifications.listener import listener_router

        self.app = FastAPI()
        for customer in customers:
            self.app.include_router(listener_router(f"/bench/{customer}/mefApi/cantata/productOrderingNotification/v5",
                                                    self._on_event))
        self._lock = threading.Lock()
        self._events: dict[str, threading.Event] = {}
        self._heard: set[str] = set()
        self.port = _free_port()
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="error"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> _OrderNews:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def callback(self, customer: str) -> str:
        return f"http://127.0.0.1:{self.port}/bench/{customer}"

    def _on_event(self, _event_type: str, event: dict[str, Any]) -> None:
        order_id = (event.get("event") or {}).get("id")
        with self._lock:
            self._heard.add(order_id)
            waiting = self._events.get(order_id)
        if waiting is not None:
            waiting.set()

    def watch(self, order_id: str) -> threading.Event:
        with self._lock:
            news = self._events.setdefault(order_id, threading.Event())
            if order_id in self._heard:
                news.set()
        return news

    def follow(self, http: httpx.Client, order_id: str) -> str:
        """The order's final state, read each time its notifications say it changed."""
        news = self.watch(order_id)
        while True:
            news.clear()
            state = http.get(f"{ORDERS}/{order_id}").json()["state"]
            if state in ("completed", "failed", "cancelled", "partial", "rejected"):
                return state
            news.wait(self.SAFETY_NET_S)


def _noop_floor(hops: int, samples: int = 30) -> float:
    """Seconds for `hops` sequential loopback HTTP requests through no-op FastAPI handlers."""
    app = FastAPI()

    @app.post("/hop")
    def hop() -> dict:
        return {}

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    timings = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
        for _ in range(samples):
            start = time.perf_counter()
            for _ in range(hops):
                http.post("/hop", json={})
            timings.append(time.perf_counter() - start)
    server.should_exit = True
    thread.join(timeout=5)
    return statistics.median(timings)


def run_order_bench(*, orders: int = 60, customers: int = 8, partner_share: float = 0.25,
                    stored: int = 0) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="cadenza-bench-order-"))
    procs, urls = _start(workdir, stored)
    try:
        sp = urls["sp"]
        headers = _customers(sp)
        operator = _token(sp, "sp-operator", "operator-demo-secret")
        memory = _PeakMemory(procs["sp"].pid)
        profile = SamplingProfile(procs["sp"].pid, workdir / "sp-profile.txt").start()
        results: list[dict[str, Any]] = []
        lock = threading.Lock()

        def one(n: int) -> None:
            customer, off_net, body = _nth_order(n, partner_share)
            start = time.perf_counter()
            with httpx.Client(base_url=sp, headers=headers[customer], timeout=60) as http:
                order_id = http.post(ORDERS, json=body).json()["id"]
                state = news.follow(http, order_id)
            with lock:
                results.append({"id": order_id, "state": state, "off_net": off_net,
                                "seconds": time.perf_counter() - start})

        news = _OrderNews(list(headers))
        with news:
            for customer, auth in headers.items():
                hub = f"{sp}{ORDERS.removesuffix('/productOrder')}/hub"
                httpx.post(hub, json={"callback": news.callback(customer)}, headers=auth, timeout=10).raise_for_status()
            started = time.perf_counter()
            with ThreadPoolExecutor(customers) as pool:
                list(pool.map(one, range(orders)))
            elapsed = time.perf_counter() - started
        peak_rss = memory.stop()
        cpu = profile.stop()

        gaps: dict[str, list[float]] = defaultdict(list)
        with httpx.Client(base_url=sp, headers=operator, timeout=30) as http:
            for result in results[:20]:
                events = http.get(f"/cadenza/trace/v1/order/{result['id']}").json()["interactions"]
                stamps = [(e["step"], time.mktime(time.strptime(e["at"][:19], "%Y-%m-%dT%H:%M:%S"))
                           + float("0." + e["at"][20:23])) for e in events]
                for (step, at), (next_step, next_at) in zip(stamps, stamps[1:], strict=False):
                    gaps[f"{step}->{next_step}"].append(next_at - at)
    finally:
        _stop(procs)

    def pct(values: list[float], q: float) -> float:
        return round(sorted(values)[max(0, int(len(values) * q) - 1)] * 1000, 1) if values else 0.0

    on_net = [r["seconds"] for r in results if not r["off_net"] and r["state"] == "completed"]
    partner = [r["seconds"] for r in results if r["off_net"] and r["state"] == "completed"]
    hops = 30  # HTTP requests one on-net order makes across the entities (create, LEGATO, PRESTO, polls)
    floor = _noop_floor(hops)
    return {
        "orders": orders, "customers": customers, "completed": sum(r["state"] == "completed" for r in results),
        "orders_per_s": round(orders / elapsed, 2),
        "on_net_p50_ms": pct(on_net, 0.5), "on_net_p99_ms": pct(on_net, 0.99),
        "partner_p50_ms": pct(partner, 0.5), "partner_p99_ms": pct(partner, 0.99),
        "noop_floor_ms": round(floor * 1000, 1), "noop_hops": hops,
        "on_net_p50_over_floor": round(pct(on_net, 0.5) / (floor * 1000), 1) if floor else None,
        "sp_peak_rss_mib": round(peak_rss / 2**20, 1), "orders_stored_before": stored,
        "where_time_goes_ms": {k: round(statistics.mean(v) * 1000, 1) for k, v in
                               sorted(gaps.items(), key=lambda kv: -statistics.mean(kv[1]))[:8]},
        "sp_cpu_profile": cpu,
    }


FINAL = ("completed", "failed", "partial", "cancelled", "rejected")


def _count(http: httpx.Client, state: str | None = None) -> int:
    params = {"limit": 1, **({"state": state} if state else {})}
    reply = http.get(ORDERS, params=params)
    reply.raise_for_status()
    return int(reply.headers["X-Total-Count"])


def run_in_flight_bench(*, orders: int = 1000, senders: int = 32, partner_share: float = 0.25,
                        timeout_s: float = 3600, progress: Any = None) -> dict[str, Any]:
    """Put `orders` orders in flight at once (all accepted before the first can complete), then
    wait until every one is finished: how many were refused, failed or lost, and how long the
    landscape took to work through them."""
    workdir = Path(tempfile.mkdtemp(prefix="cadenza-bench-inflight-"))
    procs, urls = _start(workdir)
    try:
        sp = urls["sp"]
        headers = _customers(sp)
        memory = _PeakMemory(procs["sp"].pid)
        refused: list[str] = []
        accepted: list[str] = []
        lock = threading.Lock()
        clients = {name: httpx.Client(base_url=sp, headers=h, timeout=120) for name, h in headers.items()}

        def submit(n: int) -> None:
            customer, _off_net, body = _nth_order(n, partner_share)
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
        peak_rss = memory.stop()
        stored = sum(_count(c) for c in clients.values())
        for client in clients.values():
            client.close()
    finally:
        _stop(procs)
    return {
        "orders": orders, "accepted": len(accepted), "refused": len(refused), "refusals": refused[:5],
        "in_flight_peak": in_flight_peak, "submit_s": round(submitted_s, 1), "drain_s": round(elapsed, 1),
        "final_states": counts, "unfinished": len(accepted) - sum(counts.values()),
        "orders_stored": stored, "orders_per_s": round(sum(counts.values()) / elapsed, 2),
        "sp_peak_rss_mib": round(peak_rss / 2**20, 1), "logs": str(workdir),
    }


if __name__ == "__main__":
    print(json.dumps(run_order_bench()))
