"""Benchmark: the twin's own cost of a reroute of many services (PM counters kept for each).

A diamond pe1 -- (pa | pb) -- pe2 on the scale driver and a clock that moves a second per
change. `services` services are configured over pa, each one's counters read (the ICM collects
every service's, so the PM collector keeps a tally for each), then every service is moved onto
pb one at a time, as a reroute does: each move is four commits (pe1, pb, pe2, then pa's
construct removed), and each commit settles what the twin integrates before it changes.

    python -m cadenza.ecm.bench.reroute --services 1000
"""

from __future__ import annotations

import argparse
import time

from cadenza.ecm.manager import ElementManager
from cadenza.ecm.scale_driver import ScaleDriver
from cadenza.ecm.settings import EcmSettings
from cadenza.ecm.twin import NetworkTwin
from cadenza.interfaces.adagio.contract import BandwidthProfile, FcEndPoint, ForwardingConstruct

__all__ = ["diamond", "run"]


class _SteppedClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def diamond() -> EcmSettings:
    def element(name: str, ports: list[str]) -> dict:
        return {"name": name, "ports": [{"name": p, "speed_mbps": 10000} for p in ports]}

    return EcmSettings.model_validate({
        "twin": {"driver": "scale", "persist": False},
        "network_domains": [{
            "name": "diamond",
            "elements": [element("pe1", ["uni", "to-a", "to-b"]), element("pa", ["west", "east"]),
                         element("pb", ["west", "east"]), element("pe2", ["uni", "to-a", "to-b"])],
            "links": [{"a": "pe1:to-a", "b": "pa:west", "capacity_mbps": 10000, "delay_ms": 1.0},
                      {"a": "pa:east", "b": "pe2:to-a", "capacity_mbps": 10000, "delay_ms": 1.0},
                      {"a": "pe1:to-b", "b": "pb:west", "capacity_mbps": 10000, "delay_ms": 2.0},
                      {"a": "pb:east", "b": "pe2:to-b", "capacity_mbps": 10000, "delay_ms": 2.0}],
        }],
    })


def _fc(n: int, a: str, z: str) -> ForwardingConstruct:
    vlan = 1 + n % 4000
    return ForwardingConstruct(f"svc-{n}", (FcEndPoint(a, vlan), FcEndPoint(z, vlan)),
                               BandwidthProfile(cir_kbps=10_000))


def _over(n: int, via: str) -> list[tuple[str, ForwardingConstruct]]:
    return [("pe1", _fc(n, "uni", f"to-{via}")), (f"p{via}", _fc(n, "west", "east")),
            ("pe2", _fc(n, f"to-{via}", "uni"))]


def run(services: int) -> dict[str, float]:
    clock = _SteppedClock()
    twin = NetworkTwin(diamond(), clock=clock)
    manager = ElementManager(ScaleDriver(twin.elements, twin), twin, workers=4)
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        for n in range(services):
            for element, fc in _over(n, "a"):
                clock.now += 1
                manager.apply(element, fc)
            manager.counters(f"svc-{n}", "pe1", "uni")
        activated, activated_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        for n in range(services):
            for element, fc in _over(n, "b"):
                clock.now += 1
                manager.apply(element, fc)
            clock.now += 1
            manager.remove("pa", f"svc-{n}")
        rerouted, rerouted_cpu = time.perf_counter() - t0, time.process_time() - c0
        moved = sum(1 for n in range(services) if manager.measure(f"svc-{n}", "pe1", "uni").path[1].startswith("pb"))
        counted = sum(manager.counters(f"svc-{n}", "pe1", "uni").rx_frames > 0 for n in range(services))
    finally:
        manager.close()
    commits = 4 * services
    return {"services": services, "activate_s": round(activated, 3), "activate_cpu_s": round(activated_cpu, 3),
            "reroute_s": round(rerouted, 3), "reroute_cpu_s": round(rerouted_cpu, 3),
            "reroute_cpu_ms_per_commit": round(1000 * rerouted_cpu / commits, 3), "moved": moved,
            "counting": counted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    args = parser.parse_args()
    print(run(args.services))


if __name__ == "__main__":
    main()
