"""Service OAM on an installed connectivity service: the activation test (MEF 48 style:
reachability, frame delay, frame loss, information rate at CIR) and PM counters, both measured
on the network through ECM from the forwarding constructs actually configured."""

from __future__ import annotations

from dataclasses import dataclass

from cadenza.core.errors import Conflict
from cadenza.icm import connectivity_service as cs
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.interfaces.adagio.contract import AdagioClient, Measurement, PmCounters

__all__ = ["ActivationTestResult", "run_activation_test", "read_counters", "LOSS_OBJECTIVE", "RATE_OBJECTIVE"]

LOSS_OBJECTIVE = 0.001  # frame loss ratio at or below which the test passes
RATE_OBJECTIVE = 0.95  # share of the CIR the measured information rate must reach


@dataclass(frozen=True, slots=True)
class ActivationTestResult:
    passed: bool
    measurement: Measurement
    failures: tuple[str, ...]


def _require_installed(row: ConnectivityServiceRow) -> None:
    if row.state not in (cs.INSTALLED, cs.MODIFYING):
        raise Conflict(f"Connectivity service {row.uuid} is {row.state}; only an installed service can be tested")


def run_activation_test(adagio: AdagioClient, row: ConnectivityServiceRow) -> ActivationTestResult:
    _require_installed(row)
    a = row.request["a"]
    measured = adagio.measure(row.uuid, a["element"], a["port"])
    failures = []
    if not measured.reachable:
        failures.append(f"far end not reachable: {measured.detail or 'no path through the configured constructs'}")
    else:
        if row.max_delay_ms is not None and measured.delay_ms > row.max_delay_ms:
            failures.append(f"frame delay {measured.delay_ms:.2f} ms exceeds the objective {row.max_delay_ms} ms")
        if measured.loss_ratio > LOSS_OBJECTIVE:
            failures.append(f"frame loss {measured.loss_ratio:.4%} exceeds the objective {LOSS_OBJECTIVE:.2%}")
        if measured.throughput_mbps < RATE_OBJECTIVE * row.bandwidth_mbps:
            failures.append(f"information rate {measured.throughput_mbps:.1f} Mbit/s is below "
                            f"{RATE_OBJECTIVE:.0%} of the CIR {row.bandwidth_mbps} Mbit/s")
    return ActivationTestResult(passed=not failures, measurement=measured, failures=tuple(failures))


def read_counters(adagio: AdagioClient, row: ConnectivityServiceRow) -> PmCounters:
    _require_installed(row)
    a = row.request["a"]
    return adagio.counters(row.uuid, a["element"], a["port"])
