"""Which partner serves an off-net site when several can (docs/partner-policy.md).

The policy, in order: the lowest total price over the first year (NRC + 12 x MRC), then the
shortest lead time, then the partner's party id, so the choice is the same every time the
same offers come back. Only serviceable offers in the quote's currency are candidates; the
others stay visible as alternatives, each with the reason it was not chosen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Price", "PartnerOffer", "PartnerChoice", "MONTHS", "choose_partner"]

MONTHS = 12  # the horizon over which one-time and monthly charges are weighed


@dataclass(frozen=True, slots=True)
class Price:
    """Non-recurring and monthly recurring charges, tax excluded."""

    nrc: float
    mrc: float
    currency: str

    def total(self, months: int = MONTHS) -> float:
        return round(self.nrc + months * self.mrc, 2)


@dataclass(frozen=True, slots=True)
class PartnerOffer:
    """What one partner answered for one place: its POQ and quote over SONATA."""

    partner: str  # the partner's party id
    serviceable: bool
    reason: str  # why (not) serviceable, in words a person can act on
    price: Price | None = None
    lead_time_days: int | None = None
    poq_id: str | None = None
    quote_id: str | None = None
    quote_item_id: str | None = None  # the item of the partner's quote: what our order references
    place: dict[str, Any] = field(default_factory=dict)  # the place as the partner was asked about it
    # False when the partner gave no answer at all (timed out, unreachable, 5xx), as opposed to
    # a refusal: then `asked` says what went unanswered, and the work may wait for it.
    answered: bool = True
    asked: str | None = None
    name: str = ""  # the partner's name, as people know it

    @property
    def total(self) -> float | None:
        return self.price.total() if self.price is not None else None


@dataclass(frozen=True, slots=True)
class PartnerChoice:
    chosen: PartnerOffer | None
    alternatives: tuple[PartnerOffer, ...]
    reason: str


def _rank(offer: PartnerOffer) -> tuple[float, int, str]:
    assert offer.price is not None and offer.lead_time_days is not None
    return offer.price.total(), offer.lead_time_days, offer.partner


def choose_partner(offers: Iterable[PartnerOffer], *, currency: str) -> PartnerChoice:
    """The best offer by the policy and the rest, best first (the unusable ones last)."""
    offers = list(offers)
    usable = [o for o in offers if o.serviceable and o.price is not None and o.lead_time_days is not None
              and o.price.currency == currency]
    unusable = sorted((o for o in offers if o not in usable), key=lambda o: o.partner)
    if not usable:
        reasons = "; ".join(f"{o.partner}: {_why_not(o, currency)}" for o in unusable) or "no partner covers it"
        return PartnerChoice(None, tuple(unusable), f"No partner can serve it ({reasons})")
    ranked = sorted(usable, key=_rank)
    best = ranked[0]
    reason = (f"{best.partner} chosen: lowest {MONTHS}-month total {best.total:.2f} {currency}"
              f" (NRC + {MONTHS} x MRC), lead time {best.lead_time_days} days")
    if len(ranked) > 1 and ranked[1].total == best.total:
        reason += "; tie on price broken by " + ("lead time" if ranked[1].lead_time_days != best.lead_time_days
                                                  else "partner id")
    others = [f"{o.partner} {o.total:.2f} {currency}, {o.lead_time_days} days" for o in ranked[1:]]
    others += [f"{o.partner}: {_why_not(o, currency)}" for o in unusable]
    if others:
        reason += "; also offered: " + "; ".join(others)
    return PartnerChoice(best, (*ranked[1:], *unusable), reason)


def _why_not(offer: PartnerOffer, currency: str) -> str:
    if not offer.serviceable:
        return offer.reason
    if offer.price is None or offer.lead_time_days is None:
        return "answered without a price or lead time"
    return f"quoted in {offer.price.currency}, not {currency}"
