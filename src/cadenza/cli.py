"""The `cadenza` command: start domains, look at and disturb the network twin, run benchmarks."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import httpx
import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from cadenza.core.clock import parse_iso
from cadenza.landscape.config import DomainConfig, load_domain_config
from cadenza.landscape.registry import DomainAddress, find_address, publish_address

app = typer.Typer(help="Cadenza: MEF LSO reference architecture, running.", no_args_is_help=True)
domain_app = typer.Typer(help="Start and inspect provider domains.", no_args_is_help=True)
twin_app = typer.Typer(help="The simulated network: status and fault injection.", no_args_is_help=True)
landscape_app = typer.Typer(help="The demo landscape.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks: figures and ratios, printed.", no_args_is_help=True)
keys_app = typer.Typer(help="A running domain's token signing keys: list, rotate, retire.", no_args_is_help=True)
app.add_typer(domain_app, name="domain")
app.add_typer(twin_app, name="twin")
app.add_typer(landscape_app, name="landscape")
app.add_typer(bench_app, name="bench")
app.add_typer(keys_app, name="keys")
sls_app = typer.Typer(help="SLS assessment: degradations found and what was done.", no_args_is_help=True)
pm_app = typer.Typer(help="Performance of services, end to end, against their SLS.", no_args_is_help=True)
app.add_typer(sls_app, name="sls")
cus_app = typer.Typer(help="The customer's side: the Customer Application Coordinator of thread 10.9 (ALLEGRO only).",
                      no_args_is_help=True)
app.add_typer(cus_app, name="cus")
app.add_typer(pm_app, name="pm")
trouble_app = typer.Typer(help="Trouble tickets: how fast trouble is detected, diagnosed and repaired.",
                          no_args_is_help=True)
app.add_typer(trouble_app, name="trouble")
console = Console()

DomainOption = Annotated[str | None, typer.Option("--domain", "-d", help="name of a running domain")]


@domain_app.command("up")
def domain_up(
    config: Annotated[Path, typer.Argument(help="the domain's YAML file", exists=True, dir_okay=False)],
    database_url: Annotated[str | None, typer.Option(
        "--db", help="database URL (default: SQLite under the Cadenza home)")] = None,
    driver: Annotated[str | None, typer.Option(help="netconf or scale (default: as configured)")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (default: as configured)")] = None,
    netconf_base_port: Annotated[int | None, typer.Option(help="first NETCONF port; 0 picks free ports")] = None,
    log_level: Annotated[str, typer.Option(help="log level")] = "info",
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="run the domain as N worker processes sharing one API socket (PostgreSQL only)")] = None,
) -> None:
    """Start one provider domain: its network twin, ICMs and APIs."""
    from cadenza.core.gc_tuning import settle_after_start
    from cadenza.landscape.domain import ProviderDomain

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = load_domain_config(config)
    if workers is not None:
        _run_workers(cfg, config, database_url, workers, port=port or cfg.port, driver=driver,
                     netconf_base_port=netconf_base_port, log_level=log_level)
        return
    # Hold the API port from the start: the twin's NETCONF servers must not take it meanwhile.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((cfg.host, port or cfg.port))
    except OSError as exc:
        console.print(f"[red]cannot listen on {cfg.host}:{port or cfg.port}: {exc}[/]")
        raise typer.Exit(2) from exc
    domain = ProviderDomain(cfg, database_url=database_url, driver=driver, netconf_base_port=netconf_base_port,
                            public_url=f"http://{cfg.host}:{port or cfg.port}")
    from cadenza.core.signing_keys import ConfiguredKeyRefused

    try:
        with console.status(f"starting {cfg.name}: {sum(len(n.elements) for n in cfg.network_domains)} elements"):
            api = domain.start()
    except ConfiguredKeyRefused as exc:  # raised before anything but the database was opened
        console.print(f"[red]{cfg.name} does not start: {exc}[/]")
        raise typer.Exit(2) from exc
    settle_after_start()
    url = f"http://{cfg.host}:{port or cfg.port}"
    publish_address(cfg, url=url, pid=os.getpid())
    console.print(f"[bold green]{cfg.party.name}[/] is up at {url} (network domains: {', '.join(domain.icms)})")
    # uvicorn stops serving on SIGTERM and then raises the signal again; with the default
    # action the process would end there, before the domain stops (audit lines unwritten, a
    # twin in its own process left behind). Turned into SystemExit, `finally` runs.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        uvicorn.run(api, fd=listener.fileno(), log_level=log_level.lower())
    finally:
        domain.stop()


def _exit_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def _run_workers(cfg: DomainConfig, config: Path, database_url: str | None, count: int, *, port: int,
                 driver: str | None, netconf_base_port: int | None, log_level: str) -> None:
    from cadenza.core.config import settings
    from cadenza.core.connection_budget import TooFewConnections
    from cadenza.landscape.workers import Supervisor, WorkersNeedPostgres

    url = database_url or settings().database_url or "sqlite:///"
    try:
        supervisor = Supervisor(cfg, config.resolve(), database_url=url, workers=count, host=cfg.host, port=port,
                                var_dir=(settings().var_dir / cfg.name).resolve(), driver=driver,
                                netconf_base_port=netconf_base_port, log_level=log_level)
    except WorkersNeedPostgres as exc:
        console.print(f"[red]{cfg.name} does not start: {exc}[/]")
        raise typer.Exit(2) from exc
    try:
        supervisor.bind()
    except OSError as exc:
        console.print(f"[red]cannot listen on {cfg.host}:{port}: {exc}[/]")
        raise typer.Exit(2) from exc
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        with console.status(f"starting {cfg.name}: the network twin, then {count} workers"):
            supervisor.start()
        publish_address(cfg, url=supervisor.public_url, pid=os.getpid())
        console.print(f"[bold green]{cfg.party.name}[/] is up at {supervisor.public_url} with {count} workers "
                      f"(pids {', '.join(map(str, supervisor.pids()))})")
        supervisor.supervise()
    except TooFewConnections as exc:
        console.print(f"[red]{cfg.name} does not start: {exc}[/]")
        raise typer.Exit(2) from exc
    except KeyboardInterrupt:
        pass
    finally:
        supervisor.stop()


def _end_with_supervisor() -> None:
    """A worker of `domain up --workers` lives as long as its supervisor: one killed outright
    must not leave workers serving its socket beside the next start (nor they the twin's)."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()


@app.command("worker")
def worker(
    config: Annotated[Path, typer.Argument(help="the domain's YAML file", exists=True, dir_okay=False)],
    database_url: Annotated[str, typer.Option("--db", help="the domain's PostgreSQL database URL")],
    port: Annotated[int | None, typer.Option(help="serve the API at this port of the configured host")] = None,
    public_url: Annotated[str | None, typer.Option(
        help="the domain's one address, issuer of its tokens (default: the configured host and port)")] = None,
    fd: Annotated[int | None, typer.Option(hidden=True, help="the supervisor's listening socket")] = None,
    ready_file: Annotated[Path | None, typer.Option(hidden=True, help="touched once the worker serves")] = None,
    log_level: Annotated[str, typer.Option(help="log level")] = "info",
) -> None:
    """Add a worker to a running domain (started with `domain up --workers`), from here or
    another machine: it takes its share of the domain's queues and serves its API."""
    from cadenza.core.connection_budget import TooFewConnections, check_budget
    from cadenza.core.db import Database
    from cadenza.core.executors import worker_executor_id
    from cadenza.core.gc_tuning import settle_after_start
    from cadenza.landscape.domain import ProviderDomain
    from cadenza.landscape.workers import TwinNotServed, WorkerRole, WorkersNeedPostgres

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = load_domain_config(config)
    if fd is not None:
        _end_with_supervisor()
        listener = socket.socket(fileno=fd)
    else:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((cfg.host, port or cfg.port))
        except OSError as exc:
            console.print(f"[red]cannot listen on {cfg.host}:{port or cfg.port}: {exc}[/]")
            raise typer.Exit(2) from exc
    role = WorkerRole(worker_executor_id(f"cadenza-{cfg.name}"))
    try:
        if fd is None:  # a supervisor's workers were counted by it, together
            probe = Database(database_url, pool_size=1, max_overflow=0)
            try:
                check_budget(probe, processes=1, pools=cfg.database.pools())
            finally:
                probe.engine.dispose()
        domain = ProviderDomain(cfg, database_url=database_url, public_url=public_url or f"http://{cfg.host}:{cfg.port}",
                                worker=role)
        api = domain.start()
    except (WorkersNeedPostgres, TwinNotServed, TooFewConnections) as exc:
        console.print(f"[red]the worker does not start: {exc}[/]")
        raise typer.Exit(2) from exc
    settle_after_start()
    if ready_file is not None:
        ready_file.touch()
    logging.getLogger("cadenza.worker").info("%s: worker %s serves", cfg.name, role.executor_id)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        uvicorn.run(api, fd=listener.fileno(), log_level=log_level.lower())
    finally:
        domain.stop()


@landscape_app.command("up")
def landscape_up() -> None:
    """Start every demo domain, print where they are and the demo credentials, run until Ctrl-C."""
    from cadenza.landscape.demo import start_demo, stop_demo, write_credentials

    with console.status("starting the demo landscape (networks, ICMs, APIs)"):
        running = start_demo()
    credentials = write_credentials(running)
    _seed_demo_orders(running[0].url)
    table = Table(title="Cadenza demo landscape")
    for column in ("domain", "party", "API", "client id", "client secret", "role"):
        table.add_column(column)
    for domain in running:
        for client in domain.config.clients:
            table.add_row(domain.config.name, client.party, domain.url, client.client_id, client.client_secret,
                          client.role)
    console.print(table)
    console.print(f"credentials written to {credentials}; logs in {running[0].log.parent}")
    console.print("try: [bold]cadenza twin status[/] -d sp    (Ctrl-C stops the landscape)")
    try:
        while all(d.process.poll() is None for d in running):
            time.sleep(0.5)
        console.print("[red]a domain stopped; see its log[/]")
    except KeyboardInterrupt:
        pass
    finally:
        stop_demo(running)


def _seed_demo_orders(url: str) -> None:
    """Give each demo customer some products, as a customer would order them, unless it has some."""
    from rich.progress import Progress

    from cadenza.landscape.demo_orders import (
        DC_DEMAND,
        DC_ORDER,
        DEMO_ORDERS,
        ORDERS,
        Customer,
        evpl_order,
        follow_daily_demand,
        place_and_wait,
        token,
    )

    customers = {"acme": Customer("acme", "acme", "acme-demo-secret"),
                 "globex": Customer("globex", "globex", "globex-demo-secret")}
    if any(httpx.get(f"{url}{ORDERS}", headers=token(url, c), timeout=10).json() for c in customers.values()):
        return
    with Progress(console=console) as progress:
        task = progress.add_task("placing the demo customers' orders", total=len(DEMO_ORDERS) + 1)
        for name, a, z, vlan, mbps in (*DEMO_ORDERS, DC_ORDER):
            order = place_and_wait(url, customers[name], evpl_order(name, a, z, vlan=vlan, mbps=mbps))
            progress.console.print(f"  {name}: EVPL {mbps} Mbit/s {a.get('id') or a.get('city')} - "
                                   f"{z.get('id') or z.get('city')}: {order['state']}")
            progress.advance(task)
            if (name, a, z, vlan, mbps) == DC_ORDER and order["state"] == "completed":
                follow_daily_demand(url, Customer("sp", "sp-operator", "operator-demo-secret"),
                                    Customer("sp", "sp-sof", "sof-demo-secret-sp"), order["id"], DC_DEMAND)
                progress.console.print("  acme's data centres DC1 - DC2 send 60-540 Mbit/s over the day: "
                                       "size it with [bold]cadenza cus watch --url " + url
                                       + " --client-id acme --client-secret acme-demo-secret[/]")


def _client(address: DomainAddress) -> httpx.Client:
    reply = httpx.post(address.token_url, data={"grant_type": "client_credentials", "client_id": address.client_id,
                                                "client_secret": address.client_secret}, timeout=10)
    reply.raise_for_status()
    return httpx.Client(base_url=address.url, timeout=30,
                        headers={"Authorization": f"Bearer {reply.json()['access_token']}"})


def _call(domain: str | None, method: str, path: str, body: dict | None = None) -> dict:
    try:
        address = find_address(domain)
        with _client(address) as http:
            reply = http.request(method, path, json=body)
    except (LookupError, httpx.HTTPError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    if reply.status_code >= 400:
        problem = reply.json() if reply.headers.get("content-type", "").startswith("application/json") else {}
        console.print(f"[red]{reply.status_code} {problem.get('code', '')}: {problem.get('reason', reply.text)}[/]")
        raise typer.Exit(1)
    return reply.json() if reply.content else {}


@twin_app.command("status")
def twin_status(domain: DomainOption = None,
                as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False) -> None:
    """Elements, links and the forwarding constructs configured on each element."""
    status = _call(domain, "GET", "/cadenza/twin/v1/status")
    if as_json:
        print(json.dumps(status, indent=2))
        return
    elements = Table(title="Elements")
    for column in ("element", "state", "forwarding constructs (service: port.vlan <-> port.vlan @ CIR)", "commits"):
        elements.add_column(column)
    for e in status["elements"]:
        constructs = "\n".join(_construct(fc) for fc in e.get("forwardingConstructs", [])) or "-"
        elements.add_row(e["name"], "[green]up[/]" if e["up"] else "[red]down[/]", constructs, str(e["commits"]))
    links = Table(title="Links")
    for column in ("a", "b", "state", "capacity Mbit/s", "delay ms", "loss"):
        links.add_column(column)
    for link in status["links"]:
        links.add_row(link["a"], link["b"], "[green]up[/]" if link["up"] else "[red]down[/]",
                      str(link["capacityMbps"]), f"{link['delayMs']:.2f}", f"{link['lossRatio']:.4f}")
    console.print(elements, links)


def _construct(fc: dict) -> str:
    ends = " <-> ".join(f"{ep['port']}.{ep.get('vlan-id', '*')}" for ep in fc["end-point"])
    return f"{fc['id'][:8]}: {ends} @ {fc['bandwidth-profile']['cir-kbps'] // 1000} Mbit/s"


@twin_app.command("fail-link")
def fail_link(a: str, b: str, domain: DomainOption = None) -> None:
    """Take the link between elements A and B down."""
    _call(domain, "POST", "/cadenza/twin/v1/links/fail", {"a": a, "b": b})
    console.print(f"link {a} - {b} is [red]down[/]")


@twin_app.command("restore-link")
def restore_link(a: str, b: str, domain: DomainOption = None) -> None:
    """Bring the link between elements A and B back up."""
    _call(domain, "POST", "/cadenza/twin/v1/links/restore", {"a": a, "b": b})
    console.print(f"link {a} - {b} is [green]up[/]")


@twin_app.command("degrade-link")
def degrade_link(a: str, b: str, delay_ms: Annotated[float | None, typer.Option()] = None,
                 loss_ratio: Annotated[float | None, typer.Option()] = None,
                 capacity_mbps: Annotated[int | None, typer.Option(help="the capacity the link still carries")] = None,
                 domain: DomainOption = None) -> None:
    """Add delay or loss on the link between elements A and B, or take capacity from it."""
    _call(domain, "POST", "/cadenza/twin/v1/links/degrade",
          {"a": a, "b": b, "delay_ms": delay_ms, "loss_ratio": loss_ratio, "capacity_mbps": capacity_mbps})
    console.print(f"link {a} - {b} degraded")


@twin_app.command("fail-element")
def fail_element(name: str, domain: DomainOption = None) -> None:
    """Take an element down (it stops answering NETCONF and forwarding)."""
    _call(domain, "POST", f"/cadenza/twin/v1/elements/{name}/fail")
    console.print(f"element {name} is [red]down[/]")


@twin_app.command("restore-element")
def restore_element(name: str, domain: DomainOption = None) -> None:
    """Bring an element back."""
    _call(domain, "POST", f"/cadenza/twin/v1/elements/{name}/restore")
    console.print(f"element {name} is [green]up[/]")


@twin_app.command("clock")
def twin_clock(scale: Annotated[float | None, typer.Option(help="simulated seconds per second (0: stopped)")] = None,
               advance: Annotated[str | None, typer.Option(help="move time forward now, e.g. 90s, 15m, 3h, 1d")] = None,
               domain: DomainOption = None) -> None:
    """The network's simulated time: show it, change its pace, or move it forward."""
    if scale is None and advance is None:
        state = _call(domain, "GET", "/cadenza/twin/v1/clock")
    else:
        state = _call(domain, "POST", "/cadenza/twin/v1/clock",
                      {"scale": scale, "advanceSeconds": _seconds(advance) if advance else None})
    pace = "stopped" if state["scale"] == 0 else f"{state['scale']:g}x real time"
    console.print(f"simulated time {state['now']} ({pace}; traffic steps of {state['stepSeconds']} s)")


def _seconds(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
    try:
        return float(text[:-1]) * units[text[-1]] if text[-1] in units else float(text)
    except ValueError:
        console.print(f"[red]{text!r} is not a duration: write e.g. 90s, 15m, 3h or 1d[/]")
        raise typer.Exit(2) from None


@twin_app.command("demand")
def twin_demand(service: Annotated[str, typer.Argument(help="forwarding construct id (the connectivity service)")],
                offered_mbps: Annotated[float | None, typer.Option(help="a fixed load, e.g. to congest a link")] = None,
                mean: Annotated[float | None, typer.Option(help="mean load as a share of the CIR")] = None,
                base_mbps: Annotated[float | None, typer.Option(
                    help="the rate --mean is a share of, instead of the CIR (demand that does not follow it)")] = None,
                amplitude: Annotated[float | None, typer.Option(help="daily swing as a share of the mean")] = None,
                noise: Annotated[float | None, typer.Option(help="relative noise step to step")] = None,
                reset: Annotated[bool, typer.Option("--reset", help="back to the default pattern")] = False,
                domain: DomainOption = None) -> None:
    """Show or set the traffic the customer offers to a service (both directions)."""
    path = f"/cadenza/twin/v1/demand/{service}"
    settings = {k: v for k, v in {"offeredMbps": offered_mbps, "mean": mean, "baseMbps": base_mbps,
                                  "amplitude": amplitude, "noise": noise}.items() if v is not None}
    if reset:
        demand = _call(domain, "DELETE", path)
    elif settings:
        demand = _call(domain, "PUT", path, settings)
    else:
        demand = _call(domain, "GET", path)
    if demand.get("offeredMbps") is not None:
        console.print(f"{service}: a fixed {demand['offeredMbps']:g} Mbit/s offered in each direction")
    else:
        of = "the CIR" if demand.get("baseMbps") is None else f"{demand['baseMbps']:g} Mbit/s"
        console.print(f"{service}: {demand['mean']:.0%} of {of} on average, swinging {demand['amplitude']:.0%} "
                      f"around it daily (peak {demand['peakHour']:g}:00 UTC), noise {demand['noise']:.0%}, bursts of "
                      f"x{demand['burstFactor']:g} with probability {demand['burstProbability']:g} a step"
                      + ("" if demand["custom"] else " (the default)"))


@twin_app.command("traffic")
def twin_traffic(service: Annotated[str, typer.Argument(help="forwarding construct id (the connectivity service)")],
                 window: Annotated[str, typer.Option(help="how far back, e.g. 15m, 1h")] = "15m",
                 domain: DomainOption = None) -> None:
    """What a service carried lately, per direction: rates per colour, delivery, delay, loss."""
    summary = _call(domain, "GET", f"/cadenza/twin/v1/traffic/{service}?windowSeconds={_seconds(window):g}")
    table = Table(title=f"{service}: the last {window}")
    for column in ("direction", "offered", "green", "yellow", "dropped at ingress", "delivered", "green loss",
                   "mean / max delay ms"):
        table.add_column(column)
    for d in summary["directions"]:
        delay = "-" if d["meanDelayMs"] is None else f"{d['meanDelayMs']:.3f} / {d['maxDelayMs']:.3f}"
        table.add_row(f"{d['ingress']} -> {d['egress']}", *(f"{d[k]:.2f} Mbit/s" for k in
                      ("offeredMbps", "greenMbps", "yellowMbps", "droppedAtIngressMbps", "deliveredMbps")),
                      f"{d['greenLossRatio']:.4%}", delay)
    console.print(table)


_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float | None], *, top: float | None = None) -> str:
    """Values as a row of bars (a gap where nothing was measured), scaled to `top` or their max."""
    seen = [v for v in values if v is not None]
    if not seen:
        return "·" * len(values)
    high = top if top is not None else max(seen)
    low = 0.0 if top is not None else min(seen)
    span = (high - low) or 1.0
    return "".join("·" if v is None else _BARS[max(0, min(7, int((v - low) / span * 7.999)))] for v in values)


_STATE_STYLE = {"detected": "yellow", "rerouting": "cyan", "manualIntervention": "red", "resolved": "green"}


@sls_app.command("status")
def sls_status(state: Annotated[str | None, typer.Option(help="only degradations in this state")] = None,
               domain: DomainOption = None) -> None:
    """Every SLS degradation the SOF found: the service, where it was located, what was done."""
    query = f"?state={state}" if state else ""
    found = _call(domain, "GET", f"/cadenza/sls/v1/degradation{query}")
    assessed = _call(domain, "GET", "/cadenza/sls/v1/assessment")
    console.print(f"{len(assessed)} services assessed; {len(found)} degradations")
    table = Table(title="SLS degradations")
    for column in ("service", "direction", "state", "cause", "since", "last breach", "what was done"):
        table.add_column(column)
    for d in found:
        style = _STATE_STYLE.get(d["state"], "white")
        table.add_row(d["serviceId"][:8], d["direction"], f"[{style}]{d['state']}[/]", d["cause"] or "-",
                      (d["since"] or "")[:16], (d["lastBreach"] or "")[:16], d["history"][-1]["why"])
    console.print(table)


@pm_app.command("show")
def pm_show(service: Annotated[str, typer.Argument(help="the SOF's service id")],
            hours: Annotated[float, typer.Option(help="how far back, in the network's hours")] = 6,
            domain: DomainOption = None) -> None:
    """A service's performance per 15-minute interval and direction, drawn, against its SLS."""
    with console.status(f"gathering {service}'s performance from its segments"):
        pm = _call(domain, "GET", f"/cadenza/sls/v1/service/{service}/performance?hours={hours:g}")
    console.print(f"service {pm['serviceId']} (CoS {pm['cosName']}), network time {pm['networkTime']}")
    for missing in pm["missingSegments"]:
        console.print(f"[yellow]not included: {missing}[/]")
    for d in pm["directions"]:
        intervals = d["intervals"]
        table = Table(title=f"{d['direction']} over {' + '.join(d['segments'])}: {len(intervals)} intervals")
        for column in ("metric", "per interval", "last", "worst"):
            table.add_column(column)
        for key, label, unit, worst in (("availabilityPercent", "availability", "%", min),
                                        ("frameLossRatioPercent", "frame loss ratio", "%", max),
                                        ("meanFrameDelayMs", "mean frame delay", "ms", max),
                                        ("utilisationPercent", "utilisation of the CIR", "%", max)):
            values = [i[key] for i in intervals]
            seen = [v for v in values if v is not None]
            table.add_row(label, sparkline(values, top=100 if key == "utilisationPercent" else None),
                          f"{seen[-1]:.3f} {unit}" if seen else "-", f"{worst(seen):.3f} {unit}" if seen else "-")
        console.print(table)
        breaches = [(i["start"], sentence) for i in intervals for sentence in i["breached"]]
        for start, sentence in breaches[-5:]:
            console.print(f"[red]{start[:16]} {sentence}[/]")
        if not breaches:
            console.print("[green]every interval meets the SLS[/]")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def trouble_stats_tables(stats: dict) -> list[Table]:
    """The repair statistics of `GET /cadenza/trouble/v1/stats` as three tables (per cause, per
    partner, per month), each mean with how many tickets it was measured on."""
    tables = []
    for key, title in (("cause", "per cause"), ("partner", "per partner"), ("month", "per month")):
        table = Table(title=f"Repair times {title}")
        for column in (key, "tickets", "to detect", "to diagnose", "to restore"):
            table.add_column(column, justify="left" if column == key else "right")
        for group in stats[f"by{key.capitalize()}"]:
            table.add_row(group[key], str(group["tickets"]), *(
                f"{_duration(group[f'meanTimeTo{label}S'])} (n={group[f'{label.lower()}Measured']})"
                for label in ("Detect", "Diagnose", "Restore")))
        tables.append(table)
    return tables


@trouble_app.command("stats")
def trouble_stats(domain: DomainOption = None) -> None:
    """Mean time to detect, to diagnose and to restore, per cause, per partner and per month,
    from the domain's recorded tickets."""
    stats = _call(domain, "GET", "/cadenza/trouble/v1/stats")
    console.print(f"{stats['tickets']} trouble tickets")
    for table in trouble_stats_tables(stats):
        console.print(table)


def _print_keys(listing: dict) -> None:
    table = Table(title="Token signing keys")
    for column in ("kid", "alg", "state", "created", "retired"):
        table.add_column(column)
    colours = {"active": "green", "previous": "yellow", "retired": "dim"}
    for key in listing["keys"]:
        table.add_row(key["kid"], key["alg"], f"[{colours.get(key['state'], 'white')}]{key['state']}[/]",
                      key["createdAt"], key["retiredAt"] or "-")
    console.print(table)


@keys_app.command("list")
def keys_list(domain: DomainOption = None) -> None:
    """Every signing key of the domain and its state (active signs; previous only verifies)."""
    _print_keys(_call(domain, "GET", "/cadenza/keys/v1/signingKey"))


@keys_app.command("rotate")
def keys_rotate(domain: DomainOption = None) -> None:
    """A new key signs from now on; the one it replaces keeps verifying until retired."""
    _print_keys(_call(domain, "POST", "/cadenza/keys/v1/rotate"))
    console.print("retire the previous key with 'cadenza keys retire' once the tokens it signed have expired")


@keys_app.command("retire")
def keys_retire(domain: DomainOption = None) -> None:
    """The previous key stops verifying: tokens it signed are refused from now on."""
    _print_keys(_call(domain, "POST", "/cadenza/keys/v1/retire"))


demo_app = typer.Typer(help="Drive the demo landscape as a customer would.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


@demo_app.command("order")
def demo_order(customer: Annotated[str, typer.Option(help="demo customer: acme or globex")] = "acme",
               city: Annotated[str, typer.Option(help="off-net end: Springfield (Alpha Access, SONATA) or "
                                                      "Ogdenville (Beta Fibre, INTERLUDE)")] = "Springfield",
               seed: Annotated[int | None, typer.Option(help="chooses the near site and the VLAN: the same seed "
                                                             "orders the same again (default: a new one, printed)")]
               = None) -> None:
    """Order an off-net EVPL over CANTATA and print each MEF 55.0.1 §10.2 step as it happens."""
    import secrets

    from cadenza.core.config import settings
    from cadenza.landscape.demo_orders import FAR_CITIES, Customer, follow_order, off_net_order, token

    path = settings().var_dir / "demo-credentials.json"
    if not path.exists():
        console.print("[red]no demo landscape: start it with 'make run'[/]")
        raise typer.Exit(2)
    creds = json.loads(path.read_text())
    sp = creds["domains"][0]
    client = next((c for c in sp["clients"] if c["client_id"] == customer and c["role"] == "customer"), None)
    operator = next(c for c in sp["clients"] if c["role"] == "operator")
    if client is None:
        console.print(f"[red]{customer} is not a demo customer[/]")
        raise typer.Exit(2)
    if city not in FAR_CITIES:
        console.print(f"[red]choose --city {' or '.join(FAR_CITIES)}[/]")
        raise typer.Exit(2)
    seed = secrets.randbelow(1_000_000) if seed is None else seed
    chosen = off_net_order(customer, city, seed=seed)
    order = chosen.payload()
    headers = token(sp["url"], Customer(customer, client["client_id"], client["client_secret"]))
    created = httpx.post(f"{sp['url']}/mefApi/cantata/productOrderingManagement/v5/productOrder", json=order,
                         headers=headers, timeout=30)
    if created.status_code != 201:
        console.print(f"[red]order refused: {created.status_code} {created.text}[/]")
        raise typer.Exit(1)
    order_id = created.json()["id"]
    console.print(f"order [bold]{order_id}[/]: EVPL {chosen.mbps} Mbit/s from {chosen.near_site} to {city}, "
                  f"VLAN {chosen.vlan} (seed {seed}: --seed {seed} orders the same again)")
    ops = httpx.Client(base_url=sp["url"], timeout=30, headers={"Authorization": "Bearer " + httpx.post(
        sp["token_url"], data={"grant_type": "client_credentials", "client_id": operator["client_id"],
                               "client_secret": operator["client_secret"]}).json()["access_token"]})
    shown = 0

    def show(_order: dict) -> None:
        nonlocal shown
        events = ops.get(f"/cadenza/trace/v1/order/{order_id}").json()["interactions"]
        for event in events[shown:]:
            console.print(f"  step {event['step'] or '-':>3}  {event['from']} --{event['referencePoint']}--> "
                          f"{event['to']}: {event['operation']}")
        shown = len(events)

    final = follow_order(sp["url"], headers, order_id, on_change=show)
    show(final)
    colour = "green" if final["state"] == "completed" else "red"
    console.print(f"order {order_id} is [{colour}]{final['state']}[/]")
    if final["state"] != "completed":
        reasons = [c.get("changeReason") for c in final.get("stateChange", []) if c.get("changeReason")]
        console.print(f"[red]{reasons[-1] if reasons else ''}[/]")
        raise typer.Exit(1)


@app.command("trace")
def trace(order_id: str, domain: DomainOption = None) -> None:
    """An order's interactions over the reference points, in the form of the §10.2 sequence diagram."""
    result = _call(domain, "GET", f"/cadenza/trace/v1/order/{order_id}")
    table = Table(title=f"MEF 55.0.1 §10.2 sequence of order {order_id}")
    for column in ("time", "step", "from", "", "to", "operation"):
        table.add_column(column)
    for event in result["interactions"]:
        arrow = f"--{event['referencePoint']}-->"
        operation = event["operation"] + (f"\n[dim]{event['detail']}[/]" if event.get("detail") else "")
        table.add_row(event["at"][11:23], event.get("step") or "", event["from"], arrow, event["to"], operation)
    console.print(table)


class OrderRuntime(StrEnum):
    sqlite = "sqlite"
    pg1 = "pg1"
    pg2 = "pg2"
    all = "all"


class InFlightRuntime(StrEnum):
    sqlite = "sqlite"
    pg2 = "pg2"


@bench_app.command("order")
def bench_order(orders: Annotated[int, typer.Option(help="orders to place")] = 60,
                customers: Annotated[int, typer.Option(help="customers ordering at once")] = 8,
                stored: Annotated[int, typer.Option(help="finished orders in the database beforehand")] = 0,
                runtime: Annotated[OrderRuntime, typer.Option(
                    help="the Service Provider on SQLite (one process), on PostgreSQL with 1 or 2 workers "
                         "(server: CADENZA_BENCH_PG), or each in turn")] = OrderRuntime.all,
                floor_seconds: Annotated[float, typer.Option(help="how long each no-op floor measurement runs")] = 3.0,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Orders per second, order-to-completed latency (on-net, partner) and CPU per order, each
    against the no-op floor over the same hops, on each runtime of the Service Provider."""
    from cadenza.bench.order import run_order_bench

    names = ["sqlite", "pg1", "pg2"] if runtime is OrderRuntime.all else [runtime.value]
    with console.status(f"benchmarking orders: {orders} orders from {customers} concurrent customers") as status:
        result = run_order_bench(runtimes=names, orders=orders, customers=customers, stored=stored,
                                 floor_seconds=floor_seconds,
                                 progress=lambda label: status.update(f"benchmarking orders on {label}: {orders} "
                                                                      f"orders from {customers} concurrent customers"))
    if as_json:
        print(json.dumps(result, indent=2))
        return
    for run in result["runtimes"].values():
        _print_order_run(run, result["targets"])
    _print_order_summary(result)


def _mark(met: bool | None) -> str:
    return "" if met is None else "[green]met[/]" if met else "[red]missed[/]"


def _print_order_run(run: dict, targets: dict) -> None:
    if "skipped" in run:
        console.print(f"[yellow]{run['label']}: skipped, {run['skipped']}[/]")
        return
    hops, floor, ratios, met = run["hops"], run["floor"], run["ratios"], run["targets_met"]
    table = Table(title=f"cadenza bench order, SP on {run['label']} ({run['orders']} orders, {run['customers']} "
                        "customers at once, scale driver; partner: SQLite, one process)")
    for column in ("figure", "measured", "no-op floor", "ratio", "target"):
        table.add_column(column)
    table.add_row("orders completed/s", str(run["orders_per_s"]),
                  f"{floor['per_order']['chains_per_s']} chains/s ({hops['per_order']} hops)",
                  str(ratios["throughput_over_floor"]), f">= 0.125 (1/8) {_mark(met['throughput'])}")
    p50_target = (f"p50 <= {targets['on_net_p50_over_floor_max']:g}x {_mark(met['on_net_p50'])}"
                  if met["on_net_p50"] is not None else f"p50 <= 5x at {targets['p50_target_customers']} customers")
    table.add_row("on-net p50 / p99 ms", f"{run['on_net_p50_ms']} / {run['on_net_p99_ms']}",
                  f"{floor['on_net']['p50_ms']} / {floor['on_net']['p99_ms']} ({hops['on_net']} hops)",
                  f"{ratios['on_net_p50_over_floor']}x", p50_target)
    if "partner" in floor:
        table.add_row("partner p50 / p99 ms", f"{run['partner_p50_ms']} / {run['partner_p99_ms']}",
                      f"{floor['partner']['p50_ms']} / {floor['partner']['p99_ms']} ({hops['partner']} hops)",
                      f"{ratios['partner_p50_over_floor']}x", "")
    cpu = run["cpu"]
    whose = {"sp": "SP, all its processes", "sp_postgres": "SP's PostgreSQL backends", "partner-a": "partner"}
    for name, figures in cpu.items():
        extra = (f"; {run['partner_cpu_s_per_partner_order']} per partner order"
                 if name == "partner-a" and run["partner_cpu_s_per_partner_order"] is not None else "")
        table.add_row(f"CPU s/order, {whose[name]}", f"{figures['s_per_order']:.4f}",
                      f"idle {figures['idle_cores']} cores; net of idle {figures['net_of_idle_s_per_order']:.4f}"
                      f"{extra}", "", "pg2 within 15 % of pg1" if name == "sp" and run["runtime"] != "sqlite" else "")
    table.add_row("cores busy", str(run["cores_busy"]), "", "", "")
    table.add_row(f"SP peak RSS MiB ({run['orders_stored_before']:,} orders stored)",
                  f"{run['sp_peak_rss_mib']}", f"all SP processes {run['sp_all_processes_peak_rss_mib']}", "",
                  "< 1024 with 100,000 stored")
    console.print(table)
    if run["completed"] != run["orders"]:
        console.print(f"[red]not every order completed: {run['states']}[/]")
    console.print("hops = requests the domains' routes served, over the socket (uvicorn access lines of the SP, all "
                  "its workers, and the partner) or in-process (httpx lines for a domain's own address), + "
                  "notifications the customers' listener received (ADAGIO calls to the twin are not HTTP: not "
                  "counted):")
    for kind, found in run["hops_census"].items():
        parts = ", ".join(f"{name} {count}" for name, count in found["served_by"].items())
        console.print(f"  one {kind.replace('_', '-')} order placed alone: {found['hops']} ({parts}; {found['state']})")
    parts = ", ".join(f"{name} {count}" for name, count in run["requests_timed"].items())
    console.print(f"  timed part: {sum(run['requests_timed'].values())} ({parts}), {hops['per_order']} per order")
    console.print(f"  the floor: {run['customers']} clients, each sending chains of that many sequential requests to "
                  "a no-op FastAPI handler (uvicorn, a process of its own)")
    console.print("where the time goes (mean ms between consecutive §10.2 steps):")
    for gap, ms in run["where_time_goes_ms"].items():
        console.print(f"  {gap:>10}  {ms} ms")
    _print_profile(run.get("sp_cpu_profile"), run["profiled"])


def _print_order_summary(result: dict) -> None:
    table = Table(title=f"cadenza bench order across runtimes ({result['orders']} orders, {result['customers']} "
                        "customers)")
    for column in ("SP on", "orders/s", "floor chains/s", "ratio (>= 0.125)", "on-net p50 ms", "floor p50 ms",
                   "ratio (<= 5x)", "partner p50 ms", "CPU s/order SP (+PG)", "partner"):
        table.add_column(column)
    for run in result["runtimes"].values():
        if "skipped" in run:
            table.add_row(run["runtime"], "skipped", "", "", "", "", "", "", "", "")
            continue
        cpu, met = run["cpu"], run["targets_met"]
        postgres = f" (+{cpu['sp_postgres']['s_per_order']:.4f})" if "sp_postgres" in cpu else ""
        table.add_row(run["runtime"], str(run["orders_per_s"]), str(run["floor"]["per_order"]["chains_per_s"]),
                      f"{run['ratios']['throughput_over_floor']} {_mark(met['throughput'])}",
                      str(run["on_net_p50_ms"]), str(run["floor"]["on_net"]["p50_ms"]),
                      f"{run['ratios']['on_net_p50_over_floor']}x {_mark(met['on_net_p50'])}",
                      str(run["partner_p50_ms"]), f"{cpu['sp']['s_per_order']:.4f}{postgres}",
                      f"{cpu['partner-a']['s_per_order']:.4f}")
    console.print(table)
    comparison = result["comparison"]
    if comparison["cpu_pg2_over_pg1"] is None:
        console.print("CPU per order, 2 workers over 1: not measured (needs pg1 and pg2 in the same run)")
    else:
        console.print(f"CPU s/order of the SP, 2 workers over 1: {comparison['cpu_pg2_over_pg1']} (target <= "
                      f"{result['targets']['cpu_pg2_over_pg1_max']}) {_mark(comparison['cpu_target_met'])}; "
                      f"net of idle {comparison['cpu_pg2_over_pg1_net_of_idle']}; with its PostgreSQL backends "
                      f"{comparison['cpu_pg2_over_pg1_with_postgres']}. Orders/s, 2 workers over 1: "
                      f"{comparison['throughput_pg2_over_pg1']}")


def _print_profile(profile: dict | None, whose: str) -> None:
    if not profile:
        console.print(f"[dim]no CPU profile of {whose} (py-spy missing or not allowed to attach)[/]")
        return
    console.print(f"where the CPU of {whose} goes ({profile['samples']} samples, thread holding the GIL):")
    for area, share in profile["areas"].items():
        console.print(f"  {share:5.1f}%  {area}")
    console.print("  costliest Cadenza functions (with what they call):")
    for name, share in profile["cadenza"].items():
        console.print(f"  {share:5.1f}%  {name}")


@bench_app.command("control")
def bench_control(services: Annotated[int, typer.Option(help="on-net EVPLs the customers change")] = 24,
                  partner_services: Annotated[int, typer.Option(help="EVPLs with the partner's segment")] = 4,
                  changes: Annotated[int, typer.Option(help="on-net changes, timed")] = 240,
                  partner_changes: Annotated[int, typer.Option(help="changes of the partner EVPLs, timed")] = 24,
                  concurrency: Annotated[int, typer.Option(help="customers changing services at once")] = 8,
                  runtime: Annotated[OrderRuntime, typer.Option(
                      help="the Service Provider on SQLite (one process) or on PostgreSQL with 1 or 2 workers "
                           "(server: CADENZA_BENCH_PG)")] = OrderRuntime.sqlite,
                  profile: Annotated[bool, typer.Option(help="a sampling profile of the SP (py-spy)")] = True,
                  as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """ALLEGRO change requests applied per second and request-to-applied p50/p99, on-net and
    with the partner (MEF 55.0.1 §10.3), against their targets."""
    from cadenza.bench.control import run_control_bench

    if runtime is OrderRuntime.all:
        raise typer.BadParameter("bench control runs on one runtime at a time: sqlite, pg1 or pg2")
    with console.status("benchmarking control: buying the services") as status:
        result = run_control_bench(runtime=runtime.value, services=services, partner_services=partner_services,
                                   changes=changes, partner_changes=partner_changes, concurrency=concurrency,
                                   profile=profile, progress=status.update)
    if as_json:
        print(json.dumps(result, indent=2))
        return
    _print_control(result)


def _print_control(result: dict) -> None:
    if "skipped" in result:
        console.print(f"[yellow]{result['label']}: skipped, {result['skipped']}[/]")
        return
    targets, ratios, met = result["targets"], result["ratios"], result["targets_met"]
    table = Table(title=f"cadenza bench control, SP on {result['label']} ({result['concurrency']} customers at once, "
                        "scale driver; partner: SQLite, one process; 2 cores shared)")
    for column in ("figure", "measured", "target", "ratio to target"):
        table.add_column(column)
    on_net = result["on_net"]
    table.add_row(f"on-net changes applied/s ({on_net['applied']} of {on_net['changes']} on "
                  f"{result['services']['on_net']} services)", str(on_net["changes_per_s"]),
                  f">= {targets['changes_per_s_min']:g} {_mark(met['throughput'])}",
                  f"{ratios['throughput_over_target']}x")
    table.add_row("on-net request-to-applied p50 / p99 ms", f"{on_net['p50_ms']} / {on_net['p99_ms']}",
                  f"p50 <= {targets['on_net_p50_ms_max']:g} {_mark(met['on_net_p50'])}",
                  f"{ratios['on_net_p50_over_target']}x")
    table.add_row("  of which the POST answered (acknowledged), p50 ms", str(on_net["accept_p50_ms"]), "", "")
    table.add_row("  SP CPU s per on-net change (all its processes)", str(on_net["sp_cpu_s_per_change"]), "", "")
    partner = result.get("partner")
    if partner:
        table.add_row(f"partner changes applied/s ({partner['applied']} of {partner['changes']} on "
                      f"{result['services']['partner']} services)", str(partner["changes_per_s"]), "", "")
        table.add_row("partner request-to-applied p50 / p99 ms", f"{partner['p50_ms']} / {partner['p99_ms']}",
                      f"p50 <= {targets['partner_p50_ms_max']:g} {_mark(met['partner_p50'])}",
                      f"{ratios['partner_p50_over_target']}x")
        table.add_row("  of which the POST answered (acknowledged), p50 ms", str(partner["accept_p50_ms"]), "", "")
    console.print(table)
    for kind in ("on_net", "partner"):
        if kind in result and result[kind]["applied"] != result[kind]["changes"]:
            console.print(f"[red]not every {kind.replace('_', '-')} change was applied: {result[kind]['states']}[/]")
    for kind, gaps in result["where_time_goes_ms"].items():
        console.print(f"where the time goes, {kind.replace('_', '-')} (mean ms of each stretch of a change):")
        for gap, ms in gaps.items():
            console.print(f"  {ms:>8} ms  {gap}")
        console.print("  of which applying it, per durable step of the fulfilment workflow (mean ms):")
        for step, ms in result["fulfilment_steps_ms"].get(kind, {}).items():
            console.print(f"    {ms:>8} ms  {step}")
    _print_profile(result.get("sp_cpu_profile"), f"{result['profiled']} during the on-net changes")
    console.print(f"phases (s): {result['phases_s']}; logs: {result['logs']}")


@bench_app.command("trouble")
def bench_trouble(services: Annotated[int, typer.Option(help="EVPLs under the failed metro trunk's network")] = 1000,
                  samples: Annotated[int, typer.Option(help="tickets timed one at a time (remediation)")] = 20,
                  concurrency: Annotated[int, typer.Option(help="customers opening tickets at once")] = 8,
                  runtime: Annotated[OrderRuntime, typer.Option(
                      help="the Service Provider on SQLite (one process) or on PostgreSQL with 1 or 2 workers "
                           "(server: CADENZA_BENCH_PG)")] = OrderRuntime.sqlite,
                  quick: Annotated[bool, typer.Option("--quick", help="small sizes: to see that it runs")] = False,
                  as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Trouble tickets (MEF 55.0.1 §10.5, issue 13): ticket to diagnosis and to restoration
    p50/p99 for automatic remediation, and tickets handled per second when one link failure
    affects many services, with the checks that none was missed."""
    from cadenza.bench.trouble import run_trouble_bench

    if runtime is OrderRuntime.all:
        raise typer.BadParameter("bench trouble runs on one runtime at a time: sqlite, pg1 or pg2")
    if quick:
        services, samples = min(services, 40), min(samples, 3)
    with console.status("benchmarking trouble tickets: starting the landscape") as status:
        result = run_trouble_bench(runtime=runtime.value, services=services, samples=samples, concurrency=concurrency,
                                   progress=status.update)
    if as_json:
        print(json.dumps(result, indent=2))
        return
    _print_trouble(result)


def _print_trouble(result: dict) -> None:
    if "skipped" in result:
        console.print(f"[yellow]{result['label']}: skipped, {result['skipped']}[/]")
        return
    remedy, mass, setup = result["remediation"], result["link_failure"], result["setup"]
    table = Table(title=f"cadenza bench trouble, SP on {result['label']} ({result['concurrency']} customers at once, "
                        "scale driver; partner: SQLite, one process; 2 cores shared; no targets named)")
    for column in ("figure", "measured"):
        table.add_column(column)
    table.add_row(f"automatic remediation: tickets resolved and rerouted ({remedy['tickets']} one at a time)",
                  f"{remedy['resolved_and_rerouted']} of {remedy['tickets']}")
    table.add_row("  ticket to diagnosis p50 / p99 ms",
                  f"{remedy['to_diagnosis_p50_ms']} / {remedy['to_diagnosis_p99_ms']}")
    table.add_row("  ticket to restoration p50 / p99 ms",
                  f"{remedy['to_restoration_p50_ms']} / {remedy['to_restoration_p99_ms']}")
    table.add_row(f"link failure ({mass['link']}): services affected of {mass['services']}",
                  f"{mass['affected']}")
    table.add_row("  tickets handled/s (first POST to last resolved)", f"{mass['tickets_per_s']} "
                  f"({mass['affected']} in {mass['elapsed_s']} s)")
    table.add_row("  ticket to restoration p50 / p99 ms",
                  f"{mass['to_restoration_p50_ms']} / {mass['to_restoration_p99_ms']}")
    table.add_row("  ticket statuses; SOF report states", f"{mass['statuses']}; {mass['report_states']}")
    table.add_row("  trouble reports per ticket (count: tickets)", str(mass["reports_per_ticket"]))
    table.add_row("  incidents per affected service (count: services); outage incidents closed",
                  f"{mass['incidents_per_service']}; {mass['outage_incidents_closed']} of {mass['affected']}")
    table.add_row("setup: services bought/s over CANTATA; routes read s",
                  f"{setup['services_bought_per_s']} ({setup['buy_s']} s); {setup['read_routes_s']} s")
    console.print(table)
    for check, passed in mass["checks"].items():
        console.print(f"check: {check}: {_mark(passed).replace('met', 'yes').replace('missed', 'NO')}")
    if remedy["resolved_and_rerouted"] != remedy["tickets"]:
        console.print(f"[red]not every remediation ticket was resolved and rerouted: {remedy['statuses']}, "
                      f"{remedy['report_states']}[/]")
    console.print(f"phases (s): {result['phases_s']}; logs: {result['logs']}")


@bench_app.command("in-flight")
def bench_in_flight(orders: Annotated[int, typer.Option(help="orders submitted as fast as they are taken")] = 1200,
                    senders: Annotated[int, typer.Option(help="concurrent order submitters")] = 32,
                    runtime: Annotated[InFlightRuntime, typer.Option(
                        help="the Service Provider on SQLite (one process) or on PostgreSQL with 2 workers "
                             "(server: CADENZA_BENCH_PG)")] = InFlightRuntime.sqlite,
                    as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """ORDERS orders in flight at once: none may be refused, lost or left unfinished."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from cadenza.bench.in_flight import run_in_flight_bench

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=as_json) as bars:
        tasks = {"submitted": bars.add_task("orders submitted", total=orders),
                 "finished": bars.add_task("orders finished", total=orders)}

        def progress(kind: str, value: int | None = None) -> None:
            if value is None:
                bars.advance(tasks[kind])
            else:
                bars.update(tasks[kind], completed=value)

        result = run_in_flight_bench(runtime=runtime.value, orders=orders, senders=senders, progress=progress)
    if as_json:
        print(json.dumps(result, indent=2))
        return
    if "skipped" in result:
        console.print(f"[yellow]{result['label']} skipped: {result['skipped']}[/]")
        return
    table = Table(title=f"cadenza bench in-flight ({orders} orders at once, scale driver, SP: {result['label']})")
    for column in ("figure", "measured", "target"):
        table.add_column(column)
    table.add_row("accepted / refused", f"{result['accepted']} / {result['refused']}", f"{orders} / 0")
    table.add_row("in flight at once (peak)", str(result["in_flight_peak"]), ">= 1000")
    states = ", ".join(f"{k} {v}" for k, v in result["final_states"].items() if v)
    table.add_row("final states", states, "all completed")
    table.add_row("unfinished at the end", str(result["unfinished"]), "0")
    table.add_row("orders stored at the SP", str(result["orders_stored"]), str(orders))
    table.add_row("submit s / drain s", f"{result['submit_s']} / {result['drain_s']}", "")
    table.add_row("orders finished / s", str(result["orders_per_s"]), "")
    table.add_row("SP peak RSS MiB, largest process / all",
                  f"{result['sp_peak_rss_mib']} / {result['sp_all_processes_peak_rss_mib']}", "< 1024")
    console.print(table)
    for refusal in result["refusals"]:
        console.print(f"[red]refused[/] {refusal}")


@bench_app.command("presto")
def bench_presto(
    services_scale: Annotated[int, typer.Option(help="services to create with the scale driver")] = 2000,
    services_netconf: Annotated[int, typer.Option(help="services to create over NETCONF")] = 200,
    scale_elements: Annotated[int, typer.Option(help="elements of the scale-mode domain")] = 1000,
    path_elements: Annotated[int, typer.Option(help="elements of the path computation topology")] = 10_000,
    concurrency: Annotated[int, typer.Option(help="PRESTO requests in flight at once (the SOFs of many orders)")] = 128,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Connectivity services per second (scale and NETCONF), path computation p50/p99, memory."""
    from cadenza.bench.presto import run_all

    with console.status("benchmarking PRESTO: path computation, then scale and NETCONF activation runs"):
        result = run_all(services_scale=services_scale, services_netconf=services_netconf,
                         scale_elements=scale_elements, path_elements=path_elements, concurrency=concurrency)
    if as_json:
        print(json.dumps(result, indent=2))
        return
    path, scale, netconf = result["path"], result["scale"], result["netconf"]
    table = Table(title="cadenza bench presto")
    for column in ("figure", "measured", "target", "ratio to target"):
        table.add_column(column)

    def row(name: str, value: float, target: float, unit: str, higher_is_better: bool) -> None:
        ratio = value / target if higher_is_better else target / value if value else float("inf")
        mark = "[green]" if ratio >= 1 else "[red]"
        table.add_row(name, f"{value:,.2f} {unit}", f"{'>=' if higher_is_better else '<='} {target:,} {unit}",
                      f"{mark}{ratio:.2f}x[/]")

    row(f"path computation p50 ({path['n_elements']:,} elements)", path["p50_ms"], 5, "ms", False)
    row(f"path computation p99 ({path['n_elements']:,} elements)", path["p99_ms"], 5, "ms", False)
    row(f"services/s, scale driver ({scale['elements']} elements, twin in its own process)", scale["services_per_s"],
        500, "/s", True)
    row(f"services/s, NETCONF ({netconf['elements']} elements, twin in its own process)", netconf["services_per_s"],
        25, "/s", True)
    row("services/s, scale driver, twin in the domain's process", result["scale_shared"]["services_per_s"], 500,
        "/s", True)
    row("services/s, NETCONF, twin in the domain's process", result["netconf_shared"]["services_per_s"], 25, "/s",
        True)
    row(f"resident memory, {scale['elements']}-element scale domain", scale["rss_after_start_mib"], 1024, "MiB",
        False)
    console.print(table)
    for run in (scale, netconf, result["scale_shared"], result["netconf_shared"]):
        console.print(f"{run['driver']} (twin process: {run['twin_process']}): {run['installed']} installed, "
                      f"{run['failed']} failed; "
                      f"{run['element_edits_per_s']} element edits/s over {run['mean_hops']} hops; requests accepted "
                      f"at {run['accept_per_s']}/s (p50 {run['accept_p50_ms']} ms, p99 {run['accept_p99_ms']} ms); "
                      f"{run['cpu_ms_per_service']} ms of CPU per service, {run['cores_busy']} cores busy; "
                      f"peak RSS {run['peak_rss_mib']} MiB")
    for run in (scale, netconf):
        _print_profile(run.get("cpu_profile"), f"the {run['driver']} activation run (twin in its own process)")


@bench_app.command("assurance")
def bench_assurance(
    services: Annotated[int, typer.Option(help="services on the scale twin whose PM is collected")] = 10_000,
    sls_services: Annotated[int, typer.Option(help="services whose intervals the SLS assessment compares")] = 100_000,
    intervals: Annotated[int, typer.Option(help="intervals per service assessed")] = 96,
    days: Annotated[int, typer.Option(help="days of one service's PM in the report")] = 30,
    runs: Annotated[int, typer.Option(help="times the report is read")] = 20,
    faults: Annotated[int, typer.Option(help="link failures timed until their alarm")] = 50,
    quick: Annotated[bool, typer.Option("--quick", help="small sizes and no profile: to see that it runs")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """PM collection rate, SLS assessment of many services, a 30-day report, fault-to-alarm
    latency and the storage per service-day (issue 11), each against its target."""
    from cadenza.bench.assurance import run_assurance_bench

    if quick:
        sls_services, days, runs, faults = min(sls_services, 2000), min(days, 2), min(runs, 3), min(faults, 3)
    with console.status("benchmarking assurance") as status:
        result = run_assurance_bench(services=services, sls_services=sls_services, intervals=intervals,
                                     report_days=days, report_runs=runs, fault_repeats=faults, profile=not quick,
                                     progress=status.update)
    if as_json:
        print(json.dumps(result, indent=2))
        return
    _print_assurance(result)


def _print_assurance(result: dict) -> None:
    targets, ratios = result["targets"], result["ratios"]
    pm, sls, report, storage, alarm = (result[k] for k in ("pm_collection", "sls", "report", "storage", "alarm"))
    table = Table(title="cadenza bench assurance (one process; 2 cores shared)")
    for column in ("figure", "measured", "target", "ratio to target"):
        table.add_column(column)

    def ratio(value: float) -> str:
        return f"{'[green]' if value >= 1 else '[red]'}{value:.2f}x[/]"

    table.add_row(f"PM collection, services/s ({pm['services']:,} services, {pm['sessions']:,} sessions: "
                  "ADAGIO read + icm_pm_bin insert)", f"{pm['services_per_s']:,.1f} /s",
                  f">= {targets['collection_services_per_s']:,.0f} /s", ratio(ratios["collection"]))
    table.add_row("  of which ElementManager.pm_intervals_many reads only", f"{pm['read_services_per_s']:,.1f} /s",
                  "", "")
    table.add_row("  of which packing + insert into SQLite only", f"{pm['store_services_per_s']:,.1f} /s", "", "")
    table.add_row("  with the twin computing the interval's traffic first (the network's work)",
                  f"{pm['with_twin_traffic_services_per_s']:,.1f} /s", "", "")
    table.add_row(f"  per CPU second of the collecting thread (wall minus this is waiting for a core; load average "
                  f"{pm['load_average']})", f"{pm['services_per_cpu_s']:,.1f} /s", "", "")
    icm = result["icm_collection"]
    if "skipped" in icm:
        table.add_row("PM collection, the ICM's collect()", icm["skipped"], "", "")
    else:
        table.add_row(f"PM collection, the ICM's collect() ({icm['services']:,} services created through the ICM on "
                      f"{icm['elements']:,} elements, {icm['bins']:,} bins, SQLite)",
                      f"{icm['services_per_s']:,.1f} /s",
                      f">= {targets['collection_services_per_s']:,.0f} /s",
                      ratio(icm["services_per_s"] / targets["collection_services_per_s"]))
        table.add_row("  with the twin computing the interval's traffic first (the network's work)",
                      f"{icm['with_twin_traffic_services_per_s']:,.1f} /s", "", "")
        table.add_row(f"  per CPU second of the collecting thread (load average {icm['load_average']})",
                      f"{icm['services_per_cpu_s']:,.1f} /s", "", "")
    table.add_row(f"SLS assessment, {sls['services']:,} services x {sls['intervals']} intervals x "
                  f"{sls['objectives']} objectives", f"{sls['seconds']:.3f} s", f"<= {targets['sls_s']:g} s",
                  ratio(ratios["sls"]))
    table.add_row(f"{report['days']}-day report of one service, p50 / p99 (SOF composition of the PRESTO view)",
                  f"{report['p50_ms']} / {report['p99_ms']} ms", f"p99 <= {targets['report_p99_ms']:g} ms",
                  ratio(ratios["report"]))
    table.add_row("  of which ICM read_history with the MEF 10.4 metrics, p50 / p99",
                  f"{report['icm_p50_ms']} / {report['icm_p99_ms']} ms", "", "")
    table.add_row(f"  CPU time of the report, p50 / p99 (wall minus this is waiting for a core; load average "
                  f"{report['load_average']})", f"{report['cpu_p50_ms']} / {report['cpu_p99_ms']} ms", "", "")
    table.add_row(f"fault to alarm over NETCONF <get>, p50 / p99 ({alarm['repeats']} link failures)",
                  f"{alarm['p50_ms']} / {alarm['p99_ms']} ms", f"p99 <= {targets['alarm_p99_ms']:g} ms",
                  ratio(ratios["alarm"]))
    table.add_row("storage per service-day (SQLite file growth, 2 directions x 96 bins)",
                  f"{storage['bytes_per_service_day'] / 1024:,.1f} KiB", "", "")
    table.add_row("  of which compressed steps (step_data)",
                  f"{storage['step_data_bytes_per_service_day'] / 1024:,.1f} KiB", "", "")
    console.print(table)
    console.print(f"PM collection: {pm['bins']:,} bins of one interval read in {pm['read_s']} s, stored in "
                  f"{pm['store_s']} s; the {pm['services']:,} services were configured in {pm['install_s']} s. "
                  f"SLS: {sls['breached_services']:,} services with a breached interval ({sls['breached_intervals']:,}"
                  f" intervals). Report: {report['composed_intervals']:,} intervals composed over {report['runs']} "
                  f"runs. Storage: {storage['rows']:,} rows grew the file by {storage['file_growth_bytes']:,} bytes "
                  f"({storage['bytes_per_row']:,} per row). NETCONF <get> of an element's alarms: "
                  f"{alarm['netconf_get_ms']} ms.")
    console.print("The bins of the report and the storage figure, and the SLS metrics, are synthetic of the shape "
                  "the twin reports (seeded); PM collection reads the twin's own traffic.")
    names = {"pm_collection": "PM collection", "icm_collection": "the ICM's collect()", "sls": "the SLS assessment",
             "report": "the 30-day report"}
    for key, profile in result["profiles"].items():
        if key == "icm_collection" and profile is None:
            continue  # not asked for (--quick), or its target met
        if profile is not None:
            profile = {**profile, "cadenza": {k: v for k, v in profile["cadenza"].items() if "bench/" not in k}}
        _print_profile(profile, f"{names[key]} (its target missed, measured again)")



@cus_app.command("watch")
def cus_watch(url: Annotated[str, typer.Option(help="the provider's API (its SOF), e.g. http://127.0.0.1:8080")],
              client_id: Annotated[str, typer.Option(help="the customer's ALLEGRO client id")],
              client_secret: Annotated[str, typer.Option(help="its secret")],
              service: Annotated[list[str] | None, typer.Option(help="a service to size (repeat); none: all")] = None,
              up: Annotated[float, typer.Option(help="raise above this mean utilisation, % of the CIR")] = 80.0,
              down: Annotated[float, typer.Option(help="lower below this mean utilisation, % of the CIR")] = 30.0,
              target: Annotated[float, typer.Option(help="the utilisation a change aims for, %")] = 55.0,
              window: Annotated[int, typer.Option(help="15-minute intervals the mean is taken over")] = 4,
              floor_mbps: Annotated[int, typer.Option(help="never below this, whatever the contract allows")] = 0,
              listen: Annotated[str, typer.Option(help="host:port of the report-ready listener")] = "127.0.0.1:0",
              poll_s: Annotated[float, typer.Option(help="look for reports at least this often, s")] = 5.0,
              log_level: Annotated[str, typer.Option(help="log level")] = "info") -> None:
    """Size data-centre services to their traffic, as a customer's coordinator would (§10.9)."""
    import threading

    from cadenza.cus.coordinator import Coordinator, CoordinatorSettings
    from cadenza.cus.listener import report_listener
    from cadenza.cus.sizing import Band
    from cadenza.interfaces.allegro.http import AllegroError

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per call drowns the decisions
    try:
        band = Band(up_percent=up, down_percent=down, target_percent=target, window=window)
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    host, _, port = listen.rpartition(":")
    coordinator = Coordinator(CoordinatorSettings(sp_url=url, client_id=client_id, client_secret=client_secret,
                                                  services=tuple(service or ()), band=band, floor_mbps=floor_mbps,
                                                  poll_s=poll_s))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        coordinator.start()
        table = Table(title="Customer Application Coordinator")
        for column in ("service", "performance job", "band"):
            table.add_column(column)
        for watched in coordinator.watched.values():
            table.add_row(watched.service_id, watched.job_id, f"{down:g}-{up:g} % over {window} x 15 min")
        console.print(table)
        with report_listener(coordinator, host or "127.0.0.1", int(port or 0)) as callback:
            console.print(f"listening for report-ready events at {callback}; Ctrl-C stops")
            coordinator.run(stop, on_decision=lambda d: console.print(
                f"{d.service_id}: {d.from_mbps} -> {d.to_mbps} Mbit/s "
                + (f"ordered ({d.order_id}): {d.reason}" if d.order_id else f"[red]refused[/]: {d.reason}")))
    except KeyboardInterrupt:
        pass
    except AllegroError as exc:
        console.print(f"[red]{exc.reason}[/]")
        raise typer.Exit(2) from None
    finally:
        coordinator.close()



@cus_app.command("reserve")
def cus_reserve(url: Annotated[str, typer.Option(help="the provider's API (its SOF)")],
                client_id: Annotated[str, typer.Option(help="the customer's ALLEGRO client id")],
                client_secret: Annotated[str, typer.Option(help="its secret")],
                service: Annotated[str, typer.Option(help="the service to give the capacity")],
                mbps: Annotated[int, typer.Option(help="the committed rate for the event, Mbit/s")],
                at: Annotated[str | None, typer.Option(help="when it starts (ISO 8601, UTC)")] = None,
                in_: Annotated[str | None, typer.Option("--in", help="or how soon it starts, e.g. 90s, 2h")] = None,
                for_: Annotated[str, typer.Option("--for", help="how long it lasts, e.g. 3h")] = "1h") -> None:
    """Reserve capacity for a known event (a backup window, a migration): refused unless the
    network can hold it; applied at its start and given back at its end by the provider; `cus
    watch` leaves the service alone meanwhile (thread 10.9 steps 5 and 11)."""
    from datetime import UTC, datetime, timedelta

    from cadenza.core.client_credentials import ClientCredentials
    from cadenza.interfaces.allegro.http import AllegroError
    from cadenza.interfaces.allegro.reservation import ReservationClient

    if (at is None) == (in_ is None):
        console.print("[red]say when the event starts: --at TIME or --in DURATION[/]")
        raise typer.Exit(2)
    try:
        start = (datetime.now(UTC) + timedelta(seconds=_seconds(in_)) if in_ is not None
                 else parse_iso(str(at)))
    except ValueError:
        console.print(f"[red]{at!r} is not a date-time: write e.g. 2026-12-24T02:00Z[/]")
        raise typer.Exit(2) from None
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    client = ReservationClient(url, ClientCredentials(url, client_id, client_secret))
    try:
        reservation = client.reserve(service, mbps, start, start + timedelta(seconds=_seconds(for_)))
    except AllegroError as exc:
        reasons = [e.get("reason") for e in exc.body] if isinstance(exc.body, list) else [exc.reason]
        console.print(f"[red]refused: {'; '.join(str(r) for r in reasons)}[/]")
        raise typer.Exit(1) from None
    finally:
        client.close()
    console.print(f"{service}: {mbps} Mbit/s from {reservation['startDate']} to {reservation['endDate']}: "
                  f"reservation {reservation['id']} {reservation['state']}")


if __name__ == "__main__":
    app()
