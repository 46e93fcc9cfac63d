"""Running a benchmark as a user does (`cadenza bench ... --json`) and reading what it printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from cadenza import cli
from cadenza.bench.runtimes import postgres_problem

__all__ = ["cadenza", "printed", "PG_PROBLEM"]

PG_PROBLEM = postgres_problem()


def cadenza(*args: str, timeout: float = 300, env: dict[str, str] | None = None) -> dict:
    run = subprocess.run([sys.executable, "-m", "cadenza.cli", "bench", *args, "--json"], capture_output=True,
                         text=True, timeout=timeout, check=False, env={**os.environ, **(env or {})})
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout[run.stdout.index("{"):])


def printed(show: object, *args: object) -> str:
    width = cli.console.width
    cli.console.width = 250  # no figure's name broken over two lines
    try:
        with cli.console.capture() as out:
            show(*args)  # type: ignore[operator]
    finally:
        cli.console.width = width
    return out.get()
