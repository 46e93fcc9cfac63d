"""One schemathesis run of an official MEF spec file against a running domain.

Every check is on by default except positive_data_acceptance: a schema-valid request may still
be unusable (an empty or relative callback, an order naming no service of the caller's) and is
rightly refused with the spec's 400 or 422. The examples, coverage and fuzzing phases are run,
so nulls in arrays and wrong types are tried, not only the happy path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["run_schemathesis", "ALL_BUT_ACCEPTANCE"]

ALL_BUT_ACCEPTANCE = ("-c", "all", "--exclude-checks", "positive_data_acceptance")


def run_schemathesis(spec: Path, url: str, authorization: str, *options: str, examples: int = 40, seed: int = 1,
                     checks: tuple[str, ...] = ALL_BUT_ACCEPTANCE, phases: str = "examples,coverage,fuzzing",
                     timeout_s: float = 600) -> subprocess.CompletedProcess[str]:
    """`authorization`: the whole header value ("Bearer ..."); `options`: more `st run` options."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "st"), "run", str(spec), "--url", url,
         "-H", f"Authorization: {authorization}", "--no-color",
         "--seed", str(seed), *checks, "--phases", phases, "-n", str(examples), *options],
        capture_output=True, text=True, timeout=timeout_s, check=False)
