"""The benchmarks are deliverables too: each runs end to end on a small scale and reports what
it measured (figures are never asserted; only that the runs complete, count what they did and
print every figure and ratio). One module per benchmark, so the suite's workers run them side by side."""

from __future__ import annotations

import pytest

from tests.helpers.bench_runs import PG_PROBLEM, cadenza


@pytest.mark.timeout(660)
@pytest.mark.parametrize("runtime", ["sqlite", "pg2"])
def test_bench_in_flight_completes_every_order(runtime: str) -> None:
    if runtime == "pg2" and PG_PROBLEM:
        pytest.skip(PG_PROBLEM)
    in_flight = cadenza("in-flight", "--runtime", runtime, "--orders", "8", "--senders", "4", timeout=600)
    assert in_flight["runtime"] == runtime
    assert in_flight["accepted"] == 8 and in_flight["refused"] == 0 and in_flight["unfinished"] == 0
    assert in_flight["final_states"]["completed"] == 8 and in_flight["orders_stored"] == 8
