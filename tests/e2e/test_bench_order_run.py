"""The benchmarks are deliverables too: each runs end to end on a small scale and reports what
it measured (figures are never asserted; only that the runs complete, count what they did and
print every figure and ratio). One module per benchmark, so the suite's workers run them side by side."""

from __future__ import annotations

import pytest

from cadenza import cli
from tests.helpers.bench_runs import PG_PROBLEM, cadenza, printed


def _has_every_figure(run: dict, *, postgres: bool) -> None:
    assert run["completed"] == run["orders"] == 2, run["states"]
    for kind in ("per_order", "on_net", "partner"):  # order 0 needs the partner, order 1 does not
        assert run["hops"][kind] > 0
        assert run["floor"][kind]["chains"] > 0 and run["floor"][kind]["p50_ms"] > 0
    census = run["hops_census"]
    assert census["on_net"]["served_by"]["sp"] > 0 and census["partner"]["served_by"]["partner-a"] > 0
    assert set(run["ratios"]) == {"throughput_over_floor", "on_net_p50_over_floor", "partner_p50_over_floor"}
    assert all(ratio is not None for ratio in run["ratios"].values())
    assert run["targets_met"]["on_net_p50"] is None  # the p50 target is for 8 customers, not 2
    assert set(run["cpu"]) == ({"sp", "partner-a", "sp_postgres"} if postgres else {"sp", "partner-a"})
    assert all(figures["s_per_order"] > 0 for figures in run["cpu"].values())
    assert run["where_time_goes_ms"] and run["sp_peak_rss_mib"] > 0
    text = printed(cli._print_order_run, run, {"on_net_p50_over_floor_max": 5.0, "p50_target_customers": 8})
    for figure in ("orders completed/s", "on-net p50 / p99 ms", "partner p50 / p99 ms", "CPU s/order, SP",
                   "CPU s/order, partner", "chains/s", "hops", "where the time goes"):
        assert figure in text


@pytest.mark.timeout(960)  # three runtimes, each starting its landscape: the subprocess may take 900 s
def test_bench_order_runs_on_every_runtime_with_its_floor_and_ratios() -> None:
    # the least that gives every figure: an on-net and a partner order, two customers at once, the
    # floor's fewest chains (each runtime's own landscape start is most of the time)
    result = cadenza("order", "--runtime", "all", "--orders", "2", "--customers", "2", "--floor-seconds", "0.1",
                     timeout=900)
    runs = result["runtimes"]
    _has_every_figure(runs["sqlite"], postgres=False)
    summary = printed(cli._print_order_summary, result)
    assert "sqlite" in summary and "pg2" in summary
    if PG_PROBLEM:
        assert all(runs[name]["skipped"] == PG_PROBLEM for name in ("pg1", "pg2"))
        pytest.skip(f"the PostgreSQL runtimes: {PG_PROBLEM}")
    for name in ("pg1", "pg2"):
        _has_every_figure(runs[name], postgres=True)
    assert result["comparison"]["cpu_pg2_over_pg1"] is not None and result["comparison"]["cpu_target_met"] is not None
    assert "2 workers over 1" in summary


def test_the_postgresql_runtimes_say_why_they_are_skipped() -> None:
    nowhere = {"CADENZA_BENCH_PG": "postgresql+psycopg://postgres@127.0.0.1:1"}  # nothing listens on port 1
    order = cadenza("order", "--runtime", "pg1", env=nowhere)
    skipped = order["runtimes"]["pg1"]["skipped"]
    assert "no PostgreSQL server answers at postgresql+psycopg://postgres@127.0.0.1:1" in skipped
    assert "skipped" in printed(cli._print_order_run, order["runtimes"]["pg1"], order["targets"])
    in_flight = cadenza("in-flight", "--runtime", "pg2", env=nowhere)
    assert "CADENZA_BENCH_PG" in in_flight["skipped"]
