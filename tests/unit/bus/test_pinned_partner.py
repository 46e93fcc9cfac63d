"""An end at a partner's UNI in inventory is asked of that partner alone: the UNI is its."""

from __future__ import annotations

from typing import Any

from cadenza.bus.partner_policy import PartnerOffer, Price
from cadenza.bus.serviceability import Location, Serviceability
from cadenza.bus.settings import PartnerSettings


def _partner(party: str) -> PartnerSettings:
    return PartnerSettings(party=party, name=party.title(), url="http://x", client_id="c", client_secret="s",
                           enni="enni", partner_enni="penni", cities=["Springfield"])


class TwoPartners:
    """Both serve Springfield; partner-b is the cheaper, so the policy alone would pick it."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def partners_for(self, city: str) -> list[PartnerSettings]:
        return [_partner("partner-a"), _partner("partner-b")] if city == "Springfield" else []

    def partner(self, party: str) -> PartnerSettings:
        return _partner(party)

    def qualify_and_quote(self, partner: PartnerSettings, place: dict[str, Any], mbps: int, *,
                          ce_vlan: int | None = None, port_based: bool = False, eir_mbps: int = 0) -> PartnerOffer:
        self.asked.append(partner.party)
        cost = 10.0 if partner.party == "partner-b" else 50.0
        return PartnerOffer(partner.party, True, "ok", price=Price(cost, cost, "USD"), lead_time_days=5,
                            place=place, name=partner.name)


SPRINGFIELD = Location(None, {"@type": "FieldedAddress", "city": "Springfield", "streetName": "Oak"}, "Springfield")


def test_a_pinned_end_asks_only_its_partner_even_when_another_is_cheaper() -> None:
    probe = TwoPartners()
    verdict = Serviceability([], probe, currency="USD").assess(SPRINGFIELD, mbps=100, ce_vlan=502,
                                                               partner="partner-a")
    assert probe.asked == ["partner-a"] and verdict.kind == "offNet" and verdict.offer.partner == "partner-a"
    unpinned = Serviceability([], TwoPartners(), currency="USD").assess(SPRINGFIELD, mbps=100, ce_vlan=502)
    assert unpinned.offer is not None and unpinned.offer.partner == "partner-b"


def test_a_pinned_partner_that_no_longer_serves_the_city_makes_it_not_serviceable() -> None:
    probe = TwoPartners()
    verdict = Serviceability([], probe, currency="USD").assess(SPRINGFIELD, mbps=100, partner="partner-c")
    assert verdict.kind == "notServiceable" and "partner-c" in verdict.reason and probe.asked == []
