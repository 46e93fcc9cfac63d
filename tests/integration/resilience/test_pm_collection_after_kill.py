"""A PM collection interrupted by SIGKILL of the domain resumes after the restart without a gap or
a duplicate interval: the ICM asks its elements for every bin after the last one it stored."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.helpers.domains import DomainProcess
from tests.helpers.servers import wait_until
from tests.integration.icm.test_presto_connectivity_service import eline

pytestmark = pytest.mark.slow

DEMO = Path(__file__).parents[3] / "src/cadenza/landscape/demo/sp.yaml"
OPERATIONS = "/presto/metro/restconf/operations"


@pytest.fixture
def domain_process(database_url: str, tmp_path: Path) -> Iterator[DomainProcess]:
    process = DomainProcess(tmp_path, database_url)
    yield process
    process.stop()


def _bins(database_url: str, uuid: str) -> list[tuple[str, int]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [(r[0], int(r[1])) for r in connection.execute(text(
                "SELECT ingress, number FROM icm_pm_bin WHERE service_uuid = :uuid ORDER BY ingress, number"),
                {"uuid": uuid})]
    finally:
        engine.dispose()


def _history(http: httpx.Client, uuid: str) -> httpx.Response:
    return http.post(f"{OPERATIONS}/cadenza-get-pm-history/", json={"input": {"service-id-or-name": uuid}})


def _ask_while_dying(http: httpx.Client, uuid: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the domain is killed under this request: that is the point
        _history(http, uuid)


def test_a_collection_killed_midway_resumes_after_restart_with_no_gap_and_no_duplicate(
        domain_process: DomainProcess, database_url: str) -> None:
    domain_process.start(DEMO)
    with domain_process.client() as http:
        created = http.post(f"{OPERATIONS}/create-connectivity-service/",
                            json=eline("uni-east-1-1", 131, "uni-west-3-1", 131, 100))
        assert created.status_code == 200, created.text
        uuid = created.json()["output"]["service"]["uuid"]
        wait_until(lambda: http.post(f"{OPERATIONS}/get-connectivity-service-details/", json={"input": {
            "service-id-or-name": uuid}}).json()["output"]["service"]["cadenza-activation"]["state"] == "installed",
            timeout=60, what="the service installed")
        assert http.post("/cadenza/twin/v1/clock", json={"scale": 0, "advanceSeconds": 1900}).status_code == 200
        assert _history(http, uuid).status_code == 200  # a collection: what has ended is stored
        before = _bins(database_url, uuid)
        assert len({ingress for ingress, _ in before}) == 2
        assert http.post("/cadenza/twin/v1/clock", json={"advanceSeconds": 3600}).status_code == 200
        # a collection of the four new intervals under way when the domain dies
        threading.Thread(target=_ask_while_dying, args=(http, uuid), daemon=True).start()
        threading.Event().wait(0.05)
        domain_process.kill()
    domain_process.start(DEMO)  # its start-up collection picks up what is missing
    expected = {ingress: max(n for i, n in before if i == ingress) + 4 for ingress, _ in before}

    def collected() -> list[tuple[str, int]] | None:
        found = _bins(database_url, uuid)
        last = {ingress: max(n for i, n in found if i == ingress) for ingress, _ in found}
        return found if all(last.get(i, 0) >= n for i, n in expected.items()) else None

    after = wait_until(collected, timeout=90, interval=1, what="the collection to resume after the restart")
    assert len(after) == len(set(after)), "no interval stored twice"
    for ingress in expected:
        numbers = [n for i, n in after if i == ingress]
        assert numbers == list(range(numbers[0], numbers[-1] + 1)), f"a gap in {ingress}: {numbers}"
        assert set(n for i, n in before if i == ingress) <= set(numbers)
