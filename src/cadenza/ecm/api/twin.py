"""The twin's operator API: look at the simulated network and break it on purpose.

Not a MEF reference point: this is the test bench's own control, used by the CLI and the
console to inject faults (link down, element down, degradation) and to show what is
configured where. Breaking a network is an operator's act: every route needs the `twin` scope.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from cadenza.core.auth import require
from cadenza.ecm.drift import Drift
from cadenza.ecm.twin import NetworkTwin

__all__ = ["twin_router", "LinkRef", "PortRef", "LinkDegradation", "EditRefusal", "ConstructDrift", "ClockChange",
           "DemandSettings"]


class LinkRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    a: str = Field(description="element name, or 'element:port' to pick one of parallel links")
    b: str


class PortRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    element: str
    port: str


class LinkDegradation(LinkRef):
    delay_ms: float | None = Field(None, ge=0)
    loss_ratio: float | None = Field(None, ge=0, le=1)
    capacity_mbps: int | None = Field(None, ge=0, description="the capacity the link still carries")


class EditRefusal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(None, max_length=300,
                               description="why the element refuses every change (null: it accepts again)")


class ConstructDrift(BaseModel):
    """A change made at the element, not by its controller (ecm/drift.py)."""

    model_config = ConfigDict(extra="forbid")
    endPoint: Literal["a", "z"] | None = Field(None, description="the end point whose VLAN changes")  # noqa: N815
    vlanId: int | None = Field(None, ge=1, le=4094)  # noqa: N815
    cirKbps: int | None = Field(None, ge=0, le=100_000_000, description="the policer's committed rate")  # noqa: N815
    remove: bool = Field(False, description="delete the construct from the running configuration")


class ClockChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scale: float | None = Field(None, ge=0, le=86_400,
                                description="simulated seconds per wall-clock second (0: stopped)")
    advanceSeconds: float | None = Field(None, ge=0, le=366 * 86_400,
                                         description="move simulated time forward at once by this much")


class DemandSettings(BaseModel):
    """The customer traffic offered to a service (ecm/demand.py); omitted fields keep their defaults."""

    model_config = ConfigDict(extra="forbid")
    mean: float | None = Field(None, ge=0, le=100, description="mean offered load, as a share of the CIR")
    amplitude: float | None = Field(None, ge=0, le=10, description="daily swing, as a share of the mean")
    peakHour: float | None = Field(None, ge=0, lt=24, description="UTC hour of the daily peak")
    noise: float | None = Field(None, ge=0, le=10, description="relative standard deviation step to step")
    burstProbability: float | None = Field(None, ge=0, le=1)
    burstFactor: float | None = Field(None, ge=1, le=1000)
    offeredMbps: float | None = Field(None, ge=0, le=10_000_000, description="a fixed load instead of the pattern")
    baseMbps: float | None = Field(None, gt=0, le=10_000_000,
                                   description="the rate `mean` is a share of, instead of the CIR")


def _link(state: Any) -> dict[str, Any]:
    return {"a": f"{state.a}:{state.a_port}", "b": f"{state.b}:{state.b_port}", "capacityMbps": state.capacity_mbps,
            "delayMs": state.delay_ms, "lossRatio": state.loss_ratio, "up": state.up}


def _element(state: Any) -> dict[str, Any]:
    return {"name": state.name, "up": state.up, "forwardingConstructs": list(state.forwarding_constructs),
            "commits": state.commits, "writes": state.writes}


def twin_router(twin: NetworkTwin) -> APIRouter:
    router = APIRouter(prefix="/cadenza/twin/v1", tags=["network twin"], dependencies=[Depends(require("twin"))])

    # Plain `def`: fault changes take the datastores' locks, so they run in the thread pool.
    @router.get("/status")
    def status() -> dict[str, Any]:
        return twin.status()

    @router.post("/links/fail")
    def fail_link(body: LinkRef) -> dict[str, Any]:
        return _link(twin.fail_link(body.a, body.b))

    @router.post("/links/restore")
    def restore_link(body: LinkRef) -> dict[str, Any]:
        return _link(twin.restore_link(body.a, body.b))

    @router.post("/links/degrade")
    def degrade_link(body: LinkDegradation) -> dict[str, Any]:
        return _link(twin.degrade_link(body.a, body.b, delay_ms=body.delay_ms, loss_ratio=body.loss_ratio,
                                           capacity_mbps=body.capacity_mbps))

    @router.post("/ports/fail")
    def fail_port(body: PortRef) -> dict[str, Any]:
        return twin.fail_port(body.element, body.port)

    @router.post("/ports/restore")
    def restore_port(body: PortRef) -> dict[str, Any]:
        return twin.restore_port(body.element, body.port)

    @router.post("/elements/{name}/fail")
    def fail_element(name: str) -> dict[str, Any]:
        return _element(twin.fail_element(name))

    @router.post("/elements/{name}/restore")
    def restore_element(name: str) -> dict[str, Any]:
        return _element(twin.restore_element(name))

    @router.post("/elements/{name}/refuse-edits")
    def refuse_edits(name: str, body: EditRefusal) -> dict[str, Any]:
        """A frozen configuration (a maintenance window, a full TCAM): each commit is refused."""
        twin.refuse_edits(name, body.reason)
        return {"name": name, "refusing": body.reason}

    @router.post("/elements/{name}/forwarding-constructs/{fc_id}/drift")
    def drift_construct(name: str, fc_id: str, body: ConstructDrift) -> dict[str, Any]:
        """Configuration drift: the element's running configuration of `fc_id` changed at the
        element (a NETCONF commit of its own), the ICM not told; `running` is what it holds after."""
        running = twin.drift_construct(name, fc_id, Drift(body.endPoint, body.vlanId, body.cirKbps, body.remove))
        return {"element": name, "forwardingConstruct": fc_id, "running": running}

    @router.get("/clock")
    def clock() -> dict[str, Any]:
        return twin.clock_state()

    @router.post("/clock")
    def change_clock(body: ClockChange) -> dict[str, Any]:
        return twin.set_clock(scale=body.scale, advance_s=body.advanceSeconds)

    @router.get("/demand/{fc_id}")
    def demand(fc_id: str) -> dict[str, Any]:
        return twin.demand(fc_id)

    @router.put("/demand/{fc_id}")
    def set_demand(fc_id: str, body: DemandSettings) -> dict[str, Any]:
        return twin.set_demand(fc_id, body.model_dump(exclude_none=True))

    @router.delete("/demand/{fc_id}")
    def reset_demand(fc_id: str) -> dict[str, Any]:
        return twin.set_demand(fc_id, None)

    @router.get("/traffic/{fc_id}")
    def traffic(fc_id: str, windowSeconds: float = Query(900, gt=0, le=86_400)) -> dict[str, Any]:  # noqa: N803
        return twin.traffic_summary(fc_id, window_s=windowSeconds)

    return router
