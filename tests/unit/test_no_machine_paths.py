"""No path of one machine in the code or the tests: the MEF material is found as
`../shared/mef-lso` or through CADENZA_MEF_LSO, state under the configured home, scratch space
in the test's own temporary directory."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
MACHINE_PATH = re.compile(r"(^|[\s'\"=:(])/(work|root|home|tmp)(/|$)")


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def _machine_paths() -> list[str]:
    found = []
    for path in sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]):
        if path == Path(__file__):
            continue
        found += [f"{path.relative_to(ROOT)}:{line}: {value[:80]!r}" for line, value in _literals(path)
                  if MACHINE_PATH.search(value)]
    for path in sorted((ROOT / "src").rglob("*.yaml")):
        if "openapi" in path.parts:
            continue  # the vendored MEF specs: their text is the MEF's
        found += [f"{path.relative_to(ROOT)}:{n}" for n, line in enumerate(path.read_text().splitlines(), 1)
                  if MACHINE_PATH.search(line)]
    return found


def test_no_string_in_the_code_or_tests_names_a_path_of_this_machine() -> None:
    assert _machine_paths() == []


def test_the_pattern_sees_a_machine_path() -> None:
    root, tmp = "/" + "work", "/" + "tmp"  # built, so this file does not hold the paths it looks for
    assert MACHINE_PATH.search(f"{root}/shared/mef-lso") and MACHINE_PATH.search(f"x = '{tmp}/cadenza'")
    assert not MACHINE_PATH.search("../shared/mef-lso") and not MACHINE_PATH.search("/mefApi/sonata/work")
