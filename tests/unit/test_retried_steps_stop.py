"""Every DBOS step that retries stops retrying when its domain stops (core/workflows.py
`retry_unless_stopping`): a step left retrying kept a stopped process alive for minutes."""

from __future__ import annotations

import ast
from pathlib import Path

import cadenza
from cadenza.core.workflows import retry_unless_stopping
from cadenza.sof.steps import _RETRY

ROOT = Path(cadenza.__file__).parent


def _retried_steps_without_stop() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "step"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "DBOS"):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            retried = isinstance(keywords.get("retries_allowed"), ast.Constant) and keywords["retries_allowed"].value
            stops = isinstance(keywords.get("should_retry"), ast.Name) and \
                keywords["should_retry"].id == "retry_unless_stopping"
            if retried and not stops:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_retried_step_stops_retrying_when_the_domain_stops() -> None:
    assert _retried_steps_without_stop() == []
    assert _RETRY["should_retry"] is retry_unless_stopping
