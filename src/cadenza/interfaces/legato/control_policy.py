"""What a customer may change of its service by itself, and within which bounds (MEF 55.0.1
§10.3 steps 1-3; Cadenza's profile, docs/legato-profile.md "Dynamic control bounds").

The bounds come from the product offering (the customer's contract, bus/control_policies.py).
The BUS carries them to the SOF in the `serviceConfiguration` of an `add` item under
`cadenzaControlPolicy`, as it carries the product's `carrierEthernetSls`; the SOF keeps them
beside the service, not in its MEF document, and shows them to the customer over ALLEGRO
(docs/allegro-profile.md) in this same shape:

    {"bandwidth": {"minMbps": 10, "maxMbps": 1000, "stepMbps": 10},       the service (EVC) rate
     "endPointBandwidth": {"minMbps": 10, "maxMbps": 1000, "stepMbps": 1}, each end point's rate
     "ceVlanChange": {"allowed": true, "lowest": 2, "highest": 4094},
     "changeWindows": [{"days": ["monday", ...], "start": "06:00", "end": "22:00"}],  UTC; [] any time
     "maxChangesPerDay": 10,
     "maxScheduleAheadDays": 30}
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["CONTROL_POLICY", "DAYS", "Day", "BandwidthBounds", "CeVlanChange", "ChangeWindow", "ControlPolicy"]

CONTROL_POLICY = "cadenzaControlPolicy"
Day = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DAYS: tuple[Day, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"


class _Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BandwidthBounds(_Policy):
    """A committed rate may be set from `minMbps` to `maxMbps`, in steps of `stepMbps` from the minimum."""

    minMbps: int = Field(ge=1, le=100_000)
    maxMbps: int = Field(ge=1, le=100_000)
    stepMbps: int = Field(1, ge=1, le=100_000)

    @model_validator(mode="after")
    def _ordered(self) -> BandwidthBounds:
        if self.minMbps > self.maxMbps:
            raise ValueError(f"minMbps {self.minMbps} is above maxMbps {self.maxMbps}")
        return self


class CeVlanChange(_Policy):
    """Whether a VLAN-based end point's CE-VLAN may be changed, and to which VLANs."""

    allowed: bool = False
    lowest: int = Field(1, ge=1, le=4094)
    highest: int = Field(4094, ge=1, le=4094)

    @model_validator(mode="after")
    def _ordered(self) -> CeVlanChange:
        if self.lowest > self.highest:
            raise ValueError(f"lowest {self.lowest} is above highest {self.highest}")
        return self


class ChangeWindow(_Policy):
    """On `days`, from `start` to `end` (UTC, HH:MM; `end` may be 24:00)."""

    days: tuple[Day, ...] = Field(DAYS, min_length=1)
    start: str = Field("00:00", pattern=_CLOCK)
    end: str = Field("24:00", pattern=_CLOCK)

    @model_validator(mode="after")
    def _ordered(self) -> ChangeWindow:
        if self.start >= self.end:
            raise ValueError(f"a change window ends ({self.end}) after it starts ({self.start})")
        return self


class ControlPolicy(_Policy):
    """None for `bandwidth`: the rate cannot be changed by the customer; `endPointBandwidth`
    None: no bound per end point beyond the service's."""

    bandwidth: BandwidthBounds | None = None
    endPointBandwidth: BandwidthBounds | None = None
    ceVlanChange: CeVlanChange = CeVlanChange()
    changeWindows: tuple[ChangeWindow, ...] = Field((), max_length=21)
    maxChangesPerDay: int = Field(10, ge=0, le=10_000)
    maxScheduleAheadDays: int = Field(0, ge=0, le=366)
