"""`cadenza bench presto`: how fast an ICM turns requests into configured connectivity.

Figures, never assertions: connectivity services created (planned -> installed on every
element) per second with the scale driver and over NETCONF, path computation latency on a
generated 10,000-element topology, and resident memory of a 1,000-element scale domain.
Each activation run happens in a process of its own (one DBOS instance per process), so its
peak memory is its own too.
"""

from __future__ import annotations

import contextlib
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil

from cadenza.bench.profile import SamplingProfile
from cadenza.core.gc_tuning import settle_after_start
from cadenza.icm.generate import generate_domain_config
from cadenza.icm.path_bench import run_path_benchmark
from cadenza.landscape.config import ClientConfig, DomainConfig, PartyConfig, TwinConfig, load_domain_config

__all__ = ["run_all", "activation_run"]

DEMO = Path(__file__).parents[1] / "landscape/demo/sp.yaml"


def _scale_config(elements: int, process: str) -> DomainConfig:
    return DomainConfig(name="bench", party=PartyConfig(id="bench", name="Benchmark"),
                        twin=TwinConfig(driver="scale", persist=False, process=process),
                        # a domain composes its SOF and BUS too, and they call PRESTO as this client
                        clients=[ClientConfig(client_id="bench-sof", client_secret="bench-sof-secret", party="bench",
                                              role="internal", scopes=["presto", "hub", "legato"])],
                        network_domains=[generate_domain_config(elements, seed=7, name="metro")])


def _netconf_config(process: str) -> DomainConfig:
    config = load_domain_config(DEMO)
    return config.model_copy(update={"twin": TwinConfig(driver="netconf", persist=False, process=process)})


def activation_run(driver: str, services: int, elements: int, concurrency: int,
                   process: str = "domain") -> dict[str, Any]:
    """Create `services` connectivity services and wait until every one is installed."""
    from sqlalchemy import func, select

    from cadenza.icm.commands import CreateConnectivityService, EndPointRequest
    from cadenza.icm.rows import ConnectivityServiceRow
    from cadenza.landscape.domain import ProviderDomain

    config = _scale_config(elements, process) if driver == "scale" else _netconf_config(process)
    workdir = Path(tempfile.mkdtemp(prefix=f"cadenza-bench-{driver}-"))
    domain = ProviderDomain(config, database_url=f"sqlite:///{workdir / 'domain.db'}", var_dir=workdir,
                            driver=driver, netconf_base_port=0)
    started = time.perf_counter()
    domain.start()
    settle_after_start()  # as `cadenza domain up` does
    start_s = time.perf_counter() - started
    rss_started = _rss()
    peak = _PeakRss().start()
    icm = domain.icms["metro"]
    unis = sorted(e.id for e in icm.topology.edge_points.values() if e.kind == "uni")
    rng = random.Random(3)
    pairs = []
    for index in range(services):
        a, z = rng.sample(unis, 2)
        # distinct CE-VLANs per service keep every request valid however the pairs fall
        pairs.append((a, z, 2 + index % 4000))
    latencies: list[float] = []

    def create(item: tuple[str, str, int]) -> None:
        a, z, vlan = item
        t0 = time.perf_counter()
        icm.create(CreateConnectivityService(owner="bench", a=EndPointRequest(a, vlan), z=EndPointRequest(z, vlan),
                                             mbps=1))
        latencies.append(time.perf_counter() - t0)

    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(create, pairs))
    accepted_s = time.perf_counter() - t0
    installed = 0
    while installed < services:
        with icm.database.read() as session:  # a read: never queues for the writer the planner needs
            installed = session.scalar(select(func.count()).select_from(ConnectivityServiceRow)
                                       .where(ConnectivityServiceRow.state.in_(("installed", "failed"))))
        if time.perf_counter() - t0 > 600:
            break
        time.sleep(0.1)  # a finer poll would cost the domain CPU the figure is about
    elapsed = time.perf_counter() - t0
    cpu = _cpu_s() - cpu0
    with icm.database.read() as session:
        failed = session.scalar(select(func.count()).select_from(ConnectivityServiceRow)
                                .where(ConnectivityServiceRow.state == "failed"))
    hops = statistics.mean(len(r.plan["hops"]) for r in _rows(icm))
    peak_rss = peak.stop()
    domain.stop()
    return {
        "driver": driver, "elements": sum(len(n.elements) for n in config.network_domains),
        "services": services, "installed": installed - failed, "failed": failed,
        "services_per_s": round(services / elapsed, 1), "accept_per_s": round(services / accepted_s, 1),
        # CPU of the domain (all threads, C parts, the twin's own process) per service: steadier than a rate
        "cpu_ms_per_service": round(cpu * 1000 / services, 2), "cores_busy": round(cpu / elapsed, 2),
        "element_edits_per_s": round(services * hops / elapsed, 1), "mean_hops": round(hops, 2),
        "accept_p50_ms": round(statistics.median(latencies) * 1000, 2),
        "accept_p99_ms": round(sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "domain_start_s": round(start_s, 2), "rss_after_start_mib": round(rss_started / 2**20, 1),
        "peak_rss_mib": round(peak_rss / 2**20, 1), "twin_process": process,
    }


def _summed(measure: Callable[[psutil.Process], float]) -> float:
    """`measure` summed over this process and its live children (the twin's own process, if any)."""
    me = psutil.Process()
    total = 0.0
    for proc in (me, *me.children(recursive=True)):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += measure(proc)
    return total


def _rss() -> int:
    return int(_summed(lambda proc: proc.memory_info().rss))


class _PeakRss:
    """The highest `_rss()` seen, sampled five times a second while the run goes on."""

    def __init__(self) -> None:
        self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="bench-rss", daemon=True)

    def start(self) -> _PeakRss:
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, _rss())

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return max(self.peak, _rss())


def _cpu_s() -> float:
    return _summed(lambda proc: sum(proc.cpu_times()[:2]))  # user + system


def _rows(icm: Any) -> list[Any]:
    from sqlalchemy import select

    from cadenza.icm.rows import ConnectivityServiceRow

    with icm.database.read() as session:
        return list(session.scalars(select(ConnectivityServiceRow)))


def _in_subprocess(driver: str, services: int, elements: int, concurrency: int, process: str) -> dict[str, Any]:
    run = subprocess.Popen([sys.executable, "-m", "cadenza.bench.presto", driver, str(services), str(elements),
                            str(concurrency), process], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    profile = SamplingProfile(run.pid, Path(tempfile.mkdtemp(prefix="cadenza-bench-profile-")) / "run.txt").start()
    stdout, stderr = run.communicate()
    cpu = profile.stop()
    if run.returncode != 0:
        raise RuntimeError(f"{driver} run failed:\n{stderr[-3000:]}")
    return {**json.loads(stdout.strip().splitlines()[-1]), "cpu_profile": cpu}


def run_all(*, services_scale: int = 2000, services_netconf: int = 200, scale_elements: int = 1000,
            path_elements: int = 10_000, concurrency: int = 128) -> dict[str, Any]:
    """Activation runs with the twin in a process of its own (the faster deployment, measured
    against the targets) and in the domain's process (for comparison)."""
    return {
        "path": run_path_benchmark(n_elements=path_elements),
        "scale": _in_subprocess("scale", services_scale, scale_elements, concurrency, "own"),
        "netconf": _in_subprocess("netconf", services_netconf, 20, concurrency, "own"),
        "scale_shared": _in_subprocess("scale", services_scale, scale_elements, concurrency, "domain"),
        "netconf_shared": _in_subprocess("netconf", services_netconf, 20, concurrency, "domain"),
    }


if __name__ == "__main__":
    result = activation_run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), *sys.argv[5:6])
    print(json.dumps(result))
