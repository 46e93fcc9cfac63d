"""The benchmarks are deliverables too: each runs end to end on a small scale and reports what
it measured (figures are never asserted; only that the runs complete, count what they did and
print every figure and ratio). One module per benchmark, so the suite's workers run them side by side."""

from __future__ import annotations

from cadenza import cli
from tests.helpers.bench_runs import cadenza, printed


def test_bench_assurance_measures_and_prints_every_figure_of_issue_11() -> None:
    result = cadenza("assurance", "--services", "200", "--quick")
    pm, sls, report, storage, alarm = (result[k] for k in ("pm_collection", "sls", "report", "storage", "alarm"))
    assert pm["sessions"] == 400 and pm["bins"] == 400, "both directions of every service, one ended bin each"
    assert pm["services_per_s"] > 0 and pm["read_services_per_s"] > 0 and pm["store_services_per_s"] > 0
    assert pm["services_per_cpu_s"] > 0 and pm["read_cpu_s"] > 0 and pm["store_cpu_s"] > 0
    icm = result["icm_collection"]
    assert icm["installed"] == 200 and icm["bins"] == 400 and icm["services_per_s"] > 0, icm
    assert icm["services_per_cpu_s"] > 0 and icm["cpu_s"] > 0, icm
    assert sls["services"] == 2000 and sls["intervals"] == 96 and sls["seconds"] > 0
    assert 0 < sls["breached_services"] < sls["services"], "the synthetic metrics breach some objectives, not all"
    assert report["intervals"] == report["composed_intervals"] == 2 * 2 * 96
    assert report["p99_ms"] >= report["p50_ms"] > 0 and report["icm_p99_ms"] > 0
    assert report["cpu_p99_ms"] >= report["cpu_p50_ms"] > 0 and report["load_average"] >= 0
    assert storage["rows"] == 2 * 2 * 96
    assert storage["bytes_per_service_day"] > storage["step_data_bytes_per_service_day"] > 0
    assert alarm["repeats"] == 3 and alarm["p99_ms"] > 0
    assert set(result["ratios"]) == {"collection", "sls", "report", "alarm"}
    text = printed(cli._print_assurance, result)
    for figure in ("PM collection, services/s", "the ICM's collect()", "SLS assessment, 2,000 services x 96 intervals",
                   "2-day report", "CPU time of the report", "per CPU second of the collecting thread",
                   "fault to alarm", "storage per service-day", "ratio to target"):
        assert figure in text
