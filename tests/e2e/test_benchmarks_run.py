"""The benchmarks are deliverables too: each runs end to end on a small scale and reports what
it measured (figures are never asserted; only that the runs complete and count what they did)."""

from __future__ import annotations

import json
import subprocess
import sys


def cadenza(*args: str, timeout: float = 300) -> dict:
    run = subprocess.run([sys.executable, "-m", "cadenza.cli", "bench", *args, "--json"], capture_output=True,
                         text=True, timeout=timeout, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout[run.stdout.index("{"):])


def test_bench_presto_runs_both_drivers_and_path_computation() -> None:
    result = cadenza("presto", "--services-scale", "20", "--services-netconf", "8", "--scale-elements", "60",
                     "--path-elements", "300", "--concurrency", "4")
    assert result["scale"]["installed"] == 20 and result["netconf"]["installed"] == 8
    assert result["scale_shared"]["installed"] == 20 and result["netconf_shared"]["installed"] == 8
    assert result["scale"]["twin_process"] == "own" and result["scale_shared"]["twin_process"] == "domain"
    assert result["path"]["samples"] > 0 and result["path"]["p99_ms"] > 0


def test_bench_order_and_in_flight_complete_every_order() -> None:
    order = cadenza("order", "--orders", "4", "--customers", "2")
    assert order["completed"] == 4 and order["sp_peak_rss_mib"] > 0
    assert order["where_time_goes_ms"]
    in_flight = cadenza("in-flight", "--orders", "8", "--senders", "4")
    assert in_flight["accepted"] == 8 and in_flight["refused"] == 0 and in_flight["unfinished"] == 0
    assert in_flight["final_states"]["completed"] == 8
