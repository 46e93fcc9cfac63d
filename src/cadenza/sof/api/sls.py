"""The operator's view of SLS assessment (MEF 55.0.1 §10.6): the degradations found, where
they were located, what was done and their state. Not a MEF reference point (the BUS reads them
over LEGATO, sof/api/legato_degradation.py, and the customer as incidents over CANTATA):
Cadenza's operator API, `admin` scope."""

from __future__ import annotations

import math
from datetime import UTC
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from cadenza.core.auth import require
from cadenza.core.clock import iso
from cadenza.core.errors import Unprocessable
from cadenza.sof.performance.execution import customer_service
from cadenza.sof.performance.service_pm import DirectionPm, ServicePm, probe_spacing_s, service_pm
from cadenza.sof.service import Sof
from cadenza.sof.sls.assessment import assess
from cadenza.sof.sls.rows import SlsAssessmentRow, SlsDegradationRow
from cadenza.sof.sls.views import degradation_view
from cadenza.sof.sls.views import interval_start as _at

__all__ = ["sls_router", "SLS_BASE"]

SLS_BASE = "/cadenza/sls/v1"
State = Literal["detected", "rerouting", "manualIntervention", "resolved"]


def sls_router(sof: Sof) -> APIRouter:
    router = APIRouter(prefix=SLS_BASE, tags=["SLS assessment (operator)"], dependencies=[Depends(require("admin"))])

    @router.get("/degradation")
    def degradations(serviceId: str | None = None, state: State | None = None) -> list[dict[str, Any]]:  # noqa: N803
        query = select(SlsDegradationRow).order_by(SlsDegradationRow.created_at)
        if serviceId is not None:
            query = query.where(SlsDegradationRow.service_id == serviceId)
        if state is not None:
            query = query.where(SlsDegradationRow.state == state)
        with sof.database.read() as session:
            return [degradation_view(r) for r in session.scalars(query)]

    @router.get("/assessment")
    def assessments() -> list[dict[str, Any]]:
        with sof.database.read() as session:
            return [{"serviceId": r.service_id, "assessedUntil": _at(r.last_number + 1),
                     "assessedAt": iso(r.assessed_at.astimezone(UTC))}
                    for r in session.scalars(select(SlsAssessmentRow).order_by(SlsAssessmentRow.service_id))]

    @router.get("/service/{service_id}/performance")
    def performance(service_id: str, hours: float = Query(6, gt=0, le=24 * 31)) -> dict[str, Any]:
        """A service's performance end to end over the last `hours` of network time, per direction
        and 15-minute interval, against its SLS (what `cadenza pm show` draws)."""
        with sof.database.read() as session:
            row = customer_service(session, service_id, None)
        segments = row.design.get("segments") or []
        if not segments:
            raise Unprocessable(f"Service {service_id} has no segment in this provider's network")
        moment = float(sof.presto.get_network_time(segments[0]["networkDomain"])["epoch-seconds"])
        end = (int(moment) // 900) * 900

        def history(domain: str, uuid: str, start: str, stop: str, **asked: Any) -> dict[str, Any]:  # noqa: ANN401
            return sof.presto.get_pm_history(domain, uuid, start=start, end=stop, **asked)

        pm = service_pm(row, history, start_s=end - hours * 3600, end_s=end)
        return {"serviceId": row.id, "cosName": pm.cos.cos_name, "networkTime": pm.network_time,
                "missingSegments": pm.missing, "directions": [_direction(pm, d) for d in pm.directions]}

    return router


def _number(value: float) -> float | None:
    return None if math.isnan(float(value)) else round(float(value), 6)


def _direction(pm: ServicePm, direction: DirectionPm) -> dict[str, Any]:
    metrics = direction.metrics
    intervals = []
    for i, number in enumerate(direction.numbers):
        assert metrics is not None
        verdicts = assess(pm.cos, metrics, interval_s=pm.interval_s, at=(i,),
                          probe_spacing_s=probe_spacing_s(pm, direction, i))
        intervals.append({"start": _at(number), "availabilityPercent": _number(metrics.availability_percent[i]),
                          "frameLossRatioPercent": _number(metrics.flr_percent[i]),
                          "meanFrameDelayMs": _number(metrics.mean_fd_ms[i]),
                          "utilisationPercent": direction.utilisation_percent[i],
                          "breached": [v.sentence for v in verdicts if v.breached]})
    return {"direction": direction.direction, "segments": [s.name for s in direction.segments],
            "intervals": intervals}
