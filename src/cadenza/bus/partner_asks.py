"""Asking partners about a place, durably (MEF 55.0.1 §10.2 step 3d).

Each question to a partner (its POQ over SONATA, then a firm quote, `bus.partners`) is a DBOS
step: in a workflow its answer is recorded, so the workflow resumed after a crash gets back
what it was told instead of asking again. When several partners could serve the place they are
asked at once, each in a child workflow of its own, so a silent one costs the buyer one call
timeout, not one per partner; a crash in the middle leaves the answered ones recorded and the
others resumed by DBOS recovery.

Outside a workflow (an instant POQ or quote, answered within its request) the asks are
workflows of their own, so they too run at once without a thread pool of ours; a crash then
loses only the request they were for. A step cannot start workflows: a step that needs
partners asked is split so that the asking happens in its workflow (bus.fulfilment).
"""

from __future__ import annotations

from dbos import DBOS

from cadenza.bus.partner_policy import PartnerOffer
from cadenza.bus.serviceability import PartnerAsk, PartnerProbe

__all__ = ["DurablePartnerAsks"]

# The SONATA side of each domain in this process, by domain name: what a workflow resumed after
# a restart finds its partners with (its inputs are names and values, never live clients).
_PROBES: dict[str, PartnerProbe] = {}


class DurablePartnerAsks:
    """`Serviceability`'s `asks` in a domain: every partner ask a step, several at once."""

    def __init__(self, domain: str, probe: PartnerProbe) -> None:
        self.domain = domain
        _PROBES[domain] = probe

    def __call__(self, asks: list[PartnerAsk]) -> list[PartnerOffer]:
        if len(asks) == 1:
            return [partner_answer(self.domain, asks[0])]
        if DBOS.step_id is not None:
            raise RuntimeError("partners are asked at once by child workflows, which a step cannot start: ask them "
                               "from the workflow")
        handles = [DBOS.start_workflow(ask_partner, self.domain, ask) for ask in asks]
        return [handle.get_result() for handle in handles]


@DBOS.step()
def partner_answer(domain: str, ask: PartnerAsk) -> PartnerOffer:
    """One partner's answer (qualify_and_quote never raises for the partner's sake: a silent or
    refusing partner is an offer saying so)."""
    return ask.put_to(_PROBES[domain])


@DBOS.workflow()
def ask_partner(domain: str, ask: PartnerAsk) -> PartnerOffer:
    """One partner asked beside others (a child of the workflow that asks them all)."""
    return partner_answer(domain, ask)
