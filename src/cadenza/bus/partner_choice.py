"""Steps 3d/6 at order time: which partner serves an off-net end, by the partner policy, and
what to do while a partner that could serve it does not answer (docs/partner-policy.md).

`decide` is the rule, kept free of I/O so it can be tested alone: with every partner
answered, the policy's choice stands (or the end cannot be served); while one does not
answer, the work waits for it (the order item `held`, its reason naming the partner), and
moves to a partner that did answer once `failover_after_s` has passed, or fails once the
silent partner's patience is spent and no other can serve the place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cadenza.bus.serviceability import Location, Serviceability
from cadenza.core.patience import Patience, Waiting, hhmm

__all__ = ["Choice", "Decision", "PartnerChooser", "Unanswered", "decide"]


@dataclass(frozen=True, slots=True)
class Unanswered:
    party: str
    name: str
    asked: str  # what went unanswered


@dataclass(frozen=True, slots=True)
class Choice:
    partner: str | None
    explanation: str
    unanswered: tuple[Unanswered, ...] = ()
    lead_time_days: int | None = None  # the chosen partner's quoted lead time (bus.lead_time)


@dataclass(frozen=True, slots=True)
class Decision:
    kind: Literal["chosen", "wait", "fail"]
    reason: str
    partner: str | None = None
    retry_in_s: float = 0.0
    failover: bool = False  # chosen because the preferred partner did not answer in time


class PartnerChooser:
    def __init__(self, serviceability: Serviceability) -> None:
        self._serviceability = serviceability

    def choose_for(self, address: dict[str, Any], mbps: int, *, ce_vlan: int | None = None,
                   eir_mbps: int = 0) -> Choice:
        """`ce_vlan`: the end's CE-VLAN at the partner's UNI (None: the whole UNI); `mbps` and
        `eir_mbps`: the committed and excess rate the partner is asked to qualify and quote."""
        place = {"@type": "FieldedAddress", "role": "INSTALL_LOCATION", **address}
        verdict = self._serviceability.assess(Location(None, place, address.get("city", "")), mbps=mbps,
                                              eir_mbps=eir_mbps, ce_vlan=ce_vlan, port_based=ce_vlan is None)
        offers = verdict.choice.alternatives if verdict.choice else ()
        silent = tuple(Unanswered(o.partner, o.name or o.partner, o.asked or "SONATA")
                       for o in offers if not o.answered)
        if verdict.kind != "offNet" or verdict.offer is None:
            return Choice(None, verdict.reason, silent)
        return Choice(verdict.offer.partner, verdict.reason, silent, lead_time_days=verdict.offer.lead_time_days)


def decide(choice: Choice, *, since: float | None, at: float, attempt: int,
           patience: Mapping[str, Patience]) -> Decision:
    """What to do with `choice`, asked at `at`; `since` is when a partner first went unanswered
    for this end (None: not yet), `attempt` how many times it was asked again since."""
    if not choice.unanswered:
        if choice.partner is None:
            return Decision("fail", choice.explanation)
        return Decision("chosen", choice.explanation, choice.partner)
    since = at if since is None else since
    waits = [Waiting(u.party, u.name, u.asked, since, patience.get(u.party, Patience())) for u in choice.unanswered]
    waiting = "; ".join(w.reason() for w in waits)
    retry_in = min(w.patience.retry_in(attempt) for w in waits)
    if choice.partner is not None:
        after = [w.patience.failover_after_s for w in waits if w.patience.failover_after_s is not None]
        move_at = since + min(after) if after else min(w.gives_up_at for w in waits)
        silent = ", ".join(f"{w.name} ({w.party})" for w in waits)
        if at >= move_at:
            return Decision("chosen", f"{silent} did not answer since {hhmm(since)}: the partner policy moved the "
                            f"segment to {choice.partner} after waiting {at - since:.0f} s; {choice.explanation}",
                            choice.partner, failover=True)
        return Decision("wait", f"{waiting}; {choice.partner} serves it too: moving to it at {hhmm(move_at)}",
                        retry_in_s=min(retry_in, max(move_at - at, 0.0)))
    if all(w.expired(at) for w in waits):
        return Decision("fail", "; ".join(w.gave_up() for w in waits) + f"; {choice.explanation}")
    return Decision("wait", waiting, retry_in_s=retry_in)
