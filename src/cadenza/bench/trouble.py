"""`cadenza bench trouble`: how fast the Service Provider handles customers' trouble tickets
(MEF 55.0.1 §10.5) on 2 cores, over the public APIs of the demo's landscape (bench/runtimes.py:
the Service Provider and Alpha Access as `cadenza domain up` processes, scale driver).

Figures and checks, never targets (issue 13 names none for these):

- **Automatic remediation.** One customer's ticket at a time on an on-net EVPL whose metro trunk
  the operator failed in the twin (`/cadenza/twin/v1/links/fail`): the BUS takes it up, SOF
  diagnoses it over LEGATO, reroutes the segment off the link and the ticket is `resolved`.
  Ticket to diagnosis is from the customer's POST to the moment SOF's trouble report left
  `diagnosing` (its history, the cause located); ticket to restoration is to the ticket's
  `resolved` (its `statusChange`). Same machine, same clock. The link is restored after each.
- **A link failure affecting many services.** `services` EVPLs east to west, bought over CANTATA
  before the clock runs; the metro trunk most of them cross is failed, and every customer whose
  service crossed it opens a ticket at once (`concurrency` at a time). Tickets handled per second
  is the affected services over the time from the first POST to the last ticket resolved. The
  bench then checks, over the public APIs, that every affected service was diagnosed: one ticket
  each, resolved, exactly one SOF trouble report per service and ticket, and no service left on
  the failed link; it prints what it found, not a verdict it assumed.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from cadenza.bench.customers import SP_SITES, OrderNews, customer_headers, subscribe, token
from cadenza.bench.runtimes import RUNTIMES, Running, postgres_problem, running_landscape, sp_database
from cadenza.core.clock import parse_iso
from cadenza.interfaces.legato.paths import INVENTORY_BASE as SOF_INVENTORY
from cadenza.interfaces.legato.paths import ORDERING_BASE as SOF_ORDERING
from cadenza.landscape.demo_orders import ORDERS, evpl_order

__all__ = ["run_trouble_bench"]

TICKETS = "/mefApi/cantata/troubleTicket/v4/troubleTicket"
TICKET_LISTENER_BASE = "/mefApi/cantata/troubleTicketNotification/v4"
INCIDENTS = "/mefApi/cantata/troubleTicket/v4/incident"
REPORTS = "/cadenza/legato/troubleReport/v1/troubleReport"
PRODUCTS = "/mefApi/cantata/productInventory/v1/product"
_EAST, _WEST = SP_SITES[:8], SP_SITES[8:]
_DONE = ("resolved", "closed", "pending", "cancelled")  # a ticket the SP has finished with, for now
_TICKET_WAIT_S = 600.0
_INCIDENTS_CLOSE_S = 60.0  # how long the run waits for the outage incidents to close once the tickets are resolved


@dataclass(frozen=True, slots=True)
class Service:
    customer: str
    product: str
    id: str  # SOF's service
    links: frozenset[str]  # the links of its SP segment's route


class TicketNews(OrderNews):
    """The customers' ticket listener: a ticket is read when its events say it changed."""

    def status(self, http: httpx.Client, ticket_id: str, *, until: float) -> dict[str, Any]:
        news = self.watch(ticket_id)
        while True:
            news.clear()
            try:
                ticket = http.get(f"{TICKETS}/{ticket_id}").json()
            except httpx.TransportError:  # a connection the loaded SP dropped: read it again, till the wait ends
                if time.monotonic() > until:
                    raise
                time.sleep(1)
                continue
            if ticket["status"] in _DONE or time.monotonic() > until:
                return ticket
            news.wait(self.SAFETY_NET_S)


def _stamp(value: str | None) -> float | None:
    return None if value is None else parse_iso(value).timestamp()


def _pct(values: list[float], q: float) -> float:
    return round(sorted(values)[max(0, int(len(values) * q + 0.5) - 1)] * 1000, 1) if values else 0.0


def _buy(sp: str, headers: dict[str, dict[str, str]], news: OrderNews, count: int, *, first: int,
         concurrency: int) -> list[str]:
    """`count` EVPLs from an eastern to a western site over CANTATA (so their routes cross a metro
    trunk); the completed orders' ids. CE-VLANs of their own per order (`first` + n). `news`
    listens the whole run: a listener gone while the SP still delivers the orders' last events
    has the SP's outbox retry them for minutes beside the tickets' events."""
    def one(n: int) -> tuple[str, str]:
        customer = "acme" if n % 2 else "globex"
        a = {"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION", "id": _EAST[n % 8]}
        z = {"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION", "id": _WEST[(n // 8) % 8]}
        body = evpl_order(customer, a, z, vlan=first + n, mbps=1)
        with httpx.Client(base_url=sp, headers=headers[customer], timeout=120) as http:
            order_id = http.post(ORDERS, json=body).json()["id"]
            for _ in range(5):  # a connection the loaded SP dropped: reading the order again is harmless
                try:
                    return order_id, news.follow(http, order_id)
                except httpx.TransportError:
                    time.sleep(1)
            return order_id, news.follow(http, order_id)

    with ThreadPoolExecutor(max(1, min(concurrency, count))) as pool:
        done = list(pool.map(one, range(first, first + count)))
    states = Counter(state for _, state in done)
    if states != Counter({"completed": count}):
        raise RuntimeError(f"buying the services for the tickets did not complete: {dict(states)}")
    return [order_id for order_id, _ in done]


def _services(sp: str, headers: dict[str, dict[str, str]], sof: dict[str, str], operator: dict[str, str],
              order_ids: list[str], *, first: int, concurrency: int) -> list[Service]:
    """Each order's product (the customer's inventory), its SOF service (LEGATO) and the links of
    its route (PRESTO's connectivity service details)."""

    def one(pair: tuple[int, str]) -> Service:
        n, order_id = pair
        customer = "acme" if n % 2 else "globex"
        with httpx.Client(base_url=sp, timeout=60) as http:
            [product] = http.get(PRODUCTS, params={"productOrderId": order_id}, headers=headers[customer]).json()
            [ordered] = http.get(f"{SOF_ORDERING}/serviceOrder", params={"externalId": f"{order_id}/1"},
                                 headers=sof).json()
            service_id = ordered["serviceOrderItem"][0]["service"]["id"]
            segment = http.get(f"{SOF_INVENTORY}/service/{service_id}", headers=sof).json()[
                "serviceConfiguration"]["cadenzaDesign"]["segments"][0]
            return Service(customer, product["id"], service_id, _route(http, operator, segment))

    with ThreadPoolExecutor(max(1, min(concurrency, len(order_ids)))) as pool:
        return list(pool.map(one, enumerate(order_ids, start=first)))


def _route(http: httpx.Client, operator: dict[str, str], segment: dict[str, Any]) -> frozenset[str]:
    reply = http.post(f"/presto/{segment['networkDomain']}/restconf/operations/get-connectivity-service-details/",
                      json={"input": {"service-id-or-name": segment["uuid"]}}, headers=operator)
    reply.raise_for_status()
    return frozenset(reply.json()["output"]["service"]["cadenza-activation"]["s-vlans"])


def _links(sp: str, operator: dict[str, str], services: list[Service], sof: dict[str, str]) -> list[frozenset[str]]:
    """The routes' links now (after remediation)."""
    with httpx.Client(base_url=sp, timeout=60) as http:
        routes = []
        for service in services:
            segment = http.get(f"{SOF_INVENTORY}/service/{service.id}", headers=sof).json()[
                "serviceConfiguration"]["cadenzaDesign"]["segments"][0]
            routes.append(_route(http, operator, segment))
        return routes


def _trunk(links: frozenset[str]) -> str | None:
    """The route's link between two aggregation elements: a metro trunk the network can route around."""
    return next((link for link in sorted(links) if all(end.startswith("agg") for end in link.split("|"))), None)


def _twin(sp: str, operator: dict[str, str], action: str, link: str) -> None:
    a, b = link.split("|")
    httpx.post(f"{sp}/cadenza/twin/v1/links/{action}", json={"a": a, "b": b}, headers=operator,
               timeout=60).raise_for_status()


def _ticket_body(product_id: str, text: str) -> dict[str, Any]:
    return {"description": text, "priority": "high", "severity": "significant", "ticketType": "maintenance",
            "observedImpact": "down",
            "relatedEntity": [{"@referredType": "Product", "id": product_id, "role": "affectedProduct"}],
            "relatedContactInformation": [{"role": "reporterContact", "name": "Ann Smith", "number": "+1-555-0101",
                                           "emailAddress": "ann@example.com"}]}


def _open(sp: str, headers: dict[str, dict[str, str]], service: Service, text: str) -> dict[str, Any]:
    """The customer's ticket on `service`, as it reports it."""
    with httpx.Client(base_url=sp, headers=headers[service.customer], timeout=120) as http:
        posted = time.time()
        reply = http.post(TICKETS, json=_ticket_body(service.product, text))
    if reply.status_code != 201:
        return {"service": service.id, "customer": service.customer, "ticket": None,
                "status": f"refused {reply.status_code}: {reply.text[:200]}", "posted_at": posted}
    return {"service": service.id, "customer": service.customer, "ticket": reply.json()["id"], "posted_at": posted}


def _follow(sp: str, headers: dict[str, dict[str, str]], news: TicketNews, opened: dict[str, Any]) -> dict[str, Any]:
    """The ticket followed to the SP's end of it, through the customer's listener."""
    if opened["ticket"] is None:
        return opened
    with httpx.Client(base_url=sp, headers=headers[opened["customer"]], timeout=120) as http:
        ticket = news.status(http, opened["ticket"], until=time.monotonic() + _TICKET_WAIT_S)
    resolved = [_stamp(c["changeDate"]) for c in ticket.get("statusChange", []) if c["status"] == "resolved"]
    return {**opened, "status": ticket["status"], "resolved_at": resolved[0] if resolved else None,
            "seen_at": time.time(),
            "attached_to_incident": any(i.get("@referredType") == "Incident" for i in ticket.get("relatedIssue", []))}


def _handle(sp: str, headers: dict[str, dict[str, str]], news: TicketNews, service: Service,
            text: str) -> dict[str, Any]:
    return _follow(sp, headers, news, _open(sp, headers, service, text))


def _reports(sp: str, sof: dict[str, str], results: list[dict[str, Any]], *, concurrency: int
             ) -> dict[str, list[dict[str, Any]]]:
    """SOF's trouble reports of each ticket (LEGATO), by ticket."""
    def one(ticket_id: str) -> tuple[str, list[dict[str, Any]]]:
        with httpx.Client(base_url=sp, headers=sof, timeout=60) as http:
            return ticket_id, http.get(REPORTS, params={"ticketId": ticket_id}).json()

    tickets = [r["ticket"] for r in results if r["ticket"]]
    with ThreadPoolExecutor(max(1, min(concurrency, len(tickets) or 1))) as pool:
        return dict(pool.map(one, tickets))


def _incidents(sp: str, headers: dict[str, dict[str, str]], services: list[Service], *, concurrency: int
               ) -> dict[str, list[dict[str, Any]]]:
    """The incidents each customer sees on each service's product (CANTATA), by service."""
    def one(service: Service) -> tuple[str, list[dict[str, Any]]]:
        with httpx.Client(base_url=sp, headers=headers[service.customer], timeout=60) as http:
            found = http.get(INCIDENTS, params={"relatedEntityId": service.product}).json()
            return service.id, [http.get(f"{INCIDENTS}/{i['id']}").json() for i in found]

    with ThreadPoolExecutor(max(1, min(concurrency, len(services) or 1))) as pool:
        return dict(pool.map(one, services))


def _of_outage(incidents: list[dict[str, Any]], link: str) -> list[dict[str, Any]]:
    """Those of a product's incidents its outage on `link` opened (their first move says so)."""
    return [i for i in incidents if (i.get("statusChange") or [{}])[0].get("changeReason", "").startswith("outage:")
            and link in i["statusChange"][0]["changeReason"]]


def _diagnosed_at(report: dict[str, Any]) -> float | None:
    """When SOF located the trouble: the report's first move out of `diagnosing`."""
    moves = report.get("history", [])
    for one, two in zip(moves, moves[1:], strict=False):
        if one["state"] == "diagnosing":
            return _stamp(two["at"])
    return None


def _remediation(sp: str, headers: dict[str, dict[str, str]], sof: dict[str, str], operator: dict[str, str],
                 news: TicketNews, services: list[Service], progress: Callable[[str], None] | None
                 ) -> dict[str, Any]:
    """One ticket at a time, each on a service whose metro trunk was failed just before."""
    samples: list[dict[str, Any]] = []
    for k, service in enumerate(services):
        [links] = _links(sp, operator, [service], sof)
        link = _trunk(links)
        if link is None:
            samples.append({"service": service.id, "status": "no metro trunk on the route"})
            continue
        _twin(sp, operator, "fail", link)
        try:
            result = _handle(sp, headers, news, service, "EVPL east-west carries no traffic")
        finally:
            _twin(sp, operator, "restore", link)
        reports = _reports(sp, sof, [result], concurrency=1).get(result["ticket"] or "", [])
        diagnosed = _diagnosed_at(reports[0]) if reports else None
        [after] = _links(sp, operator, [service], sof)
        samples.append({**result, "link": link, "rerouted": link not in after, "reports": len(reports),
                        "report_state": reports[0]["state"] if reports else None,
                        "to_diagnosis_s": diagnosed - result["posted_at"] if diagnosed else None,
                        "to_restoration_s": result["resolved_at"] - result["posted_at"]
                        if result.get("resolved_at") else None})
        if progress:
            progress(f"automatic remediation: {k + 1} of {len(services)} tickets")
    good = [s for s in samples if s.get("status") == "resolved" and s["rerouted"] and s["reports"] == 1]
    return {"tickets": len(samples), "resolved_and_rerouted": len(good),
            "statuses": dict(Counter(s.get("status") for s in samples)),
            "report_states": dict(Counter(s.get("report_state") for s in samples)),
            "to_diagnosis_p50_ms": _pct([s["to_diagnosis_s"] for s in good if s["to_diagnosis_s"]], 0.5),
            "to_diagnosis_p99_ms": _pct([s["to_diagnosis_s"] for s in good if s["to_diagnosis_s"]], 0.99),
            "to_restoration_p50_ms": _pct([s["to_restoration_s"] for s in good], 0.5),
            "to_restoration_p99_ms": _pct([s["to_restoration_s"] for s in good], 0.99),
            "links": sorted({s["link"] for s in samples if "link" in s})}


def _mass(sp: str, headers: dict[str, dict[str, str]], sof: dict[str, str], operator: dict[str, str],
          news: TicketNews, services: list[Service], *, concurrency: int) -> dict[str, Any]:
    """The trunk most services cross, failed; a ticket on each service it carried, at once."""
    trunks = Counter(t for t in (_trunk(s.links) for s in services) if t)
    if not trunks:
        raise RuntimeError("no service crosses a metro trunk")
    link, _ = trunks.most_common(1)[0]
    affected = [s for s in services if link in s.links]
    _twin(sp, operator, "fail", link)
    try:
        started = time.perf_counter()
        # every customer reports at once (`concurrency` POSTs at a time), then each ticket is followed
        with ThreadPoolExecutor(max(1, min(concurrency, len(affected)))) as pool:
            opened = list(pool.map(lambda s: _open(sp, headers, s, "EVPL down since a few minutes"), affected))
            opened_s = time.perf_counter() - started
            results = list(pool.map(lambda o: _follow(sp, headers, news, o), opened))
        elapsed = time.perf_counter() - started
        reports = _reports(sp, sof, results, concurrency=concurrency)
        after = _links(sp, operator, affected, sof)
        # the BUS closes each outage incident when it hears its alarm cleared, a LEGATO hop after the reroute
        incidents = _incidents(sp, headers, affected, concurrency=concurrency)
        waited_until = time.monotonic() + _INCIDENTS_CLOSE_S
        while time.monotonic() < waited_until and any(
                i["status"] != "closed" for found in incidents.values() for i in _of_outage(found, link)):
            time.sleep(1.0)
            incidents = _incidents(sp, headers, affected, concurrency=concurrency)
    finally:
        _twin(sp, operator, "restore", link)
    per_service = Counter(r["service"] for r in results if r["ticket"])
    report_counts = Counter(len(reports.get(r["ticket"], [])) for r in results if r["ticket"])
    resolved = [r for r in results if r["status"] == "resolved"]
    to_restore = [r["resolved_at"] - r["posted_at"] for r in resolved if r.get("resolved_at")]
    checks = {
        "every affected service has one ticket": len(per_service) == len(affected)
        and set(per_service.values()) == {1},
        "every ticket resolved": len(resolved) == len(affected),
        "one trouble report per service (or its incident)": all(
            len(reports.get(r["ticket"], [])) == 1 or r.get("attached_to_incident") for r in results),
        "no service left on the failed link": all(link not in route for route in after),
        # opened the moment the SOF raised the service's outage alarm (bus/incident/outage.py)
        "one outage incident per affected service": all(
            len(_of_outage(incidents.get(s.id, []), link)) == 1 for s in affected),
        # the SLS assessment's, if an interval ends inside the run, joins the open one or comes after it
        "never two open incidents on a product": all(
            sum(i["status"] != "closed" for i in found) <= 1 for found in incidents.values()),
    }
    return {"link": link, "services": len(services), "affected": len(affected),
            "elapsed_s": round(elapsed, 2), "all_opened_s": round(opened_s, 2),
            "tickets_per_s": round(len(resolved) / elapsed, 2) if elapsed else 0.0,
            "statuses": dict(Counter(r["status"] for r in results)),
            "attached_to_incident": sum(bool(r.get("attached_to_incident")) for r in results),
            "reports_per_ticket": {str(k): v for k, v in sorted(report_counts.items())},
            # the incidents on the affected products by the end: the outage's, and the SLS assessment's
            # if an interval ended inside the run (docs/bus-profile.md "Incidents")
            "incidents_per_service": {str(k): v for k, v in sorted(Counter(
                len(found) for found in incidents.values()).items())},
            "outage_incidents_closed": sum(i["status"] == "closed" for found in incidents.values()
                                           for i in _of_outage(found, link)),
            "report_states": dict(Counter(rep[0]["state"] for rep in reports.values() if rep)),
            "to_restoration_p50_ms": _pct(to_restore, 0.5), "to_restoration_p99_ms": _pct(to_restore, 0.99),
            "checks": checks, "all_checks_pass": all(checks.values())}


def _run(running: Running, *, services: int, samples: int, concurrency: int,
         progress: Callable[[str], None] | None) -> dict[str, Any]:
    sp = running.urls["sp"]
    headers = customer_headers(sp)
    sof = token(sp, "sp-sof", "sof-demo-secret-sp")
    operator = token(sp, "sp-operator", "operator-demo-secret")
    laps = [time.monotonic()]
    if progress:
        progress(f"buying {samples} services for the remediation tickets")
    orders = OrderNews(list(headers))
    with orders:
        subscribe(sp, headers, orders)
        return _measure(running, sp, headers, sof, operator, orders, laps, services=services, samples=samples,
                        concurrency=concurrency, progress=progress)


def _measure(running: Running, sp: str, headers: dict[str, dict[str, str]], sof: dict[str, str],
             operator: dict[str, str], orders: OrderNews, laps: list[float], *, services: int, samples: int,
             concurrency: int, progress: Callable[[str], None] | None) -> dict[str, Any]:
    sample_orders = _buy(sp, headers, orders, samples, first=100, concurrency=concurrency)
    sampled = _services(sp, headers, sof, operator, sample_orders, first=100, concurrency=concurrency)
    laps.append(time.monotonic())
    news = TicketNews(list(headers), listener_base=TICKET_LISTENER_BASE, orders=TICKETS)
    with news:
        hub = f"{sp}{TICKETS.removesuffix('/troubleTicket')}/hub"
        for customer, auth in headers.items():  # the events come to {callback}{TICKET_LISTENER_BASE}/listener/...
            httpx.post(hub, json={"callback": news.callback(customer)}, headers=auth, timeout=10).raise_for_status()
        remediation = _remediation(sp, headers, sof, operator, news, sampled, progress)
        laps.append(time.monotonic())
        if progress:
            progress(f"buying {services} services for the link failure")
        first = 100 + samples
        mass_orders = _buy(sp, headers, orders, services, first=first, concurrency=concurrency)
        bought = time.monotonic()
        mass_services = _services(sp, headers, sof, operator, mass_orders, first=first, concurrency=concurrency)
        laps.append(time.monotonic())
        if progress:
            progress(f"a metro trunk failed under {services} services: a ticket on each affected one")
        mass = _mass(sp, headers, sof, operator, news, mass_services, concurrency=concurrency)
        laps.append(time.monotonic())
    return {"remediation": remediation, "link_failure": mass,
            "setup": {"buy_s": round(bought - laps[2], 1), "read_routes_s": round(laps[3] - bought, 1),
                      "services_bought_per_s": round(services / (bought - laps[2]), 2)},
            "phases_s": {name: round(laps[i + 1] - laps[i], 1)
                         for i, name in enumerate(("buy samples", "remediation", "buy services", "link failure"))},
            "logs": str(running.workdir)}


def run_trouble_bench(*, runtime: str = "sqlite", services: int = 1000, samples: int = 20, concurrency: int = 8,
                      progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    chosen = RUNTIMES[runtime]
    base = {"runtime": runtime, "label": chosen.label, "concurrency": concurrency}
    if chosen.postgres and (problem := postgres_problem()):
        return {**base, "skipped": problem}
    if services < 1 or samples < 1 or 100 + samples + services > 4000:
        raise ValueError("give at least one service and one sample, and at most 3,900 in all (one CE-VLAN each)")
    workdir = Path(tempfile.mkdtemp(prefix=f"cadenza-bench-trouble-{runtime}-"))
    with sp_database(chosen, workdir) as database_url, running_landscape(workdir, chosen, database_url) as running:
        if progress:
            progress(f"benchmarking trouble tickets on {chosen.label}: {samples} remediations, "
                     f"a link failure under {services} services, {concurrency} customers at once")
        return {**base, **_run(running, services=services, samples=samples, concurrency=concurrency,
                               progress=progress)}


if __name__ == "__main__":
    print(json.dumps(run_trouble_bench()))
