"""MEF 55.0.1 §10.2 steps 3a-3d: can this domain serve a product at a place, and how.

A place is on-net when it is one of the domain's sites with an edge point (a UNI in its own
network); off-net when its city lies in a partner's advertised footprint and a partner,
asked over SONATA (POQ and quote for its Access E-Line), says yes; otherwise it is not
serviceable, and the reason says what the customer can do about it.

The partners that could serve a place are asked through `asks`: in a domain, durably and all at
once (bus.partner_asks); by default one after another, for code that runs outside a domain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from cadenza.bus.address import fielded, footprint_address
from cadenza.bus.partner_policy import PartnerChoice, PartnerOffer, choose_partner
from cadenza.bus.settings import AddressSettings, PartnerSettings, SiteSettings

__all__ = ["Location", "PlaceVerdict", "PlaceError", "PartnerAsk", "PartnerAsks", "PartnerProbe", "PriceBook",
           "Priced", "Serviceability", "fielded_address"]

Kind = Literal["onNet", "offNet", "notServiceable"]
_SUPPORTED = "GeographicSiteRef (a site id), GeographicAddressRef (an address id) or FieldedAddress"


class PlaceError(ValueError):
    """The place cannot be read at all (unknown reference, unsupported form): the Buyer's to fix."""

    def __init__(self, reason: str, *, code: str, pointer: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.pointer = pointer


class PartnerProbe(Protocol):
    """The SONATA side (bus.partners.PartnerDirectory), as serviceability needs it."""

    def partners_for(self, city: str) -> list[PartnerSettings]: ...

    def partner(self, party: str) -> PartnerSettings: ...

    def qualify_and_quote(self, partner: PartnerSettings, place: dict[str, Any], mbps: int, *,
                          ce_vlan: int | None = None, port_based: bool = False, eir_mbps: int = 0
                          ) -> PartnerOffer: ...


@dataclass(frozen=True, slots=True)
class PartnerAsk:
    """One question to one partner: its Access E-Line at `place` (bus.partners.qualify_and_quote).
    The partner by its party id: a durable ask keeps its question, never the partner's credentials."""

    party: str
    place: dict[str, Any]
    mbps: int
    ce_vlan: int | None = None
    port_based: bool = False
    eir_mbps: int = 0

    def put_to(self, probe: PartnerProbe) -> PartnerOffer:
        return probe.qualify_and_quote(probe.partner(self.party), self.place, self.mbps, ce_vlan=self.ce_vlan,
                                       port_based=self.port_based, eir_mbps=self.eir_mbps)


# Asks every partner its question; the answers in the same order.
PartnerAsks = Callable[[list[PartnerAsk]], list[PartnerOffer]]


class Priced(Protocol):
    nrc: float
    mrc: float
    currency: str


class PriceBook(Protocol):
    """What POQ and quote need of the product catalog (bus.catalog)."""

    def sells(self, offering_id: str, family: str) -> bool:
        """Whether `offering_id` is offered to this API family (customers or buying providers)."""

    def price(self, offering_id: str, mbps: int, *, eir_mbps: int = 0) -> Priced: ...

    def kind_of(self, offering_id: str, family: str) -> str | None:
        """What the offering is ("evc", "access", "uni", "internet"), None when not sold to `family`."""

    def lead_time_days(self, offering_id: str, off_net: bool) -> int: ...


@dataclass(frozen=True, slots=True)
class Location:
    site: SiteSettings | None  # one of this domain's sites, when the place names or matches one
    address: dict[str, Any]  # the place as a FieldedAddress, the form partners are asked about
    city: str


@dataclass(frozen=True, slots=True)
class PlaceVerdict:
    kind: Kind
    reason: str
    location: Location
    choice: PartnerChoice | None = None

    @property
    def offer(self) -> PartnerOffer | None:
        return self.choice.chosen if self.choice else None

    @property
    def unanswered(self) -> tuple[PartnerOffer, ...]:
        """The partners that could serve the place and gave no answer (timed out, unreachable, 5xx)."""
        return tuple(o for o in (self.choice.alternatives if self.choice else ()) if not o.answered)

    @property
    def undecided(self) -> bool:
        """Not served so far only because a partner that could serve it has not answered yet."""
        return self.kind == "notServiceable" and bool(self.unanswered)


def fielded_address(address: AddressSettings, *, role: str = "INSTALL_LOCATION") -> dict[str, Any]:
    doc = {"@type": "FieldedAddress", "role": role, "streetNr": address.street_nr,
           "streetName": address.street_name, "streetType": address.street_type, "city": address.city,
           "postcode": address.postcode, "stateOrProvince": address.state_or_province, "country": address.country}
    return {k: v for k, v in doc.items() if v is not None}


def _norm(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


class Serviceability:
    def __init__(self, sites: list[SiteSettings], partners: PartnerProbe | None, *, currency: str,
                 network: Any = None, asks: PartnerAsks | None = None) -> None:
        self._sites = {s.id: s for s in sites}
        self._partners = partners
        self._asks = asks or self._ask_in_turn
        self.currency = currency
        # bus.feasibility.NetworkFeasibility: what our network can carry now (None: a domain
        # without a network of its own, as some tests build)
        self.network = network

    def locate(self, place: dict[str, Any], *, party: str | None, pointer: str) -> Location:
        """Read one `RelatedPlaceRefOrValue`; `party` None means the domain itself (sees all sites)."""
        kind = place.get("@type")
        role = str(place.get("role") or "INSTALL_LOCATION")
        if kind == "GeographicSiteRef":
            site = self._sites.get(str(place.get("id")))
            if site is None or not self._visible(site, party):
                raise PlaceError(f"No site with id '{place.get('id')}': use the id of one of your sites from the "
                                 "Geographic Site API, or give the address", code="referenceNotFound",
                                 pointer=f"{pointer}/id")
            return Location(site, fielded_address(site.address, role=role), site.address.city)
        if kind == "GeographicAddressRef":
            site = next((s for s in self._sites.values() if s.address_id == place.get("id")), None)
            validated = footprint_address(str(place.get("id"))) if site is None else None
            if validated is not None:  # an off-net address id that address validation gave out
                return Location(None, fielded(validated, role=role), validated.city)
            if site is None:
                raise PlaceError(f"No address with id '{place.get('id')}': validate the address with the Geographic "
                                 "Address API first, or give it as a FieldedAddress", code="referenceNotFound",
                                 pointer=f"{pointer}/id")
            on_site = site if self._visible(site, party) else None
            return Location(on_site, fielded_address(site.address, role=role), site.address.city)
        if kind in ("FieldedAddress", "FormattedAddress"):
            if not place.get("city"):
                raise PlaceError("The address has no city", code="missingProperty", pointer=f"{pointer}/city")
            return Location(self._site_at(place, party), dict(place), str(place["city"]))
        raise PlaceError(f"Places of type '{kind}' are not served here; give a {_SUPPORTED}",
                         code="invalidValue", pointer=f"{pointer}/@type")

    @staticmethod
    def on_net(location: Location) -> bool:
        return location.site is not None and location.site.edge_point is not None

    def assess(self, location: Location, *, mbps: int | None, ce_vlan: int | None = None,
               port_based: bool = False, eir_mbps: int = 0, partner: str | None = None) -> PlaceVerdict:
        """`ce_vlan` / `port_based`: how an off-net end attaches at the partner's UNI, when known;
        `mbps` and `eir_mbps`: the committed and excess rate a partner is asked about; `partner`:
        the one partner to ask (the place is a UNI it provides, so its line is there already)."""
        site = location.site
        if site is not None and site.edge_point:
            return PlaceVerdict("onNet", f"On-net: site {site.id} is served at {site.edge_point}", location)
        candidates = self._partners.partners_for(location.city) if self._partners else []
        if partner is not None:
            candidates = [p for p in candidates if p.party == partner]
            if not candidates:
                return PlaceVerdict("notServiceable", f"The UNI at {location.city} is provided by {partner}, which no "
                                    f"longer serves {location.city}", location)
        if not candidates:
            return PlaceVerdict("notServiceable", f"{location.city} is outside our network and every partner's "
                                "footprint: choose a site in a city we serve, or ask us to extend coverage", location)
        if mbps is None:
            names = ", ".join(p.party for p in candidates)
            return PlaceVerdict("offNet", f"Off-net: {location.city} is in the footprint of {names}; "
                                "give a bandwidth (cir) for a firm answer", location)
        offers = self._asks([PartnerAsk(p.party, location.address, mbps, ce_vlan=ce_vlan, port_based=port_based,
                                        eir_mbps=eir_mbps) for p in candidates])
        choice = choose_partner(offers, currency=self.currency)
        if choice.chosen is None:
            silent = [o for o in offers if not o.answered]
            if silent:
                names = ", ".join(f"{o.name or o.partner} ({o.partner})" for o in silent)
                return PlaceVerdict("notServiceable", f"Not known yet whether {location.city} can be served: {names} "
                                    f"did not answer in time; {choice.reason}", location, choice)
            return PlaceVerdict("notServiceable", choice.reason, location, choice)
        return PlaceVerdict("offNet", f"Off-net via {choice.chosen.partner}: {choice.reason}", location, choice)

    def _ask_in_turn(self, asks: list[PartnerAsk]) -> list[PartnerOffer]:
        partners = self._partners
        assert partners is not None
        return [ask.put_to(partners) for ask in asks]

    @staticmethod
    def _visible(site: SiteSettings, party: str | None) -> bool:
        return party is None or site.customer is None or site.customer == party

    def _site_at(self, place: dict[str, Any], party: str | None) -> SiteSettings | None:
        """The visible site at this street address, if any (street number, street, city, postcode)."""
        for site in self._sites.values():
            a = site.address
            if (_norm(a.city) == _norm(place.get("city")) and _norm(a.street_name) == _norm(place.get("streetName"))
                    and _norm(a.street_nr) == _norm(place.get("streetNr"))
                    and (not place.get("postcode") or _norm(a.postcode) == _norm(place.get("postcode")))
                    and self._visible(site, party)):
                return site
        return None
