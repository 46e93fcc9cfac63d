"""Steps 3d/6 at order time: which partner serves an off-net end, by the partner policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cadenza.bus.serviceability import Location, Serviceability

__all__ = ["Choice", "PartnerChooser"]


@dataclass(frozen=True, slots=True)
class Choice:
    partner: str | None
    explanation: str


class PartnerChooser:
    def __init__(self, serviceability: Serviceability) -> None:
        self._serviceability = serviceability

    def choose_for(self, address: dict[str, Any], mbps: int) -> Choice:
        place = {"@type": "FieldedAddress", "role": "INSTALL_LOCATION", **address}
        verdict = self._serviceability.assess(Location(None, place, address.get("city", "")), mbps=mbps)
        if verdict.kind != "offNet" or verdict.offer is None:
            return Choice(None, verdict.reason)
        return Choice(verdict.offer.partner, verdict.reason)
