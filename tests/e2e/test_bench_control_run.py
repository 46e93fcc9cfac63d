"""The benchmarks are deliverables too: each runs end to end on a small scale and reports what
it measured (figures are never asserted; only that the runs complete, count what they did and
print every figure and ratio). One module per benchmark, so the suite's workers run them side by side."""

from __future__ import annotations

import pytest

from cadenza import cli
from tests.helpers.bench_runs import cadenza, printed


@pytest.mark.timeout(660)
def test_bench_control_measures_on_net_and_partner_changes_against_their_targets() -> None:
    result = cadenza("control", "--services", "2", "--partner-services", "1", "--changes", "4", "--partner-changes",
                     "2", "--concurrency", "2", "--no-profile", timeout=600)
    on_net, partner = result["on_net"], result["partner"]
    assert result["services"] == {"on_net": 2, "partner": 1}
    assert on_net["applied"] == on_net["changes"] == 4, on_net["states"]
    assert partner["applied"] == partner["changes"] == 2, partner["states"]
    for figures in (on_net, partner):
        assert figures["changes_per_s"] > 0 and figures["p99_ms"] >= figures["p50_ms"] > figures["accept_p50_ms"] > 0
    assert set(result["ratios"]) == {"throughput_over_target", "on_net_p50_over_target", "partner_p50_over_target"}
    assert all(isinstance(met, bool) for met in result["targets_met"].values())
    stretches = result["where_time_goes_ms"]["on_net"]
    assert "inProgress (startDate) -> completed (completionDate)" in stretches, stretches
    steps = result["fulfilment_steps_ms"]
    assert "change_segment" in steps["on_net"] and "modify_partner" in steps["partner"], steps
    text = printed(cli._print_control, result)
    for figure in ("on-net changes applied/s", "on-net request-to-applied p50 / p99 ms", "partner request-to-applied",
                   "ratio to target", "where the time goes", "per durable step of the fulfilment workflow"):
        assert figure in text
