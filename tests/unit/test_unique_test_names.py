"""Test modules are imported by their basename (the test directories are not packages), so two
modules of one name anywhere under tests/ make the second one fail to collect."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_has_a_name_of_its_own() -> None:
    places: defaultdict[str, list[str]] = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        if "__pycache__" not in path.parts:
            places[path.name].append(str(path.relative_to(TESTS)))
    assert places, "no test modules found: the scan is broken"
    assert {name: where for name, where in places.items() if len(where) > 1} == {}
