"""SIGKILL in the middle of a multi-element activation: after a restart the activation
completes, and no element was configured twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
import yaml

from tests.helpers.domains import DomainProcess
from tests.helpers.servers import wait_until

pytestmark = pytest.mark.slow

DEMO = Path(__file__).parents[3] / "src/cadenza/landscape/demo/sp.yaml"
SLOW_ELEMENTS = {"agg-e1", "agg-e2", "agg-w1", "agg-w2"}


def slow_config(tmp_path: Path, slow_ms: int) -> Path:
    """The demo domain where aggregation routers take `slow_ms` to commit, PEs commit at once."""
    config = yaml.safe_load(DEMO.read_text())
    for nd in config["network_domains"]:
        for element in nd["elements"]:
            element["commit_delay_ms"] = slow_ms if element["name"] in SLOW_ELEMENTS else 0
    path = tmp_path / f"sp-{slow_ms}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def domain_process(database_url: str, tmp_path: Path) -> Iterator[DomainProcess]:
    process = DomainProcess(tmp_path, database_url)
    yield process
    process.stop()


def commits_by_element(http: httpx.Client) -> dict[str, int]:
    return {e["name"]: e["commits"] for e in http.get("/cadenza/twin/v1/status").json()["elements"]}


def holding(http: httpx.Client, uuid: str) -> set[str]:
    return {e["name"] for e in http.get("/cadenza/twin/v1/status").json()["elements"]
            if uuid in {fc["id"] for fc in e["forwardingConstructs"]}}


def test_activation_killed_midway_completes_after_restart_without_configuring_twice(
        domain_process: DomainProcess, tmp_path: Path) -> None:
    domain_process.start(slow_config(tmp_path, 6000))
    ops = "/presto/metro/restconf/operations"
    with domain_process.client() as http:
        created = http.post(f"{ops}/create-connectivity-service/", json={"input": {
            "end-point": [{"service-interface-point": {"service-interface-point-id": "uni-east-1-1"}},
                          {"service-interface-point": {"service-interface-point-id": "uni-west-3-1"}}],
            "conn-constraint": {"requested-capacity": {"total-size": {"value": 100, "unit": "MBPS"}}}}})
        assert created.status_code == 200, created.text
        uuid = created.json()["output"]["service"]["uuid"]
        route = set(created.json()["output"]["service"]["cadenza-activation"]["route"])
        assert route & SLOW_ELEMENTS and route - SLOW_ELEMENTS
        # the fast PEs are configured while the aggregation routers are still committing
        wait_until(lambda: route - SLOW_ELEMENTS <= holding(http, uuid), timeout=30, what="PEs configured")
        assert not (route & SLOW_ELEMENTS) & holding(http, uuid)

    domain_process.kill()
    domain_process.start(slow_config(tmp_path, 0))

    with domain_process.client() as http:
        def installed() -> dict | None:
            reply = http.post(f"{ops}/get-connectivity-service-details/",
                              json={"input": {"service-id-or-name": uuid}})
            service = reply.json()["output"]["service"]
            return service if service["cadenza-activation"]["state"] != "planned" else None

        service = wait_until(installed, timeout=60, what="the activation to resume")
        assert service["cadenza-activation"]["state"] == "installed", service["cadenza-activation"]
        assert holding(http, uuid) == route
        commits = commits_by_element(http)
        assert {element: commits[element] for element in route} == dict.fromkeys(route, 1)
        assert all(commits[e] == 0 for e in commits if e not in route)


def own_twin_config(tmp_path: Path) -> Path:
    config = yaml.safe_load(DEMO.read_text())
    config["twin"]["process"] = "own"
    path = tmp_path / "sp-own-twin.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_a_domain_stopped_or_killed_takes_its_twin_process_with_it(domain_process: DomainProcess,
                                                                   tmp_path: Path) -> None:
    config = own_twin_config(tmp_path)
    for end in ("terminate", "kill"):
        domain_process.start(config)
        assert domain_process.proc is not None
        children = psutil.Process(domain_process.proc.pid).children(recursive=True)
        assert children, "the twin runs in a child process"
        if end == "terminate":
            domain_process.proc.terminate()
            assert domain_process.proc.wait(timeout=30) == 0, "SIGTERM stops the domain in order"
        else:
            domain_process.kill()
        gone, alive = psutil.wait_procs(children, timeout=15)
        assert not alive, f"left behind after {end}: {[p.cmdline() for p in alive]}"
