"""The connectivity test of a customer's service for fault management (a loopback in spirit):
each of its segments in the provider's network is tested now by its ICM over PRESTO (the
activation test: test frames through the forwarding constructs actually configured, on the
twin's links as they are now, so a link down shows as the far end not reachable), and the
segments are combined in series as at activation (sof/testing.py).

A partner's segment is not tested: INTERLUDE offers no test of a delivered segment (Service
Function Testing over INTERLUDE is not built); the result names it under `untestedSegments`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cadenza.sof.rows import ServiceRow
from cadenza.sof.testing import SegmentResult, combine

if TYPE_CHECKING:
    from cadenza.sof.service import Sof

__all__ = ["test_service"]


def test_service(sof: Sof, service: ServiceRow) -> dict[str, Any]:
    """The combined result; raises PrestoError when an ICM cannot run its part."""
    results = []
    for segment in service.design.get("segments", []):
        test = sof.presto.run_activation_test(segment["networkDomain"], segment["uuid"])
        results.append(SegmentResult(f"{segment['networkDomain']}/{segment['uuid']}", test.passed, test.delay_ms,
                                     test.loss_ratio, test.rate_mbps, test.failures))
    outcome = combine(results, cir_mbps=service.bandwidth_mbps, max_delay_ms=service.design.get("maxDelayMs"))
    partner = (service.design.get("partner") or {}).get("party")
    outcome["untestedSegments"] = ([f"partner/{partner}: INTERLUDE offers no test of a delivered segment"]
                                   if partner else [])
    return outcome
