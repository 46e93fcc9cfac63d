"""ARCHITECTURE §2's dependency rule, read from the source: `interfaces/` depends on `core/`
only, `core/` knows no entity, an entity reaches another only through `interfaces/`, and
nothing below the composition root imports `landscape/` (or the CLI and console above it)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import cadenza

ROOT = Path(cadenza.__file__).parent
ENTITIES = ("bus", "sof", "icm", "ecm", "cus")
ALLOWED = {"core": {"core"}, "interfaces": {"core", "interfaces"},
           **{entity: {entity, "core", "interfaces"} for entity in ENTITIES}}


def _imported(path: Path) -> Iterator[tuple[int, str]]:
    """Every module `path` imports (at any depth, TYPE_CHECKING blocks too), relative ones resolved."""
    package = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module


def _violations(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in _imported(path):
            parts = module.split(".")
            if parts[0] == "cadenza" and len(parts) > 1 and parts[1] not in ALLOWED[package]:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_what_the_dependency_rule_allows(package: str) -> None:
    assert (ROOT / package).is_dir()
    assert _violations(package) == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the rule must be able to fail: a module of a fake entity that imports the landscape is caught
    fake = tmp_path / "cadenza" / "bus"
    fake.mkdir(parents=True)
    (fake / "leak.py").write_text("def f():\n    from ..landscape.config import DomainConfig\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path / "cadenza")
    assert _violations("bus") == ["bus/leak.py:2 imports cadenza.landscape.config"]
