"""Two worker processes of one provider domain plan on the same database at once: the database
decides every reservation (conditional updates, unique constraints), each ICM's in-memory
pictures are hints it reads again when the database says otherwise. Afterwards every link and
port holds no more than it has and exactly what its services hold, no VLAN is held twice, and
no request was refused that the database could have carried."""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from pathlib import Path

import pytest

from cadenza.core.db import Database
from cadenza.icm.topology import Topology
from cadenza.landscape.database import migrate
from tests.helpers.planners import Outcome, check_database, network, run_planner

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

FILL = 160  # new services asked for by each process from an empty network: it saturates
CHURN = 1800  # operations of each process in the phase that takes and gives back
REFILL = 20  # random new services asked for by each process once most are given back, beside
# each that the other gave back: room is left


def test_two_planner_processes_never_oversubscribe_and_refuse_only_what_is_really_short(
        pg_url: str, tmp_path: Path) -> None:
    seed = int(os.environ.get("CADENZA_PLANNERS_SEED", random.randrange(1 << 30)))
    database = Database(pg_url)
    migrate(database)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2, timeout=120), context.Queue()
    started = time.monotonic()
    workers = [context.Process(target=run_planner, args=(pg_url, n, seed, barrier, results, str(tmp_path), FILL,
                                                         CHURN, REFILL), daemon=True) for n in (0, 1)]
    for worker in workers:
        worker.start()
    try:
        outcomes: list[Outcome] = sorted((results.get(timeout=240) for _ in workers), key=lambda o: o.worker)
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
                worker.join()
    took = time.monotonic() - started
    problems = [p for o in outcomes for p in o.problems] + check_database(database, Topology.from_config(network()))
    database.dispose()
    summary = (f"seed {seed} (CADENZA_PLANNERS_SEED={seed} asks the same requests again, in another "
               f"interleaving), {took:.0f} s: "
               + "; ".join(f"worker {o.worker}: {o.planned} planned, {o.released} given back, "
                           f"{sum(map(len, o.refused.values()))} refused, {o.replans} planned again "
                           f"({o.conflicts} on conflicts), phases {o.seconds} s"
                           for o in outcomes))
    print(summary)
    errors = [e for o in outcomes for e in o.errors]
    assert not errors, f"{summary}\n{len(errors)} errors, e.g.\n" + "\n".join(errors[:3])
    assert not problems, f"{summary}\n" + "\n".join(problems[:30])
    wrong = [w for o in outcomes for w in o.wrong]
    assert not wrong, f"{summary}\n{len(wrong)} wrong refusals, e.g.\n" + "\n".join(wrong[:20])
    assert all(o.planned > 300 for o in outcomes), summary
    assert sum(o.planned for o in outcomes) >= 1500, summary
    # the network saturated, and the two processes met on the same resources
    assert all(o.refused["fill"] for o in outcomes), summary
    assert all(o.conflicts for o in outcomes), summary
