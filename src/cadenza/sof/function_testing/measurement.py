"""One test of a customer's service, measured on the network: each of its segments in the
provider's network is tested now by its ICM over PRESTO (`cadenza-run-activation-test`: test
frames through the forwarding constructs actually configured, on the twin's links as they are,
so a link down shows as the far end not reachable), the segments are composed in series as at
activation (one-way delay added, frame loss 1 - prod(1 - loss), the rate the slowest segment's),
and the whole is judged against the profile's objectives.

A partner's segment is not tested: Cadenza has no Service Function Testing over INTERLUDE yet;
the result names it under `untestedSegments`. A segment whose ICM cannot run the test makes the
result FAIL, saying why: a service not tested has not passed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from cadenza.core.clock import iso
from cadenza.interfaces.allegro.sft_paths import RESULT_TYPE
from cadenza.interfaces.presto.client import PrestoError
from cadenza.sof.function_testing.configuration import Objectives
from cadenza.sof.rows import ServiceRow

if TYPE_CHECKING:
    from cadenza.sof.service import Sof

__all__ = ["measure", "judge"]


def measure(sof: Sof, service: ServiceRow, objectives: Objectives) -> dict[str, Any]:
    """The `serviceSpecificTestResultConfiguration` of one test, run now."""
    segments: list[dict[str, Any]] = []
    failures: list[str] = []
    for segment in service.design.get("segments", []):
        name = f"{segment['networkDomain']}/{segment['uuid']}"
        try:
            test = sof.presto.run_activation_test(segment["networkDomain"], segment["uuid"])
        except PrestoError as exc:
            failures.append(f"{name}: could not be tested: {exc.reason}")
            continue
        raw = test.raw
        segments.append({"name": name, "result": "PASS" if test.passed else "FAIL",
                         "reachable": bool(raw.get("reachable", test.passed)), "frameDelayMs": test.delay_ms,
                         "frameLossRatio": test.loss_ratio, "informationRateMbps": test.rate_mbps,
                         "route": list(raw.get("route", [])), "failures": list(test.failures)})
    partner = (service.design.get("partner") or {}).get("party")
    untested = [f"partner/{partner}: Service Function Testing over INTERLUDE is not built"] if partner else []
    return {"@type": RESULT_TYPE, **judge(segments, failures, cir_mbps=service.bandwidth_mbps, objectives=objectives),
            "segments": segments, "untestedSegments": untested, "testedAt": iso()}


def judge(segments: list[dict[str, Any]], failures: list[str], *, cir_mbps: int,
          objectives: Objectives) -> dict[str, Any]:
    """The end-to-end figures and verdict of the measured `segments` (in series). A segment the
    test frames did not cross fails the test whatever the objectives; the rest is judged on
    the composed figures, by the profile's objectives, not each ICM's own pass mark."""
    failures = list(failures)
    for segment in segments:
        if not segment["reachable"]:
            failures += [f"{segment['name']}: {f}" for f in segment["failures"] or ["far end not reachable"]]
    if not segments and not failures:
        failures.append("the service has no segment in the provider's network to test")
    delay = sum(s["frameDelayMs"] for s in segments)
    loss = 1 - math.prod(1 - s["frameLossRatio"] for s in segments)
    rate = min((s["informationRateMbps"] for s in segments), default=0.0)
    if segments and all(s["reachable"] for s in segments):
        if objectives.max_delay_ms is not None and delay > objectives.max_delay_ms:
            failures.append(f"end-to-end frame delay {delay:.3f} ms exceeds the objective "
                            f"{objectives.max_delay_ms:g} ms")
        if loss > objectives.max_loss_ratio:
            failures.append(f"end-to-end frame loss ratio {loss:.6f} exceeds the objective "
                            f"{objectives.max_loss_ratio:g}")
        if rate < objectives.min_rate_percent / 100 * cir_mbps:
            failures.append(f"information rate {rate:.1f} Mbit/s is under {objectives.min_rate_percent:g} % of the "
                            f"{cir_mbps} Mbit/s CIR")
    return {"result": "FAIL" if failures else "PASS", "failures": failures, "frameDelayMs": round(delay, 4),
            "frameLossRatio": loss, "informationRateMbps": round(rate, 3), "cirMbps": cir_mbps,
            "objectives": objectives.render()}
