"""The product catalog: what this domain sells, to whom, at what price and how fast.

Customers buy over CANTATA (EPL, EVPL, Internet Access); other providers buy the wholesale
Access E-Line over SONATA, the access leg they need to reach their own customer. Which family
sees which offering is decided here and nowhere else. Prices are per bandwidth tier in USD,
scaled by the domain's `price_factor` so a partner domain can be cheaper or dearer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from cadenza.bus import product_schemas as ps
from cadenza.core.errors import NotFound, Unprocessable

__all__ = ["Family", "Kind", "Tier", "Price", "Category", "Offering", "CATEGORIES", "OFFERINGS", "CATALOG_DATE",
           "Catalog"]

Family = Literal["cantata", "sonata"]
Kind = Literal["evc", "access", "internet"]  # what fulfilment builds: EVC between UNIs, OVC to an ENNI, IPVC
CATALOG_DATE = datetime(2026, 1, 5, tzinfo=UTC)  # when this catalog was last published


@dataclass(frozen=True, slots=True)
class Tier:
    mbps: int
    nrc: float  # one-time installation charge
    mrc: float  # monthly recurring charge


@dataclass(frozen=True, slots=True)
class Price:
    nrc: float
    mrc: float
    currency: str
    tier_mbps: int  # the tier the bandwidth was priced at (the smallest one that carries it)


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class Offering:
    id: str
    name: str
    description: str
    spec_type: str  # the MEF product schema @type, also the Product Specification id
    spec_name: str
    category: str
    kind: Kind
    family: Family
    tiers: tuple[Tier, ...]
    lead_days_on_net: int
    lead_days_off_net: int  # a partner's access leg comes first
    lifecycle_status: str = "orderable"


def _tiers(*rows: tuple[int, float, float]) -> tuple[Tier, ...]:
    return tuple(Tier(mbps, nrc, mrc) for mbps, nrc, mrc in rows)


CATEGORIES = (
    Category("carrier-ethernet", "Carrier Ethernet", "Point-to-point Ethernet services between your sites (MEF 125)"),
    Category("internet", "Internet Access", "Dedicated Internet Access at your site (MEF 139)"),
    Category("wholesale-access", "Wholesale Access", "Access E-Line from a customer UNI to your ENNI (MEF 106)"),
)

OFFERINGS = (
    Offering("epl", "Ethernet Private Line", "Port-based point-to-point EVC between two UNIs, all service frames "
             "carried (MEF 6.3 EPL)", ps.EPL_EVC, "MEF 125 EPL EVC", "carrier-ethernet", "evc", "cantata",
             _tiers((10, 1000, 450), (50, 1000, 600), (100, 1000, 750), (200, 1000, 950), (500, 1000, 1400),
                    (1000, 1000, 1900)), 10, 30),
    Offering("evpl", "Ethernet Virtual Private Line", "VLAN-based point-to-point EVC between two UNIs (MEF 6.3 "
             "EVPL)", ps.EVPL_EVC, "MEF 125 EVPL EVC", "carrier-ethernet", "evc", "cantata",
             _tiers((10, 750, 350), (50, 750, 480), (100, 750, 600), (200, 750, 780), (500, 750, 1150),
                    (1000, 750, 1600)), 10, 30),
    Offering("internet-access", "Basic Internet Access", "Internet access with one IPv4 address by DHCP at one "
             "UNI (MEF 139 Basic Internet Access)", ps.BASIC_INTERNET_ACCESS, "MEF 139 Basic Internet Access",
             "internet", "internet", "cantata",
             _tiers((10, 500, 200), (50, 500, 300), (100, 500, 400), (200, 500, 550), (500, 500, 900),
                    (1000, 500, 1300)), 7, 25),
    Offering("access-eline", "Access E-Line", "Point-to-point OVC from a UNI on our network to the buyer's ENNI, "
             "S-VLAN per service (MEF 106 Access E-Line)", ps.ACCESS_ELINE_OVC, "MEF 106 Access E-Line OVC",
             "wholesale-access", "access", "sonata",
             _tiers((10, 600, 250), (50, 600, 340), (100, 600, 420), (200, 600, 540), (500, 600, 800),
                    (1000, 600, 1100)), 15, 35),
)


class Catalog:
    """The offerings, as one domain sells them (its prices scaled by `price_factor`)."""

    def __init__(self, *, price_factor: float = 1.0, currency: str = "USD") -> None:
        self.price_factor = price_factor
        self.currency = currency
        self._by_id = {o.id: o for o in OFFERINGS}

    def offerings(self, family: Family) -> list[Offering]:
        return [o for o in OFFERINGS if o.family == family]

    def sells(self, offering_id: str, family: str) -> bool:
        offering = self._by_id.get(offering_id)
        return offering is not None and offering.family == family

    def offering(self, offering_id: str, family: Family | None = None) -> Offering:
        """The offering; NotFound when it does not exist, or is not sold to `family`."""
        offering = self._by_id.get(offering_id)
        if offering is None or (family is not None and offering.family != family):
            known = ", ".join(o.id for o in OFFERINGS if family is None or o.family == family)
            raise NotFound(f"No product offering '{offering_id}' here; offered: {known}")
        return offering

    def kind_of(self, offering_id: str, family: str) -> Kind | None:
        return self._by_id[offering_id].kind if self.sells(offering_id, family) else None

    def categories(self, family: Family) -> list[Category]:
        used = {o.category for o in self.offerings(family)}
        return [c for c in CATEGORIES if c.id in used]

    def price(self, offering_id: str, mbps: int) -> Price:
        """Charges for `mbps` of the offering, at the smallest tier that carries it."""
        offering = self.offering(offering_id)
        tier = next((t for t in offering.tiers if t.mbps >= mbps), None)
        if mbps <= 0 or tier is None:
            top = offering.tiers[-1].mbps
            raise Unprocessable(f"{offering.name} is sold from 1 to {top} Mbit/s; {mbps} Mbit/s was asked for")
        return Price(nrc=round(tier.nrc * self.price_factor, 2), mrc=round(tier.mrc * self.price_factor, 2),
                     currency=self.currency, tier_mbps=tier.mbps)

    def lead_time_days(self, offering_id: str, off_net: bool) -> int:
        offering = self.offering(offering_id)
        return offering.lead_days_off_net if off_net else offering.lead_days_on_net
