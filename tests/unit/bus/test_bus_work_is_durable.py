"""The BUS's long work (POQ and quote assessment, partner asks, order fulfilment) runs as DBOS
workflows and steps: nothing in cadenza/bus hands work to a thread pool, a timer or a thread of
its own, whose work a crash would lose and another worker could not take over."""

from __future__ import annotations

import ast
from pathlib import Path

BUS = Path(__file__).parents[3] / "src/cadenza/bus"
BARE = {"ThreadPoolExecutor", "ProcessPoolExecutor", "Timer", "Thread", "BackgroundTasks"}
BARE_MODULES = {"concurrent.futures", "multiprocessing", "_thread"}


def _bare_uses(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in {m.split(".")[0]
                                                                                       for m in BARE_MODULES}]
        elif isinstance(node, ast.ImportFrom):
            if node.module in BARE_MODULES:
                found.append(f"from {node.module} import ...")
            found += [f"from {node.module} import {a.name}" for a in node.names if a.name in BARE]
        elif isinstance(node, ast.Attribute) and node.attr in BARE:
            found.append(ast.unparse(node))
        elif isinstance(node, ast.Name) and node.id in BARE:
            found.append(node.id)
    return found


def test_no_bus_work_runs_on_a_thread_pool_timer_or_thread_of_its_own() -> None:
    modules = sorted(BUS.rglob("*.py"))
    assert len(modules) > 20, "no BUS modules found: the scan is broken"
    assert [f"{path.relative_to(BUS)}: {use}" for path in modules
            for use in _bare_uses(path.read_text(encoding="utf-8"))] == []


def test_the_scan_finds_what_the_bus_had() -> None:
    # what bus/serviceability.py and bus/deferred.py used before their work became durable
    assert _bare_uses("from concurrent.futures import ThreadPoolExecutor\nimport threading\n"
                      "with ThreadPoolExecutor(max_workers=2) as pool:\n    pass\n"
                      "threading.Timer(1.0, print).start()\n") == [
        "from concurrent.futures import ...", "from concurrent.futures import ThreadPoolExecutor",
        "ThreadPoolExecutor", "threading.Timer"]
