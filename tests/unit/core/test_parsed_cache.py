"""The parsed-file cache: a file is built once across processes, again when it or its builder changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cadenza.core import parsed_cache
from cadenza.core.parsed_cache import cached_build

BUILT: list[Path] = []


def _build(path: Path) -> dict[str, str]:
    BUILT.append(path)
    return {"text": path.read_text()}


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    BUILT.clear()


def test_a_file_is_built_once_and_read_back_after(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("one")
    assert cached_build(spec, _build) == {"text": "one"}
    assert cached_build(spec, _build) == {"text": "one"}
    assert [spec] == BUILT
    assert len(list(parsed_cache.cache_dir().iterdir())) == 1


def test_a_changed_file_is_built_again(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("one")
    cached_build(spec, _build)
    spec.write_text("two, longer")
    os.utime(spec, ns=(spec.stat().st_atime_ns, spec.stat().st_mtime_ns + 1_000_000))
    assert cached_build(spec, _build) == {"text": "two, longer"}
    assert len(BUILT) == 2


def test_an_unreadable_entry_or_an_unwritable_cache_only_costs_a_build(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("one")
    cached_build(spec, _build)
    [entry] = parsed_cache.cache_dir().iterdir()
    entry.write_bytes(b"not a pickle")
    assert cached_build(spec, _build) == {"text": "one"}
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/no-such-place")
    assert cached_build(spec, _build) == {"text": "one"}
    assert len(BUILT) == 3
