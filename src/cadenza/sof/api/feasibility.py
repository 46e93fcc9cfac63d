"""The LEGATO feasibility check (Cadenza addition, interfaces/legato/feasibility.py). Thin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends
from pydantic import ValidationError

from cadenza.core.auth import Principal, require
from cadenza.core.errors import Unprocessable
from cadenza.interfaces.legato.feasibility import FEASIBILITY_BASE, FeasibilityCheck
from cadenza.sof.feasibility import check_feasibility
from cadenza.sof.service import Sof

__all__ = ["feasibility_router"]


def feasibility_router(sof: Sof) -> APIRouter:
    router = APIRouter(prefix=FEASIBILITY_BASE, tags=["LEGATO (Cadenza profile)"])

    @router.post("/feasibilityCheck", operation_id="legato.cadenzaFeasibilityCheck",
                 summary="Cadenza profile: could the network carry this service now? Reserves nothing")
    def feasibility_check(payload: Any = Body(...), principal: Principal = Depends(require("legato"))) -> dict:
        try:
            check = FeasibilityCheck.model_validate(payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = "/" + "/".join(str(p) for p in first["loc"])
            raise Unprocessable(f"{where}: {first['msg']}", property_path=where,
                                code="missingProperty" if first["type"] == "missing" else "invalidValue") from exc
        return check_feasibility(sof, principal.owner_filter, check).to_json()

    return router
