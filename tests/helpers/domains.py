"""A provider domain in a process of its own, started with the real CLI, as operators do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.helpers.servers import free_port, wait_until


class DomainProcess:
    def __init__(self, tmp_path: Path, database_url: str, *, env: dict[str, str] | None = None,
                 cwd: Path | None = None, port: int | None = None, args: list[str] | None = None) -> None:
        """`env`: the whole environment of the domain's process (default: this one's, with the
        Cadenza home in `tmp_path/var`); `cwd`: where it starts (default: here); `port`: where it
        answers (default: a port free now); `args`: more options of `cadenza domain up`."""
        self.args = args or []
        self.tmp_path = tmp_path
        self.env = env if env is not None else {**os.environ, "CADENZA_HOME": str(tmp_path / "var")}
        self.cwd = cwd
        self.database_url = database_url
        self.port = port if port is not None else free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, config: Path) -> None:
        log = open(self.tmp_path / "domain.log", "ab")  # noqa: SIM115 - handed to the child process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cadenza.cli", "domain", "up", str(config), "--db", self.database_url,
             "--port", str(self.port), "--netconf-base-port", "0", "--log-level", "warning", *self.args],
            env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT)
        # a domain migrating and starting its twin on two busy cores has taken over a minute
        wait_until(self._healthy, timeout=120, what="the domain to answer /health")

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"domain exited: {(self.tmp_path / 'domain.log').read_text()[-3000:]}")
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:  # a supervisor stops its workers first, each waiting for its workflow threads
                self.proc.wait(timeout=80 if "--workers" in self.args else 15)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self) -> httpx.Client:
        reply = httpx.post(f"{self.url}/oauth2/token", data={"grant_type": "client_credentials",
                                                            "client_id": "sp-operator",
                                                            "client_secret": "operator-demo-secret"})
        reply.raise_for_status()
        return httpx.Client(base_url=self.url, timeout=30,
                            headers={"Authorization": f"Bearer {reply.json()['access_token']}"})


class WorkerProcess:
    """`cadenza worker`: one more worker of a domain started with `--workers`, at a port of its own."""

    def __init__(self, tmp_path: Path, database_url: str, *, public_url: str, env: dict[str, str] | None = None
                 ) -> None:
        self.tmp_path = tmp_path
        self.env = env if env is not None else {**os.environ, "CADENZA_HOME": str(tmp_path / "var")}
        self.database_url = database_url
        self.public_url = public_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, config: Path) -> None:
        self.tmp_path.mkdir(parents=True, exist_ok=True)
        log = open(self.tmp_path / "worker.log", "ab")  # noqa: SIM115 - handed to the child process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cadenza.cli", "worker", str(config), "--db", self.database_url,
             "--port", str(self.port), "--public-url", self.public_url, "--log-level", "warning"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._healthy, timeout=60, what="the worker to answer /health")

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"worker exited: {(self.tmp_path / 'worker.log').read_text()[-3000:]}")
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=75)
            except subprocess.TimeoutExpired:
                self.kill()
