"""The operator's CLI against a running domain: twin status, fault injection, signing keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.domains import DomainProcess

DEMO = Path(__file__).parents[3] / "src/cadenza/landscape/demo/sp.yaml"


@pytest.fixture
def running(tmp_path: Path, sqlite_url: str) -> Iterator[DomainProcess]:
    process = DomainProcess(tmp_path, sqlite_url)
    process.start(DEMO)
    yield process
    process.stop()


def cadenza(process: DomainProcess, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cadenza.cli", *args], env=process.env, cwd=cwd,
                          capture_output=True, text=True, timeout=60, check=False)


def link_state(process: DomainProcess, a: str, b: str) -> bool:
    status = json.loads(cadenza(process, "twin", "status", "--json").stdout)
    return next(link["up"] for link in status["links"]
                if {link["a"].split(":")[0], link["b"].split(":")[0]} == {a, b})


def test_operator_fails_and_restores_a_link_from_the_cli(running: DomainProcess) -> None:
    status = cadenza(running, "twin", "status", "--json")
    assert status.returncode == 0, status.stderr
    document = json.loads(status.stdout)
    assert len(document["elements"]) == 20 and all(e["up"] for e in document["elements"])

    failed = cadenza(running, "twin", "fail-link", "agg-e1", "agg-w1")
    assert failed.returncode == 0, failed.stdout + failed.stderr
    assert link_state(running, "agg-e1", "agg-w1") is False

    assert cadenza(running, "twin", "restore-link", "agg-e1", "agg-w1").returncode == 0
    assert link_state(running, "agg-e1", "agg-w1") is True

    table = cadenza(running, "twin", "status")
    assert table.returncode == 0 and "agg-e1" in table.stdout and "Links" in table.stdout


def test_unknown_link_is_reported_plainly(running: DomainProcess) -> None:
    answer = cadenza(running, "twin", "fail-link", "pe-e1", "nowhere")
    assert answer.returncode == 1
    assert "404" in answer.stdout and "nowhere" in answer.stdout


def test_operator_rotates_and_retires_the_signing_key_and_a_restart_keeps_it(running: DomainProcess) -> None:
    with running.client() as before:
        assert before.get("/cadenza/keys/v1/signingKey").status_code == 200
        rotated = cadenza(running, "keys", "rotate")
        assert rotated.returncode == 0, rotated.stdout + rotated.stderr
        assert "previous" in rotated.stdout and "active" in rotated.stdout
        assert before.get("/cadenza/keys/v1/signingKey").status_code == 200  # signed by the previous key
        assert len(httpx.get(f"{running.url}/.well-known/jwks.json").json()["keys"]) == 2

        with running.client() as after:
            running.stop()  # a restart: the keys are read back from the domain's database
            running.start(DEMO)
            assert before.get("/cadenza/keys/v1/signingKey").status_code == 200
            assert after.get("/cadenza/keys/v1/signingKey").status_code == 200
            retired = cadenza(running, "keys", "retire")
            assert retired.returncode == 0, retired.stdout + retired.stderr
            refused = before.get("/cadenza/keys/v1/signingKey")
            assert refused.status_code == 401 and refused.json()["code"] == "invalidCredentials"
            assert after.get("/cadenza/keys/v1/signingKey").status_code == 200
    listed = cadenza(running, "keys", "list")
    assert listed.returncode == 0 and "retired" in listed.stdout
    again = cadenza(running, "keys", "retire")
    assert again.returncode == 1 and "409" in again.stdout


def test_the_cli_finds_a_running_domain_from_any_directory(tmp_path: Path, sqlite_url: str) -> None:
    # No CADENZA_HOME: the default home (under HOME, never the current directory) is shared by
    # a domain started in one directory and the CLI asked from another.
    env = {k: v for k, v in os.environ.items() if k not in ("CADENZA_HOME", "CADENZA_VAR", "XDG_STATE_HOME")}
    env["HOME"] = str(tmp_path / "home")
    started_in, asked_from = tmp_path / "started-here", tmp_path / "asked-from-here"
    started_in.mkdir()
    asked_from.mkdir()
    process = DomainProcess(tmp_path, sqlite_url, env=env, cwd=started_in)
    process.start(DEMO)
    try:
        status = cadenza(process, "twin", "status", "-d", "sp", "--json", cwd=asked_from)
        assert status.returncode == 0, status.stdout + status.stderr
        assert len(json.loads(status.stdout)["elements"]) == 20
        assert (tmp_path / "home/.local/state/cadenza/domains/sp.json").exists()
        assert list(started_in.iterdir()) == [] and list(asked_from.iterdir()) == []
    finally:
        process.stop()
