"""Fixtures shared by every suite: a migrated database on SQLite and on PostgreSQL, the suite's own
Cadenza home, `--order reverse|SEED` to run the tests in another order, and a check that nothing is
left running when the session ends."""

from __future__ import annotations

import os
import random
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from cadenza.core.db import Database
from cadenza.landscape.database import migrate
from tests.helpers.pg import fresh_database, postgres_problem

_PG_PROBLEM = postgres_problem()

# The suite's domains idle most of their time and it times no latency: their queues are looked at
# twice a second, not ten times (landscape/config.py `queue_polling_s`), and leave the cores to
# the tests. Set here so that every domain process the suite starts inherits it.
os.environ.setdefault("CADENZA_QUEUE_POLLING_S", "0.5")


@pytest.fixture(autouse=True, scope="session")
def _cadenza_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The suite's own Cadenza home (`core/config.py`): nothing it runs touches the user's."""
    if os.environ.get("CADENZA_HOME"):
        yield
        return
    os.environ["CADENZA_HOME"] = str(tmp_path_factory.mktemp("cadenza-home"))
    yield
    os.environ.pop("CADENZA_HOME", None)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database of its own, dropped afterwards."""
    if _PG_PROBLEM:
        pytest.skip(_PG_PROBLEM)
    with fresh_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'domain.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on the embedded default and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'domain.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    migrate(db)
    yield db
    db.dispose()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--order", default=None, metavar="reverse|SEED",
                     help="run the tests reversed or shuffled with SEED: they must not depend on their order")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    order = config.getoption("--order")
    if order == "reverse":
        items.reverse()
    elif order is not None:
        random.Random(int(order)).shuffle(items)


def _holding_threads() -> list[threading.Thread]:
    """Threads that would keep the interpreter from exiting: alive and not daemon, except the
    main thread and idle workers of a thread pool (the pool's exit hook ends those at once)."""
    frames = sys._current_frames()
    holding = []
    for thread in threading.enumerate():
        if thread is threading.main_thread() or thread.daemon or not thread.is_alive():
            continue
        stack = traceback.extract_stack(frames.get(thread.ident)) if thread.ident in frames else []
        functions = [(Path(frame.filename).name, frame.name) for frame in stack]
        idle_worker = ("thread.py", "_worker") in functions and ("thread.py", "run") not in functions
        if not idle_worker:
            holding.append(thread)
    return holding


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """`make test` must end by itself: once every fixture is torn down, no thread may be left that
    the interpreter would wait for (a workflow still retrying against a dropped database did)."""
    holding = _holding_threads()
    if holding:
        frames = sys._current_frames()
        report = "\n".join(f"--- {t.name}\n" + "".join(traceback.format_stack(frames[t.ident]))
                           for t in holding if t.ident in frames)
        sys.stderr.write(f"\n{len(holding)} thread(s) still running after the session, holding the process:\n"
                         f"{report}\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
