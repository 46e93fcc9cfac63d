"""`cadenza bench control`: change requests applied per second and request-to-applied latency
of customers' ALLEGRO changes (MEF 55.0.1 §10.3: a `modify` service order changing the
bandwidth of a live EVPL in place), on-net and with the partner's segment, on 2 cores.

Figures, never assertions. The landscape is the demo's (bench/runtimes.py: the Service
Provider and Alpha Access as `cadenza domain up` processes of their own, scale driver). Before
the clock runs, the customers buy their EVPLs over CANTATA (the demo catalog lets a customer
move an EVPL between 10 and 1000 Mbit/s in 10 Mbit/s steps, 24 times a day); then, timed,
`concurrency` customers at once change them over ALLEGRO, each service by one customer at a time
(changes of one service are applied one after the other: a second one asked meanwhile is
refused), each change followed to `completed` through the customer's notification listener, as a
customer would. Request-to-applied is from the POST to the moment the order is read
`completed`. Where the time goes is read from the orders' interaction traces (the SOF's steps)
and from a sampling profile of the Service Provider during the on-net part.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from cadenza.bench.cpu import TreeCpu
from cadenza.bench.customers import PARTNER_SITE, SP_SITES, OrderNews, customer_headers, subscribe
from cadenza.bench.profile import SamplingProfile
from cadenza.bench.runtimes import RUNTIMES, Running, postgres_problem, running_landscape, sp_database
from cadenza.core.clock import parse_iso
from cadenza.interfaces.allegro.inventory_paths import INVENTORY_BASE
from cadenza.interfaces.allegro.ordering_client import change_item, change_order
from cadenza.interfaces.allegro.ordering_paths import ORDER_LISTENER_BASE, ORDERING_BASE
from cadenza.interfaces.legato.paths import EVC_TYPE
from cadenza.landscape.demo_orders import ORDERS, evpl_order

__all__ = ["run_control_bench", "THROUGHPUT_TARGET", "ON_NET_P50_TARGET_MS", "PARTNER_P50_TARGET_MS"]

THROUGHPUT_TARGET = 100.0  # on-net changes applied per second, at least
ON_NET_P50_TARGET_MS = 200.0
PARTNER_P50_TARGET_MS = 500.0
SERVICE_ORDERS = f"{ORDERING_BASE}/serviceOrder"
_FIRST_MBPS = 10  # the product's minimum: every change moves up from it and back
_STEPS_MBPS = (20, 30)


@dataclass(frozen=True, slots=True)
class Service:
    customer: str
    id: str
    off_net: bool


def _buy(sp: str, headers: dict[str, dict[str, str]], *, on_net: int, partner: int,
         concurrency: int) -> list[Service]:
    """The customers' EVPLs, bought over CANTATA before the clock runs: `on_net` between two of
    the SP's sites, `partner` to the partner's city; told apart by the customer's inventory."""
    news = OrderNews(list(headers))
    bought: list[Service] = []
    with news:
        subscribe(sp, headers, news)
        for off_net, count in ((False, on_net), (True, partner)):
            known = {c: set(_services(sp, h)) for c, h in headers.items()}

            def one(n: int, off_net: bool = off_net) -> str:
                customer = "acme" if n % 2 else "globex"
                a = {"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION", "id": SP_SITES[n % len(SP_SITES)]}
                z = PARTNER_SITE if off_net else {"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION",
                                                  "id": SP_SITES[(n + 7) % len(SP_SITES)]}
                # CE-VLANs of their own per order, beyond those of the other benchmarks
                body = evpl_order(customer, a, z, vlan=1000 + n + (500 if off_net else 0), mbps=_FIRST_MBPS)
                with httpx.Client(base_url=sp, headers=headers[customer], timeout=60) as http:
                    return news.follow(http, http.post(ORDERS, json=body).json()["id"])

            with ThreadPoolExecutor(max(1, min(concurrency, count))) as pool:
                states = list(pool.map(one, range(count)))
            if any(state != "completed" for state in states):
                raise RuntimeError(f"buying the services to change did not complete: {Counter(states)}")
            for customer, auth in headers.items():
                bought += [Service(customer, sid, off_net) for sid in _services(sp, auth) if sid not in known[customer]]
    return bought


def _services(sp: str, auth: dict[str, str]) -> list[str]:
    with httpx.Client(base_url=sp, headers=auth, timeout=30) as http:
        found: list[str] = []
        while True:
            page = http.get(f"{INVENTORY_BASE}/service", params={"offset": len(found), "limit": 100}).json()
            found += [s["id"] for s in page if s.get("state") == "active"]
            if len(page) < 100:
                return found


def _pct(values: list[float], q: float) -> float:
    return round(sorted(values)[max(0, int(len(values) * q + 0.5) - 1)] * 1000, 1) if values else 0.0


def _change_all(sp: str, headers: dict[str, dict[str, str]], news: OrderNews, services: list[Service], *,
                changes: int, concurrency: int) -> dict[str, Any]:
    """`changes` changes of `services` by `concurrency` customers at once, each customer changing
    services of its own one after the other; what each took, and the wall time."""
    lanes = [services[k::concurrency] for k in range(min(concurrency, len(services)))]
    share = [changes // len(lanes) + (k < changes % len(lanes)) for k in range(len(lanes))]
    results: list[dict[str, Any]] = []
    lock = threading.Lock()
    current: dict[str, int] = {}

    def lane(k: int) -> None:
        mine = lanes[k]
        clients = {customer: httpx.Client(base_url=sp, headers=auth, timeout=60) for customer, auth in headers.items()}
        try:
            for n in range(share[k]):
                service = mine[n % len(mine)]
                http = clients[service.customer]
                mbps = _STEPS_MBPS[0] if current.get(service.id, _FIRST_MBPS) != _STEPS_MBPS[0] else _STEPS_MBPS[1]
                body = change_order(change_item("1", service.id, EVC_TYPE, mbps))
                wall, start = time.time(), time.perf_counter()
                reply = http.post(SERVICE_ORDERS, json=body)
                accepted = time.perf_counter()
                if reply.status_code != 201:
                    state = f"refused {reply.status_code}: {reply.text[:200]}"
                    order_id = None
                else:
                    order_id = reply.json()["id"]
                    state = news.follow(http, order_id)
                end = time.perf_counter()
                if state == "completed":
                    current[service.id] = mbps
                with lock:
                    results.append({"id": order_id, "state": state, "off_net": service.off_net,
                                    "seconds": end - start, "accept_s": accepted - start, "posted_at": wall,
                                    "seen_at": wall + (end - start), "customer": service.customer})
        finally:
            for client in clients.values():
                client.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(len(lanes)) as pool:
        list(pool.map(lane, range(len(lanes))))
    return {"results": results, "elapsed": time.perf_counter() - started}


def _stamp(value: str | None) -> float | None:
    return None if value is None else parse_iso(value).timestamp()


def _where_time_goes(sp: str, headers: dict[str, dict[str, str]], results: list[dict[str, Any]]) -> dict[str, float]:
    """Mean ms of each stretch of a change, from the customer's clock (same machine) and the
    order's own dates: the POST until the SOF stored it (orderDate), until its fulfilment began
    (startDate, `inProgress`), until it was applied (completionDate), until the customer read it
    completed (the notification's delivery and the read)."""
    stretches: dict[str, list[float]] = defaultdict(list)
    for result in results:
        with httpx.Client(base_url=sp, headers=headers[result["customer"]], timeout=30) as http:
            order = http.get(f"{SERVICE_ORDERS}/{result['id']}").json()
        points = [("request", result["posted_at"]), ("acknowledged (orderDate)", _stamp(order.get("orderDate"))),
                  ("inProgress (startDate)", _stamp(order.get("startDate"))),
                  ("completed (completionDate)", _stamp(order.get("completionDate"))),
                  ("read completed by the customer", result["seen_at"])]
        known = [(name, at) for name, at in points if at is not None]
        for (one, at), (two, then) in zip(known, known[1:], strict=False):
            stretches[f"{one} -> {two}"].append(then - at)
    return {k: round(statistics.mean(v) * 1000, 1) for k, v in stretches.items()}


def _fulfilment_steps(database_url: str, order_ids: list[str]) -> dict[str, float]:
    """Mean ms of each durable step of the orders' fulfilment workflows (DBOS records when each
    started and ended), and of the time between steps (checkpoints, the next step's start)."""
    from dbos import DBOSClient

    from cadenza.core.workflows import system_database_url

    spent: dict[str, list[float]] = defaultdict(list)
    client = DBOSClient(system_database_url=system_database_url(database_url))
    try:
        for order_id in order_ids:
            steps = [s for s in client.list_workflow_steps(order_id, load_output=False)
                     if s["started_at_epoch_ms"] is not None and s["completed_at_epoch_ms"] is not None]
            between = 0.0
            for one, two in zip(steps, steps[1:], strict=False):
                between += two["started_at_epoch_ms"] - one["completed_at_epoch_ms"]
            for step in steps:
                spent[step["function_name"].rsplit(".", 1)[-1]].append(
                    step["completed_at_epoch_ms"] - step["started_at_epoch_ms"])
            if steps:
                spent["(between the steps, all together)"].append(between)
    finally:
        client.destroy()
    return {k: round(statistics.mean(v), 1) for k, v in sorted(spent.items(), key=lambda kv: -statistics.mean(kv[1]))}


def _figures(part: dict[str, Any]) -> dict[str, Any]:
    results = part["results"]
    applied = [r for r in results if r["state"] == "completed"]
    seconds = [r["seconds"] for r in applied]
    return {"changes": len(results), "applied": len(applied), "states": dict(Counter(r["state"] for r in results)),
            "elapsed_s": round(part["elapsed"], 2),
            "changes_per_s": round(len(applied) / part["elapsed"], 2) if part["elapsed"] else 0.0,
            "p50_ms": _pct(seconds, 0.5), "p99_ms": _pct(seconds, 0.99),
            "accept_p50_ms": _pct([r["accept_s"] for r in applied], 0.5)}


def _run(running: Running, *, services: int, partner_services: int, changes: int, partner_changes: int,
         concurrency: int, profile: bool) -> dict[str, Any]:
    sp = running.urls["sp"]
    headers = customer_headers(sp)
    laps = [time.monotonic()]
    bought = _buy(sp, headers, on_net=services, partner=partner_services, concurrency=concurrency)
    laps.append(time.monotonic())
    news = OrderNews(list(headers), listener_base=ORDER_LISTENER_BASE, orders=SERVICE_ORDERS)
    parts: dict[str, dict[str, Any]] = {}
    with news:
        hub = f"{sp}{ORDERING_BASE}/hub"
        for customer, auth in headers.items():  # the events come to {callback}{ORDER_LISTENER_BASE}/listener/...
            httpx.post(hub, json={"callback": news.callback(customer)}, headers=auth, timeout=10).raise_for_status()
        pid, subprocesses, profiled = running.profiled()
        sampling = SamplingProfile(pid, running.workdir / "sp-profile.txt",
                                   subprocesses=subprocesses).start() if profile else None
        cpu = TreeCpu(running.pid("sp")).start()
        parts["on_net"] = _change_all(sp, headers, news, [s for s in bought if not s.off_net], changes=changes,
                                      concurrency=concurrency)
        cpu_s = cpu.stop()
        spent = sampling.stop() if sampling is not None else None
        laps.append(time.monotonic())
        partner = [s for s in bought if s.off_net]
        if partner and partner_changes:
            parts["partner"] = _change_all(sp, headers, news, partner, changes=partner_changes,
                                           concurrency=min(concurrency, len(partner)))
        laps.append(time.monotonic())
    figures = {kind: _figures(part) for kind, part in parts.items()}
    figures["on_net"]["sp_cpu_s_per_change"] = round(cpu_s / max(1, figures["on_net"]["changes"]), 4)
    where = {kind: _where_time_goes(sp, headers, [r for r in part["results"] if r["state"] == "completed"][:30])
             for kind, part in parts.items()}
    steps = {kind: _fulfilment_steps(running.database_url, [r["id"] for r in part["results"]
                                                             if r["state"] == "completed"][:30])
             for kind, part in parts.items()}
    on_net, with_partner = figures["on_net"], figures.get("partner")
    return {
        **figures, "where_time_goes_ms": where, "fulfilment_steps_ms": steps, "sp_cpu_profile": spent,
        "profiled": profiled,
        "services": {"on_net": sum(not s.off_net for s in bought), "partner": sum(s.off_net for s in bought)},
        "ratios": {"throughput_over_target": round(on_net["changes_per_s"] / THROUGHPUT_TARGET, 3),
                   "on_net_p50_over_target": round(on_net["p50_ms"] / ON_NET_P50_TARGET_MS, 2),
                   "partner_p50_over_target": round(with_partner["p50_ms"] / PARTNER_P50_TARGET_MS, 2)
                   if with_partner else None},
        "targets_met": {"throughput": on_net["changes_per_s"] >= THROUGHPUT_TARGET,
                        "on_net_p50": 0 < on_net["p50_ms"] <= ON_NET_P50_TARGET_MS,
                        "partner_p50": (0 < with_partner["p50_ms"] <= PARTNER_P50_TARGET_MS)
                        if with_partner else None},
        "phases_s": {name: round(laps[i + 1] - laps[i], 1) for i, name in enumerate(("buy", "on_net", "partner"))},
        "logs": str(running.workdir),
    }


def run_control_bench(*, runtime: str = "sqlite", services: int = 24, partner_services: int = 4,
                      changes: int = 240, partner_changes: int = 24, concurrency: int = 8, profile: bool = True,
                      progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    chosen = RUNTIMES[runtime]
    base = {"runtime": runtime, "label": chosen.label, "concurrency": concurrency,
            "targets": {"changes_per_s_min": THROUGHPUT_TARGET, "on_net_p50_ms_max": ON_NET_P50_TARGET_MS,
                        "partner_p50_ms_max": PARTNER_P50_TARGET_MS}}
    if chosen.postgres and (problem := postgres_problem()):
        return {**base, "skipped": problem}
    if services * 24 < changes or (partner_services * 24 < partner_changes):
        raise ValueError("each service may be changed 24 times a day: give more services or fewer changes")
    workdir = Path(tempfile.mkdtemp(prefix=f"cadenza-bench-control-{runtime}-"))
    with sp_database(chosen, workdir) as database_url, running_landscape(workdir, chosen, database_url) as running:
        if progress:
            progress(f"benchmarking control on {chosen.label}: {services} + {partner_services} services, "
                     f"{changes} + {partner_changes} changes by {concurrency} customers at once")
        return {**base, **_run(running, services=services, partner_services=partner_services, changes=changes,
                               partner_changes=partner_changes, concurrency=concurrency, profile=profile)}


if __name__ == "__main__":
    print(json.dumps(run_control_bench()))
