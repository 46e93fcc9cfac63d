"""The PRESTO rendering of configuration drift (docs/presto-profile.md, "Additions: configuration drift")."""

from __future__ import annotations

from typing import Any

from cadenza.icm.drift import DriftReport, Reapplied

__all__ = ["drift_view", "reapply_view"]


def drift_view(report: DriftReport) -> dict[str, Any]:
    return {"service-id": report.service, "in-step": report.in_step, "elements": list(report.elements),
            "differences": list(report.differences), "unread": list(report.unread)}


def reapply_view(done: Reapplied) -> dict[str, Any]:
    return {"result": "reapplied" if done.rewritten else "unchanged", "rewritten": list(done.rewritten),
            "before": drift_view(done.before), "after": drift_view(done.after)}
