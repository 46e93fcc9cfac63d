"""The Service Provider runs as two workers sharing PostgreSQL: one started by `domain up
--workers 1` (behind the domain's address), one added with `cadenza worker` at a port of its
own. Orders placed at either worker complete; a worker killed (SIGKILL) with 50 orders in
flight leaves them to the other, which finishes every one, nothing ordered twice at a partner
and no element configured twice; a worker that joins later takes its share of the queues."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import CONTACT, ORDERS, address, evpl, final_orders, item, site
from tests.e2e.test_crash_recovery import commits_match_constructs
from tests.helpers.domains import WorkerProcess
from tests.helpers.landscape import Landscape, landscape
from tests.helpers.pg import fresh_database, postgres_problem
from tests.helpers.servers import wait_until

pytestmark = pytest.mark.slow

FAR_ENDS = [None, address("11", "Evergreen", "Springfield", "50001"), address("21", "Elm", "Ogdenville", "60001"),
            address("41", "Cedar", "Shelbyville", "80001")]
SITES = [f"site-{area}-{n}-{p}" for area in ("east", "west") for n in range(1, 5) for p in (1, 2)]


@dataclass
class Workers:
    running: Landscape
    second: WorkerProcess
    database_url: str

    def customer(self, url: str) -> httpx.Client:
        reply = httpx.post(f"{url}/oauth2/token", data={"grant_type": "client_credentials", "client_id": "acme",
                                                       "client_secret": "acme-demo-secret"}, timeout=10)
        reply.raise_for_status()
        token = reply.json()["access_token"]
        return httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"})

    def pending_of(self, pid: int) -> int:
        """Workflows the worker of process `pid` is running now (its executor id names the pid)."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM dbos.workflow_status WHERE status = 'PENDING' "
                                         "AND executor_id LIKE :pid"), {"pid": f"%:{pid}:%"}).scalar_one()
        finally:
            engine.dispose()

    def ran_by(self, pid: int, workflow: str) -> int:
        """Workflows named `workflow` the worker of process `pid` finished."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM dbos.workflow_status WHERE status = 'SUCCESS' "
                                         "AND name LIKE :name AND executor_id LIKE :pid"),
                                    {"name": f"%{workflow}", "pid": f"%:{pid}:%"}).scalar_one()
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    problem = postgres_problem()
    if problem:
        pytest.skip(problem)
    tmp: Path = tmp_path_factory.mktemp("workers")
    with fresh_database() as sp_database:
        urls = {"partner-a": f"sqlite:///{tmp / 'partner-a'}.db", "partner-b": f"sqlite:///{tmp / 'partner-b'}.db",
                "sp": sp_database}
        with landscape(tmp, urls, args={"sp": ["--workers", "1"]}) as running:
            second = WorkerProcess(tmp / "sp-worker-2", sp_database, public_url=running.url("sp"))
            second.start(tmp / "sp.yaml")
            try:
                yield Workers(running, second, sp_database)
            finally:
                second.stop()


def _evpl_order(n: int) -> dict:
    far = FAR_ENDS[n % len(FAR_ENDS)]
    ends = (site(SITES[n % 16]), far or site(SITES[(n + 5) % 16]))
    return {"relatedContactInformation": CONTACT, "productOrderItem": [item("1", "evpl", evpl(n, n, 10), *ends)]}


def _states(orders: list[dict]) -> list[tuple[str, str | None]]:
    return [(o["state"], (o.get("stateChange") or [{}])[-1].get("changeReason")) for o in orders]


def test_orders_placed_at_either_worker_complete(workers: Workers) -> None:
    at_first, at_second = workers.customer(workers.running.url("sp")), workers.customer(workers.second.url)
    placed = []
    for n, customer in enumerate([at_first, at_second] * 3):
        reply = customer.post(f"{ORDERS}/productOrder", json=_evpl_order(400 + n))
        assert reply.status_code == 201, reply.text
        placed.append(reply.json()["id"])
    # what one worker accepted, the other shows: the domain is one, whichever process answers
    orders = final_orders(at_second, placed, timeout=180)
    assert [o["state"] for o in orders] == ["completed"] * len(placed), _states(orders)
    assert [o["state"] for o in final_orders(at_first, placed, timeout=10)] == ["completed"] * len(placed)


@pytest.mark.timeout(900)
def test_a_killed_worker_leaves_its_orders_to_the_other(workers: Workers) -> None:
    at_second = workers.customer(workers.second.url)
    order_ids = []
    for n in range(50):
        reply = at_second.post(f"{ORDERS}/productOrder", json=_evpl_order(600 + n))
        assert reply.status_code == 201, reply.text
        order_ids.append(reply.json()["id"])
    assert workers.second.proc is not None
    pid = workers.second.proc.pid
    wait_until(lambda: workers.pending_of(pid) >= 5, timeout=60, interval=0.2,
               what="the second worker to run some of the orders")
    workers.second.kill()

    at_first = workers.customer(workers.running.url("sp"))
    orders = final_orders(at_first, order_ids, timeout=420)
    assert [o["state"] for o in orders] == ["completed"] * 50, _states(orders)
    assert workers.pending_of(pid) == 0

    running = workers.running
    buyer_a = running.client("partner-a", "cadenza-sp", "sp-at-partner-a-secret")
    placed = buyer_a.get("/mefApi/sonata/productOrderingManagement/v10/productOrder", params={"limit": 1000}).json()
    assert placed and max(Counter(o["externalId"] for o in placed).values()) == 1
    buyer_b = running.client("partner-b", "cadenza-sp", "sp-at-partner-b-secret")
    segments = buyer_b.get("/mefApi/interlude/serviceOrderingManagement/v1/serviceOrder",
                           params={"limit": 1000}).json()
    assert segments and max(Counter(o["externalId"] for o in segments).values()) == 1
    for name, client_id in (("sp", "sp-operator"), ("partner-a", "partner-a-operator"),
                            ("partner-b", "partner-b-operator")):
        commits_match_constructs(running.client(name, client_id, "operator-demo-secret"))


def test_a_worker_started_later_takes_its_share_of_the_queues(workers: Workers, tmp_path: Path) -> None:
    """Runs after the kill: the domain is down to its first worker, and a new one joins."""
    joining = WorkerProcess(tmp_path / "sp-worker-3", workers.database_url, public_url=workers.running.url("sp"))
    joining.start(workers.running.domains["sp"].tmp_path.parent / "sp.yaml")
    try:
        at_first = workers.customer(workers.running.url("sp"))
        placed = []
        for n in range(20):  # one at a time: each is queued and taken by whichever worker looks first
            reply = at_first.post(f"{ORDERS}/productOrder", json=_evpl_order(700 + n))
            assert reply.status_code == 201, reply.text
            placed.append(reply.json()["id"])
            time.sleep(0.3)
        orders = final_orders(at_first, placed, timeout=300)
        assert [o["state"] for o in orders] == ["completed"] * len(placed), _states(orders)
        assert joining.proc is not None
        assert workers.ran_by(joining.proc.pid, "fulfil_product_order") > 0
    finally:
        joining.stop()
