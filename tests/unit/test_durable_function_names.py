"""DBOS finds a workflow or step by its function name when it resumes one after a crash: two
durable functions with one name would resume the wrong code."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).parents[2] / "src/cadenza"


def test_every_durable_function_has_a_name_of_its_own() -> None:
    owners: dict[str, list[str]] = defaultdict(list)
    for path in SRC.rglob("*.py"):
        lines = path.read_text().splitlines()
        for index, line in enumerate(lines):
            if line.startswith("@DBOS."):
                following = next(x for x in lines[index + 1:] if x.startswith(("def ", "async def ")))
                owners[re.search(r"def (\w+)", following).group(1)].append(str(path.relative_to(SRC)))
    assert owners, "no durable functions found: the scan is broken"
    assert {name: where for name, where in owners.items() if len(where) > 1} == {}
