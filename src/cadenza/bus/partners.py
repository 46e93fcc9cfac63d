"""The partners this domain buys access from, reached over SONATA (MEF 55.0.1 §10.2 step 3d).

`PartnerDirectory` holds one `SonataClient` per partner (its token cached inside), knows each
partner's advertised footprint, and asks a partner about a place: a POQ for the partner's
Access E-Line there, then, if qualified, a firm quote, both answered synchronously. Ordering
(step 6) uses the same directory: `directory.client(party)` is the SONATA client for that
partner, and `PartnerOffer.place` is the place exactly as the partner qualified it.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable
from typing import Any

from cadenza.bus.partner_policy import PartnerOffer, Price
from cadenza.bus.settings import BusSettings, PartnerSettings
from cadenza.interfaces.sonata.client import SonataClient
from cadenza.interfaces.sonata.errors import SonataError, SonataHttpError

__all__ = ["ACCESS_ELINE", "ACCESS_ELINE_TYPE", "PartnerDirectory", "PartnerOffer", "access_eline_configuration",
           "quote_price", "interval_days"]

log = logging.getLogger(__name__)

ACCESS_ELINE = "access-eline"  # the partners' product offering id, exchanged at onboarding
ACCESS_ELINE_TYPE = "urn:mef:lso:spec:sonata:access-eline-ovc:v5.0.0:all"
_DAYS = {"calendarDays": 1.0, "businessDays": 7 / 5, "calendarMonths": 30.0, "calendarHours": 1 / 24,
         "businessHours": 7 / 5 / 8, "calendarMinutes": 1 / 1440, "businessMinutes": 7 / 5 / 480}


def access_eline_configuration(mbps: int, *, ce_vlan: int | None = None, port_based: bool = False,
                               eir_mbps: int = 0) -> dict[str, Any]:
    """The Access E-Line as far as qualification and pricing need it: its committed rate (0
    allowed with an excess rate), its excess rate and, when known, how it attaches at the UNI
    (one CE-VLAN, or every one: the whole port), so the partner can say whether its UNI still
    has them free."""
    rates: dict[str, Any] = {"cir": {"irValue": mbps, "irUnits": "MBPS"}}
    if eir_mbps:
        rates["eir"] = {"irValue": eir_mbps, "irUnits": "MBPS"}
    flow = {"classOfServiceName": "standard", "bwpFlow": rates}
    uni: dict[str, Any] = {"ingressBandwidthProfilePerClassOfServiceName": [flow]}
    if ce_vlan is not None or port_based:
        uni["ovcEndPointMap"] = {"mapType": "FORM_U",
                                 "ovcEndPointMapFormU": [ce_vlan] if ce_vlan is not None else list(range(1, 4095))}
    return {"@type": ACCESS_ELINE_TYPE, "uniEp": uni, "enniEp": {}}


def _with_cir(configuration: dict[str, Any], mbps: int) -> dict[str, Any]:
    """The Access E-Line configuration with every ingress flow's CIR set to `mbps`."""
    changed = copy.deepcopy(configuration)
    for end in ("uniEp", "enniEp"):
        for per_cos in (changed.get(end) or {}).get("ingressBandwidthProfilePerClassOfServiceName") or []:
            flows = per_cos.get("bwpFlow")
            for flow in flows if isinstance(flows, list) else [flows] if isinstance(flows, dict) else []:
                flow["cir"] = {"irValue": mbps, "irUnits": "MBPS"}
    return changed


def interval_days(duration: dict[str, Any] | None) -> int | None:
    """A MEF `Duration` in (calendar) days, rounded up."""
    if not duration or "amount" not in duration:
        return None
    days = float(duration["amount"]) * _DAYS.get(str(duration.get("units")), 1.0)
    return int(days) if days == int(days) else int(days) + 1


def quote_price(item: dict[str, Any]) -> Price | None:
    """NRC and monthly MRC of a quote item's `quoteItemPrice` (other periods scaled to a month)."""
    per_month = {"month": 1.0, "year": 1 / 12, "week": 52 / 12, "day": 365 / 12, "hour": 365 * 24 / 12}
    nrc = mrc = 0.0
    currency: str | None = None
    for entry in item.get("quoteItemPrice") or []:
        money = (entry.get("price") or {}).get("dutyFreeAmount") or {}
        currency = currency or money.get("unit")
        value = float(money.get("value", 0.0))
        if entry.get("priceType") == "nonRecurring":
            nrc += value
        elif entry.get("priceType") == "recurring":
            mrc += value * per_month.get(str(entry.get("recurringChargePeriod", "month")), 1.0)
    return Price(round(nrc, 2), round(mrc, 2), currency) if currency else None


class PartnerDirectory:
    def __init__(self, partners: list[PartnerSettings], *, buyer_name: str, buyer_party: str,
                 client_factory: Callable[[PartnerSettings], SonataClient] | None = None) -> None:
        self._partners = {p.party: p for p in partners}
        self._factory = client_factory or (lambda p: SonataClient(p.url, client_id=p.client_id,
                                                                  client_secret=p.client_secret,
                                                                  timeout_s=p.call_timeout_s))
        self._clients: dict[str, SonataClient] = {}
        self._lock = threading.Lock()
        # The Buyer Contact Information every POQ must carry (MEF 79): this domain's order desk.
        self.contact = {"role": "buyerContactInformation", "name": f"{buyer_name} order desk",
                        "organization": buyer_name, "emailAddress": f"orders@{buyer_party}.example",
                        "number": "+1-555-0100"}

    @classmethod
    def from_config(cls, config: BusSettings, **kwargs: Any) -> PartnerDirectory:
        return cls(list(config.partners), buyer_name=config.party.name, buyer_party=config.party.id, **kwargs)

    @property
    def partners(self) -> list[PartnerSettings]:
        return list(self._partners.values())

    def partner(self, party: str) -> PartnerSettings:
        return self._partners[party]

    def client(self, party: str) -> SonataClient:
        """The SONATA client for this partner, created once and shared (thread-safe)."""
        with self._lock:
            if party not in self._clients:
                self._clients[party] = self._factory(self._partners[party])
            return self._clients[party]

    def partners_for(self, city: str) -> list[PartnerSettings]:
        wanted = city.strip().casefold()
        return [p for p in self._partners.values() if any(c.strip().casefold() == wanted for c in p.cities)]

    def qualify_and_quote(self, partner: PartnerSettings, place: dict[str, Any], mbps: int, *,
                          ce_vlan: int | None = None, port_based: bool = False, eir_mbps: int = 0
                          ) -> PartnerOffer:
        """Ask `partner` about its Access E-Line at `place` (POQ, then a firm quote); never raises
        for the partner's sake: an unreachable or refusing partner is an offer that is not serviceable.
        `ce_vlan` / `port_based`: how the segment attaches at the partner's UNI, when known;
        `mbps` / `eir_mbps`: the committed and excess rate asked (the partner prices both)."""
        configuration = access_eline_configuration(mbps, ce_vlan=ce_vlan, port_based=port_based, eir_mbps=eir_mbps)
        product = {"productOffering": {"id": ACCESS_ELINE}, "productConfiguration": configuration, "place": [place]}
        sonata = self.client(partner.party)
        asked = "SONATA productOfferingQualification"
        try:
            poq = sonata.create_poq({"instantSyncQualification": True, "relatedContactInformation": [self.contact],
                                     "productOfferingQualificationItem": [
                                         {"id": "1", "action": "add", "product": product}]})
            item = poq["productOfferingQualificationItem"][0]
            if poq.get("state") != "done.ready" or item.get("serviceabilityConfidence") not in ("green", "yellow"):
                why = item.get("serviceabilityConfidenceReason") or _termination(item) or f"POQ {poq.get('state')}"
                return PartnerOffer(partner.party, False, f"{partner.name} cannot serve it: {why}",
                                    poq_id=poq["id"], place=place, name=partner.name)
            asked = "SONATA quote"
            quote = sonata.create_quote({"instantSyncQuote": True, "buyerRequestedQuoteLevel": "firm", "quoteItem": [
                {"id": "1", "action": "add", "product": product,
                 "productOfferingQualificationItem": {"id": "1", "productOfferingQualificationId": poq["id"]}}]})
        except SonataError as exc:
            # A 4xx is the partner's answer (it refused); anything else is no answer yet.
            answered = isinstance(exc, SonataHttpError) and 400 <= exc.status < 500 and exc.status not in (408, 429)
            log.warning("partner %s could not be asked about %s: %s", partner.party, place.get("city"), exc)
            return PartnerOffer(partner.party, False, f"{partner.name} could not be asked: {exc}", place=place,
                                answered=answered, asked=None if answered else asked, name=partner.name)
        quoted = quote["quoteItem"][0]
        price = quote_price(quoted)
        lead = interval_days(quoted.get("quoteItemInstallationInterval")) or interval_days(
            item.get("installationInterval"))
        if quote.get("state") not in ("approved.orderable", "answered") or price is None or lead is None:
            why = _termination(quoted) or f"quote {quote.get('state')} without a price and lead time"
            return PartnerOffer(partner.party, False, f"{partner.name} gave no usable quote: {why}",
                                poq_id=poq["id"], quote_id=quote.get("id"), place=place, name=partner.name)
        return PartnerOffer(partner.party, True, f"{partner.name} qualified it ({item['serviceabilityConfidence']})",
                            price=price, lead_time_days=lead, poq_id=poq["id"], quote_id=quote["id"],
                            quote_item_id=quoted.get("id"), place=place, name=partner.name)

    def qualify_change(self, party: str, reference: str, mbps: int, *,
                       ce_vlan: int | None = None) -> tuple[bool, bool, str] | None:
        """Ask `party` (over SONATA) whether the Access E-Line it delivered on our product order
        `reference` can change to `mbps`, and to CE-VLAN `ce_vlan` at its UNI when given: a POQ
        item `modify` of its product. (serviceable, firm, reason); None when the partner is not
        one we buy from over SONATA."""
        partner = self._partners.get(party)
        if partner is None or partner.ordering != "sonata":
            return None
        sonata = self.client(party)
        name = partner.name
        try:
            found = sonata.list_products(productOrderId=reference).items
            if not found:
                return False, True, f"{name} has no product for our order {reference}"
            product = found[0]
            configuration = _with_cir(product.get("productConfiguration") or {}, mbps)
            if ce_vlan is not None:
                uni = dict(configuration.get("uniEp") or {})
                uni["ovcEndPointMap"] = {**(uni.get("ovcEndPointMap") or {}), "ovcEndPointMapFormU": [ce_vlan]}
                configuration = {**configuration, "uniEp": uni}
            poq = sonata.create_poq({"instantSyncQualification": True, "relatedContactInformation": [self.contact],
                                     "productOfferingQualificationItem": [{"id": "1", "action": "modify", "product": {
                                         "id": product["id"], "productOffering": {"id": ACCESS_ELINE},
                                         "productConfiguration": configuration}}]})
        except SonataError as exc:
            return True, False, f"{name} could not be asked about its segment ({exc}): not firm"
        item = poq["productOfferingQualificationItem"][0]
        color = item.get("serviceabilityConfidence")
        why = item.get("serviceabilityConfidenceReason") or _termination(item) or f"POQ {poq.get('state')}"
        if color not in ("green", "yellow"):
            return False, True, f"{name} cannot change its segment: {why}"
        return True, color == "green", f"{name} can change its segment ({color})"

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()


def _termination(item: dict[str, Any]) -> str | None:
    errors = item.get("terminationError") or []
    return "; ".join(str(e.get("value") or e.get("code")) for e in errors) or None
