"""Tracking records (Fault Management v3 `FmTrackingRecord`): who did what to a job or report."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.ids import new_id
from cadenza.sof.faults.rows import FmTrackingRecordRow

__all__ = ["JOB", "REPORT", "record", "render"]

JOB = "FaultManagementJobRef"
REPORT = "FaultManagementReportRef"
_ID_FIELD = {JOB: "faultManagementJobId", REPORT: "faultManagementReportId"}


def record(session: Session, *, party: str, kind: str, related: str, source: str, description: str,
           request: str | None = None) -> None:
    session.add(FmTrackingRecordRow(id=new_id(), party=party, related_type=kind, related_id=related,
                                    description=description, request=request, source=source, created_at=now()))


def render(row: FmTrackingRecordRow) -> dict[str, Any]:
    document: dict[str, Any] = {"id": row.id, "creationDateTime": iso(row.created_at.astimezone(UTC)),
                                "description": row.description, "source": row.source,
                                "relatedObjectId": {"@type": row.related_type,
                                                    _ID_FIELD[row.related_type]: row.related_id}}
    if row.request:
        document["request"] = row.request
    return document
