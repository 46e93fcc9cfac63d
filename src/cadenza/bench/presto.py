"""`cadenza bench presto`: how fast an ICM turns requests into configured connectivity.

Figures, never assertions: connectivity services created (planned -> installed on every
element) per second with the scale driver and over NETCONF, path computation latency on a
generated 10,000-element topology, and resident memory of a 1,000-element scale domain.
Each activation run happens in a process of its own (one DBOS instance per process), so its
peak memory is its own too.
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil

from cadenza.bench.profile import SamplingProfile
from cadenza.icm.generate import generate_domain_config
from cadenza.icm.path_bench import run_path_benchmark
from cadenza.landscape.config import ClientConfig, DomainConfig, PartyConfig, TwinConfig, load_domain_config

__all__ = ["run_all", "activation_run"]

DEMO = Path(__file__).parents[1] / "landscape/demo/sp.yaml"


def _scale_config(elements: int) -> DomainConfig:
    return DomainConfig(name="bench", party=PartyConfig(id="bench", name="Benchmark"),
                        twin=TwinConfig(driver="scale", persist=False),
                        # a domain composes its SOF and BUS too, and they call PRESTO as this client
                        clients=[ClientConfig(client_id="bench-sof", client_secret="bench-sof-secret", party="bench",
                                              role="internal", scopes=["presto", "hub", "legato"])],
                        network_domains=[generate_domain_config(elements, seed=7, name="metro")])


def _netconf_config() -> DomainConfig:
    config = load_domain_config(DEMO)
    return config.model_copy(update={"twin": TwinConfig(driver="netconf", persist=False)})


def activation_run(driver: str, services: int, elements: int, concurrency: int) -> dict[str, Any]:
    """Create `services` connectivity services and wait until every one is installed."""
    from sqlalchemy import func, select

    from cadenza.icm.commands import CreateConnectivityService, EndPointRequest
    from cadenza.icm.rows import ConnectivityServiceRow
    from cadenza.landscape.domain import ProviderDomain

    config = _scale_config(elements) if driver == "scale" else _netconf_config()
    workdir = Path(tempfile.mkdtemp(prefix=f"cadenza-bench-{driver}-"))
    domain = ProviderDomain(config, database_url=f"sqlite:///{workdir / 'domain.db'}", var_dir=workdir,
                            driver=driver, netconf_base_port=0)
    started = time.perf_counter()
    domain.start()
    start_s = time.perf_counter() - started
    rss_started = psutil.Process().memory_info().rss
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
        with icm.database.transaction() as session:
            installed = session.scalar(select(func.count()).select_from(ConnectivityServiceRow)
                                       .where(ConnectivityServiceRow.state.in_(("installed", "failed"))))
        if time.perf_counter() - t0 > 600:
            break
        time.sleep(0.1)  # a finer poll would cost the domain CPU the figure is about
    elapsed = time.perf_counter() - t0
    cpu = _cpu_s() - cpu0
    with icm.database.transaction() as session:
        failed = session.scalar(select(func.count()).select_from(ConnectivityServiceRow)
                                .where(ConnectivityServiceRow.state == "failed"))
    hops = statistics.mean(len(r.plan["hops"]) for r in _rows(icm))
    domain.stop()
    return {
        "driver": driver, "elements": sum(len(n.elements) for n in config.network_domains),
        "services": services, "installed": installed - failed, "failed": failed,
        "services_per_s": round(services / elapsed, 1), "accept_per_s": round(services / accepted_s, 1),
        # CPU of the whole process (all threads, the C parts too) per service: steadier than a rate
        "cpu_ms_per_service": round(cpu * 1000 / services, 2), "cores_busy": round(cpu / elapsed, 2),
        "element_edits_per_s": round(services * hops / elapsed, 1), "mean_hops": round(hops, 2),
        "accept_p50_ms": round(statistics.median(latencies) * 1000, 2),
        "accept_p99_ms": round(sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "domain_start_s": round(start_s, 2), "rss_after_start_mib": round(rss_started / 2**20, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rows(icm: Any) -> list[Any]:
    from sqlalchemy import select

    from cadenza.icm.rows import ConnectivityServiceRow

    with icm.database.transaction() as session:
        return list(session.scalars(select(ConnectivityServiceRow)))


def _in_subprocess(driver: str, services: int, elements: int, concurrency: int) -> dict[str, Any]:
    run = subprocess.Popen([sys.executable, "-m", "cadenza.bench.presto", driver, str(services), str(elements),
                            str(concurrency)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    profile = SamplingProfile(run.pid, Path(tempfile.mkdtemp(prefix="cadenza-bench-profile-")) / "run.txt").start()
    stdout, stderr = run.communicate()
    cpu = profile.stop()
    if run.returncode != 0:
        raise RuntimeError(f"{driver} run failed:\n{stderr[-3000:]}")
    return {**json.loads(stdout.strip().splitlines()[-1]), "cpu_profile": cpu}


def run_all(*, services_scale: int = 2000, services_netconf: int = 200, scale_elements: int = 1000,
            path_elements: int = 10_000, concurrency: int = 128) -> dict[str, Any]:
    return {
        "path": run_path_benchmark(n_elements=path_elements),
        "scale": _in_subprocess("scale", services_scale, scale_elements, concurrency),
        "netconf": _in_subprocess("netconf", services_netconf, 20, concurrency),
    }


if __name__ == "__main__":
    result = activation_run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    print(json.dumps(result))
