"""The operator's repair statistics (`cadenza trouble stats`, bus/trouble/stats.py). Not a MEF
reference point: a Cadenza operator route, scope `admin`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from cadenza.bus.runtime import Bus
from cadenza.bus.trouble.stats import repair_stats
from cadenza.core.auth import require

__all__ = ["TROUBLE_STATS_BASE", "trouble_stats_router"]

TROUBLE_STATS_BASE = "/cadenza/trouble/v1"


def trouble_stats_router(bus: Bus) -> APIRouter:
    router = APIRouter(prefix=TROUBLE_STATS_BASE, tags=["repair statistics (operator)"],
                       dependencies=[Depends(require("admin"))])

    @router.get("/stats")
    def stats() -> dict[str, Any]:
        with bus.database.read() as session:
            return repair_stats(session)

    return router
