"""Periodic work of a domain of two worker processes on one PostgreSQL database runs once per
period across both, not once per worker: both apply the schedule at their start, and each
instant of a one-second schedule is run exactly once over several periods."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[3]
PERIOD_S = 1.0
WATCHED_S = 6.0  # about five periods and then some


def _worker(pg_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    proc = subprocess.Popen([sys.executable, "-m", "tests.helpers.periodic_worker", pg_url, str(PERIOD_S)],
                            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_a_schedule_of_two_workers_runs_once_per_period(pg_url: str) -> None:
    engine = create_engine(pg_url)
    with engine.begin() as conn:  # no unique key: a period run twice would show as two rows
        conn.execute(text("CREATE TABLE periodic_run (instant text, label text, pid int)"))
    workers = []
    try:
        workers = [_worker(pg_url), _worker(pg_url)]
        both_up = datetime.now(UTC)
        time.sleep(WATCHED_S)
        watched_until = datetime.now(UTC)
        for worker in workers:
            worker.communicate(timeout=60)
            assert worker.returncode == 0
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT instant, label, pid FROM periodic_run")).all()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        engine.dispose()
    runs = Counter(datetime.fromisoformat(instant) for instant, _, _ in rows)
    assert [instant for instant, n in runs.items() if n > 1] == []
    # every whole second well inside the watched span ran, once
    first = (both_up + timedelta(seconds=1.5)).replace(microsecond=0)
    last = (watched_until - timedelta(seconds=1)).replace(microsecond=0)
    expected = {first + timedelta(seconds=n) for n in range(int((last - first).total_seconds()) + 1)}
    assert expected <= set(runs), sorted(expected - set(runs))
    assert len(expected) >= 4
    assert {label for _, label, _ in rows} == {"runs"}
