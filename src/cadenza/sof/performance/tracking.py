"""Tracking records (Allegro PM v5 `PmTrackingRecord`): who did what to a job, profile or report."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.ids import new_id
from cadenza.sof.performance import apis
from cadenza.sof.performance.apis import PmApi
from cadenza.sof.performance.rows import PmTrackingRecordRow

__all__ = ["record", "render"]

_ID_FIELD = {"PerformanceJobRef": "performanceJobId", "PerformanceProfileRef": "performanceProfileId",
             "PerformanceReportRef": "performanceReportId"}


def record(session: Session, *, party: str, kind: str, related: str, source: str, description: str,
           request: str | None = None, api: PmApi = apis.ALLEGRO) -> None:
    session.add(PmTrackingRecordRow(id=new_id(), api=api.key, party=party, related_type=kind, related_id=related,
                                    description=description, request=request, source=source, created_at=now()))


def render(row: PmTrackingRecordRow) -> dict[str, Any]:
    document: dict[str, Any] = {"id": row.id, "creationDateTime": iso(row.created_at.astimezone(UTC)),
                                "description": row.description, "source": row.source,
                                "relatedObjectId": {"@type": row.related_type,
                                                    _ID_FIELD[row.related_type]: row.related_id}}
    if row.request:
        document["request"] = row.request
    return document
