"""Can the network carry a product now? The BUS's side of the LEGATO feasibility check
(`interfaces/legato/feasibility.py`): POQ and quote ask the SOF, which asks each ICM over
PRESTO, about the service an order for the product would request, so a qualification and
the order after it are judged by the same network and the same rules.

Only this domain's network is asked here; the partner's part of an off-net product is
judged by the partner itself (its POQ over SONATA, in `bus.partners`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from cadenza.bus.mapping import evc_vlans
from cadenza.bus.serviceability import PlaceVerdict
from cadenza.interfaces.legato import builders
from cadenza.interfaces.legato.client import LegatoError, LegatoRejected
from cadenza.interfaces.legato.feasibility import Feasibility
from cadenza.interfaces.legato.placement import ACCESS_PLACEMENT

__all__ = ["ANY_VLAN", "FeasibilityProbe", "NetworkAnswer", "NetworkFeasibility", "network_vlans"]


class FeasibilityProbe(Protocol):
    """The LEGATO client of this domain's SOF, as far as feasibility goes."""

    def check_feasibility(self, check: dict[str, Any]) -> Feasibility: ...


@dataclass(frozen=True, slots=True)
class NetworkAnswer:
    feasible: bool
    reason: str
    checked: bool = True  # False: the network could not be asked (the answer is then not firm)


ANY_VLAN = 0  # not a CE-VLAN id: "VLAN-based, the id not given yet" (any free one will do)


def network_vlans(kind: str | None, configuration: dict[str, Any] | None) -> list[int | None]:
    """The VLANs the network is asked about: CE-VLAN at A and Z of an EVC (None: the whole
    UNI), or an Access E-Line's CE-VLAN at the UNI (None: all of them, the whole port;
    ANY_VLAN: no map given yet) and S-VLAN at the ENNI (None: any free)."""
    config = configuration or {}
    if kind == "access":
        uni_map = (config.get("uniEp") or {}).get("ovcEndPointMap")
        uni = (uni_map or {}).get("ovcEndPointMapFormU") or []
        enni = ((config.get("enniEp") or {}).get("ovcEndPointMap") or {}).get("ovcEndPointMapFormE") or []
        ce_vlan = ANY_VLAN if not uni else int(uni[0]) if len(uni) == 1 else None
        return [ce_vlan, int(enni[0]) if enni else None]
    return list(evc_vlans(config))


def _site_fields(address: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in address.items() if k in ("streetNr", "streetName", "city", "postcode", "country")}


class PartnerChange(Protocol):
    """Asks a partner whether its segment can change (bus.partners.PartnerDirectory)."""

    def qualify_change(self, party: str, reference: str, mbps: int, *,
                       ce_vlan: int | None = None) -> tuple[bool, bool, str] | None:
        """(serviceable, firm, reason), or None when the partner cannot be asked about it;
        `ce_vlan`: the segment's new CE-VLAN at the partner's UNI, when that changes too."""


class NetworkFeasibility:
    def __init__(self, probe: FeasibilityProbe, *, ennis: Mapping[str, str],
                 partners: PartnerChange | None = None) -> None:
        self._probe = probe
        self._ennis = dict(ennis)  # buying provider's party -> our ENNI facing it
        self._partners = partners

    def new_service(self, kind: str | None, verdicts: Sequence[PlaceVerdict], vlans: Sequence[int | None], mbps: int,
                    *, buyer: str | None, eir_mbps: int = 0) -> NetworkAnswer | None:
        """The network's word on a new product at these places; None when there is nothing of
        ours to ask about yet (a partner not chosen, a kind we do not deliver). `eir_mbps`: the
        excess rate beside the committed `mbps` (configured, not reserved)."""
        profile = {"cirMbps": mbps, "eirMbps": eir_mbps} if eir_mbps else None
        if kind == "evc" and len(verdicts) == 2:
            ends = []
            for verdict, vlan in zip(verdicts, [*vlans, None, None][:2], strict=True):
                site = verdict.location.site
                if verdict.kind == "onNet" and site is not None and site.edge_point:
                    ends.append(builders.on_net(site.edge_point, vlan))
                elif verdict.kind == "offNet" and verdict.offer is not None:
                    ends.append(builders.off_net(verdict.offer.partner, address=_site_fields(verdict.location.address),
                                                 ce_vlan=vlan))
                else:
                    return None
            return self._ask({"action": "add", "serviceConfiguration": builders.evc_configuration(
                *ends, bandwidth_mbps=mbps, bandwidth_profile=profile)})
        if kind == "access" and len(verdicts) == 1 and buyer in self._ennis:
            site = verdicts[0].location.site
            if verdicts[0].kind != "onNet" or site is None:
                return None
            ce_vlan, s_vlan = [*vlans, None, None][:2]
            config = builders.ovc_access_configuration(
                site={"id": site.id}, ce_vlan=None if ce_vlan == ANY_VLAN else ce_vlan, enni=self._ennis[buyer],
                s_vlan=s_vlan or 1, bandwidth_mbps=mbps, bandwidth_profile=profile)
            # left out, not null: any free one will do (docs/legato-profile.md, Feasibility)
            if s_vlan is None:
                del config[ACCESS_PLACEMENT]["sVlan"]
            if ce_vlan == ANY_VLAN:
                del config[ACCESS_PLACEMENT]["ceVlan"]
            return self._ask({"action": "add", "serviceConfiguration": config})
        return None

    def change(self, service_id: str, mbps: int, *, end_vlans: Sequence[int | None] | None = None,
               ce_vlan: int | None = None) -> NetworkAnswer:
        """Could the service the product runs on grow (or shrink) to `mbps` on its route, with
        the CE-VLANs given (an EVC's per end point, `end_vlans`; an Access E-Line's at its UNI,
        `ce_vlan`) free on their UNIs? A partner whose segment changes is asked too (POQ over
        SONATA); one that cannot be asked leaves the answer not firm."""
        check: dict[str, Any] = {"action": "modify", "serviceId": service_id, "bandwidthMbps": mbps}
        if end_vlans is not None:
            check["endPoints"] = [{"ceVlan": vlan} for vlan in end_vlans]
        if ce_vlan is not None:
            check["ceVlan"] = ce_vlan
        answer, found = self._ask_for(check)
        if not answer.feasible or found is None or not found.partner:
            return answer
        said = (self._partners.qualify_change(found.partner, found.partner_reference, mbps,
                                              ce_vlan=found.partner_ce_vlan)
                if self._partners is not None and found.partner_reference else None)
        if said is None:  # e.g. a segment bought over INTERLUDE, which has no qualification
            return NetworkAnswer(True, f"{answer.reason}; the segment {found.partner} provides is not qualified "
                                       "for the change by this answer", checked=False)
        serviceable, firm, reason = said
        return NetworkAnswer(serviceable, f"{answer.reason}; {reason}" if serviceable else reason,
                             checked=answer.checked and firm)

    def _ask(self, check: dict[str, Any]) -> NetworkAnswer:
        return self._ask_for(check)[0]

    def _ask_for(self, check: dict[str, Any]) -> tuple[NetworkAnswer, Feasibility | None]:
        try:
            found = self._probe.check_feasibility(check)
        except LegatoRejected as exc:  # the service could not even be designed: that is the answer
            return NetworkAnswer(False, f"Our network cannot provide it: {_first_reason(exc)}"), None
        except LegatoError as exc:
            return NetworkAnswer(True, f"Our network could not be asked just now ({exc.reason}); the answer is "
                                       "subject to a feasibility check", checked=False), None
        if not found.feasible:
            return NetworkAnswer(False, f"Our network cannot carry it now: {found.reason}"), found
        headroom = min((s.headroom_mbps for s in found.segments), default=0)
        return NetworkAnswer(True, f"our network can carry it now ({headroom} Mbit/s would be left on its "
                                   "narrowest point)"), found


def _first_reason(exc: LegatoRejected) -> str:
    body = exc.body[0] if isinstance(exc.body, list) and exc.body else exc.body
    return str(body.get("reason")) if isinstance(body, dict) and body.get("reason") else exc.reason
