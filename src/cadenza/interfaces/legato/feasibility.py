"""Asking the SOF whether the network could carry a service now (Cadenza's LEGATO addition,
docs/legato-profile.md "Feasibility"): the BUS's POQ and quote answer from the network through
this, never from the ICMs' internals.

`POST {FEASIBILITY_BASE}/feasibilityCheck`, `legato` scope, with either

- `{"action": "add", "serviceConfiguration": {...}}`: a new service, the configuration exactly
  as a service order item would carry it (EVC with `cadenzaEvcPlacement`, or OVC with
  `cadenzaAccessPlacement`); or
- `{"action": "modify", "serviceId": "...", "bandwidthMbps": 400}`: a bandwidth change of an
  active service on the route it has, its own reservation counted as free; with `endPoints`
  (`[{"ceVlan": 301}, {"ceVlan": 400}]`, an EVC's ends in the order it was ordered with) or
  `ceVlan` (an OVC's at its UNI) also a CE-VLAN change: the new VLAN must be free on the UNI.

The answer is 200 `{"feasible": bool, "reason": str | null, "segments": [{"networkDomain",
"route", "delayMs", "headroomMbps"}], "partner": party | null, "partnerReference": ... | null}`
(for a change: the partner whose segment the service also has, which this check does not
judge, the partner's reference for it, and `partnerCeVlan`, the CE-VLAN the change asks at the
partner's UNI when it changes that); a question
that cannot be read is a 422 MEF error.
Nothing is reserved: a `feasible` answer holds only until someone else takes the capacity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cadenza.interfaces.legato.placement import EndChange

__all__ = ["FEASIBILITY_BASE", "FeasibilityCheck", "SegmentFeasibility", "Feasibility", "feasibility_from_json"]

FEASIBILITY_BASE = "/cadenza/legato/serviceFeasibility/v1"


class FeasibilityCheck(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["add", "modify"]
    serviceConfiguration: dict[str, Any] | None = None  # noqa: N815 - the Legato name
    serviceId: Annotated[str, Field(min_length=1, max_length=200)] | None = None  # noqa: N815
    bandwidthMbps: Annotated[int, Field(ge=1, le=100_000)] | None = None  # noqa: N815
    endPoints: list[EndChange] | None = Field(None, min_length=2, max_length=2)  # noqa: N815
    ceVlan: Annotated[int, Field(ge=1, le=4094)] | None = None  # noqa: N815


@dataclass(frozen=True, slots=True)
class SegmentFeasibility:
    network_domain: str
    route: tuple[str, ...]
    delay_ms: float
    headroom_mbps: int


@dataclass(frozen=True, slots=True)
class Feasibility:
    feasible: bool
    reason: str | None
    segments: tuple[SegmentFeasibility, ...] = ()
    partner: str | None = None  # a change of a service with a partner segment: that partner
    partner_reference: str | None = None  # and its reference for the segment (its product order id)
    partner_ce_vlan: int | None = None  # and the CE-VLAN the change asks at the partner's UNI, if it changes it

    def to_json(self) -> dict[str, Any]:
        return {"feasible": self.feasible, "reason": self.reason, "partner": self.partner,
                "partnerReference": self.partner_reference, "partnerCeVlan": self.partner_ce_vlan, "segments": [
            {"networkDomain": s.network_domain, "route": list(s.route), "delayMs": s.delay_ms,
             "headroomMbps": s.headroom_mbps} for s in self.segments]}


def feasibility_from_json(body: dict[str, Any]) -> Feasibility:
    return Feasibility(bool(body["feasible"]), body.get("reason"), tuple(
        SegmentFeasibility(s["networkDomain"], tuple(s["route"]), float(s["delayMs"]), int(s["headroomMbps"]))
        for s in body.get("segments", [])), body.get("partner"), body.get("partnerReference"),
        body.get("partnerCeVlan"))
