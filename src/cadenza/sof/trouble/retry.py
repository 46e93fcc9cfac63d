"""How often a step of a trouble diagnosis is tried (the diagnosis workflow's and its remedies')."""

from __future__ import annotations

from typing import Any

from cadenza.core.workflows import retry_unless_stopping

__all__ = ["STEP_RETRY"]

# Eight tries wait about two minutes in all: a workflow resumed as its domain restarts calls
# PRESTO before the domain serves HTTP, and on a loaded machine that took longer than the 15 s
# of five tries (the diagnosis then stopped for good, the report left remediating).
STEP_RETRY: dict[str, Any] = {"retries_allowed": True, "max_attempts": 8, "interval_seconds": 1.0,
                              "backoff_rate": 2.0, "should_retry": retry_unless_stopping}
