"""The benchmarks are deliverables too: each runs end to end on a small scale and reports what
it measured (figures are never asserted; only that the runs complete, count what they did and
print every figure and ratio). One module per benchmark, so the suite's workers run them side by side."""

from __future__ import annotations

from tests.helpers.bench_runs import cadenza


def test_bench_presto_runs_both_drivers_and_path_computation() -> None:
    result = cadenza("presto", "--services-scale", "20", "--services-netconf", "8", "--scale-elements", "60",
                     "--path-elements", "300", "--concurrency", "4")
    assert result["scale"]["installed"] == 20 and result["netconf"]["installed"] == 8
    assert result["scale_shared"]["installed"] == 20 and result["netconf_shared"]["installed"] == 8
    assert result["scale"]["twin_process"] == "own" and result["scale_shared"]["twin_process"] == "domain"
    assert result["path"]["samples"] > 0 and result["path"]["p99_ms"] > 0
