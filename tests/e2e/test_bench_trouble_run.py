"""The benchmarks are deliverables too: each runs end to end on a small scale and reports what
it measured (figures are never asserted; only that the runs complete, count what they did and
print every figure and ratio). One module per benchmark, so the suite's workers run them side by side."""

from __future__ import annotations

import pytest

from cadenza import cli
from tests.helpers.bench_runs import cadenza, printed


@pytest.mark.timeout(660)
def test_bench_trouble_times_remediation_and_checks_a_link_failure_under_every_service() -> None:
    result = cadenza("trouble", "--services", "4", "--samples", "2", "--concurrency", "4", timeout=600)
    remedy, mass = result["remediation"], result["link_failure"]
    assert remedy["tickets"] == remedy["resolved_and_rerouted"] == 2, (remedy["statuses"], remedy["report_states"])
    assert remedy["to_restoration_p99_ms"] >= remedy["to_restoration_p50_ms"] > remedy["to_diagnosis_p50_ms"] > 0
    # every service bought east to west crosses the metro trunk failed under them
    assert mass["affected"] == mass["services"] == 4 and mass["link"] in remedy["links"]
    assert mass["statuses"] == {"resolved": 4} and mass["reports_per_ticket"] == {"1": 4}, mass
    assert mass["all_checks_pass"] and all(mass["checks"].values()), mass["checks"]
    assert mass["outage_incidents_closed"] == 4  # each closed when its service carried traffic again
    assert mass["tickets_per_s"] > 0 and result["setup"]["services_bought_per_s"] > 0
    text = printed(cli._print_trouble, result)
    for figure in ("ticket to diagnosis p50 / p99 ms", "ticket to restoration p50 / p99 ms",
                   "tickets handled/s", "check: every affected service has one ticket",
                   "check: one outage incident per affected service", "incidents per affected service",
                   "no targets named"):
        assert figure in text
