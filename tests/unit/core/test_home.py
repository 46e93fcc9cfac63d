"""The Cadenza home is found the same way from every directory (core/config.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadenza.core.config import home, settings


@pytest.fixture
def no_home_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("CADENZA_HOME", "CADENZA_VAR", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    return tmp_path


def test_the_default_home_is_under_the_users_state_directory_whatever_the_cwd(
        no_home_set: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = set()
    for directory in ("one", "two"):
        (no_home_set / directory).mkdir()
        monkeypatch.chdir(no_home_set / directory)
        seen.add(home())
    assert seen == {no_home_set / "user/.local/state/cadenza"}


def test_xdg_state_home_and_cadenza_home_move_it(no_home_set: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(no_home_set / "state"))
    assert home() == no_home_set / "state/cadenza"
    monkeypatch.setenv("CADENZA_HOME", str(no_home_set / "elsewhere"))
    assert home() == no_home_set / "elsewhere"
    assert settings().var_dir == no_home_set / "elsewhere" and (no_home_set / "elsewhere").is_dir()


def test_a_relative_cadenza_home_is_refused_with_the_reason(no_home_set: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADENZA_HOME", "var")
    with pytest.raises(ValueError, match="absolute path"):
        home()
