"""Benchmark ADAGIO: how many connectivity services per second the ECM configures.

Builds a chain of elements, then activates services that each cross `hops` elements, every
element of a service configured in parallel (as the ICM does), several services at a time.

    python -m cadenza.ecm.bench.adagio --driver netconf --elements 20 --services 200
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cadenza.ecm.runtime import start_twin
from cadenza.ecm.settings import EcmSettings
from cadenza.interfaces.adagio.contract import BandwidthProfile, FcEndPoint, ForwardingConstruct

__all__ = ["chain_config", "run"]


def chain_config(elements: int, *, driver: str = "netconf") -> EcmSettings:
    """A line of elements e0..eN-1, each with an edge port and ports towards its neighbours."""
    els, links = [], []
    for i in range(elements):
        ports = [{"name": "edge"}, {"name": "west"}, {"name": "east"}]
        els.append({"name": f"e{i}", "ports": ports})
        if i:
            links.append({"a": f"e{i - 1}:east", "b": f"e{i}:west", "capacity_mbps": 10000, "delay_ms": 0.5})
    return EcmSettings.model_validate({
        "twin": {"driver": driver, "persist": False},
        "network_domains": [{"name": "chain", "elements": els, "links": links}],
    })


def _service(n: int, start: int, hops: int) -> list[tuple[str, ForwardingConstruct]]:
    vlan = 1 + n % 4000
    items = []
    for i in range(start, start + hops):
        a = FcEndPoint("edge" if i == start else "west", vlan)
        z = FcEndPoint("edge" if i == start + hops - 1 else "east", vlan)
        items.append((f"e{i}", ForwardingConstruct(f"svc-{n}", (a, z), BandwidthProfile(cir_kbps=10_000))))
    return items


def run(driver: str, elements: int, services: int, hops: int, concurrency: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        runtime = start_twin(chain_config(elements, driver=driver), var_dir=Path(tmp), base_port=0)
        started = time.perf_counter() - t0
        with runtime, ThreadPoolExecutor(concurrency) as pool:
            manager = runtime.manager
            plans = [_service(n, (n * hops) % (elements - hops + 1), hops) for n in range(services)]
            t0 = time.perf_counter()
            results = list(pool.map(manager.apply_many, plans))
            elapsed = time.perf_counter() - t0
            failed = sum(1 for rs in results for r in rs if not r.ok)
            t1 = time.perf_counter()
            again = list(pool.map(manager.apply_many, plans))
            replay = time.perf_counter() - t1
            changed_again = sum(1 for rs in again for r in rs if r.changed)
    edits = services * hops
    return {"start_s": round(started, 3), "services_per_s": round(services / elapsed, 1),
            "element_edits_per_s": round(edits / elapsed, 1), "replay_services_per_s": round(services / replay, 1),
            "failed": failed, "changed_on_replay": changed_again}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--driver", choices=["netconf", "scale"], default="netconf")
    parser.add_argument("--elements", type=int, default=20)
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--hops", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(run(args.driver, args.elements, args.services, args.hops, args.concurrency))


if __name__ == "__main__":
    main()
