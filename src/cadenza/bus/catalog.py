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

__all__ = ["CHANGE_CHARGE_SHARE", "TERMINATION_CHARGE", "EIR_SHARE",
           "Family", "Kind", "Tier", "Price", "Category", "Offering", "CATEGORIES", "OFFERINGS",
           "CATALOG_DATE", "Catalog"]

Family = Literal["cantata", "sonata"]
# What fulfilment builds: an EVC between UNIs, an OVC to an ENNI, an IPVC, or a UNI (the port the
# others attach to; MEF 125 and MEF 106 order it as an item of its own).
Kind = Literal["evc", "access", "internet", "uni"]
CATALOG_DATE = datetime(2026, 1, 5, tzinfo=UTC)  # when this catalog was last published
# A change of an existing product (its bandwidth) costs this share of the offering's installation
# charge, once; a disconnect costs nothing (docs/catalog.md, Changes and disconnects).
CHANGE_CHARGE_SHARE = 0.1
TERMINATION_CHARGE = 0.0
EIR_SHARE = 0.25  # an excess (best-effort) Mbit/s costs a quarter of a committed one, tier for tier


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
    tier_mbps: int  # the tier the committed rate was priced at (the smallest one that carries it; 0: none)
    eir_tier_mbps: int = 0  # the tier the excess rate was priced at


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
    # A UNI is priced per port by its speed (the physical link of its configuration), not per Mbit/s of service.
    Offering("uni", "Carrier Ethernet UNI", "A subscriber UNI at your site: the Ethernet port your EPL and EVPL "
             "services attach to (MEF 125 Subscriber UNI)", ps.SUBSCRIBER_UNI, "MEF 125 Carrier Ethernet Subscriber "
             "UNI", "carrier-ethernet", "uni", "cantata", _tiers((100, 300, 60), (1000, 500, 100), (10000, 1500, 350)),
             5, 30),
    Offering("access-eline", "Access E-Line", "Point-to-point OVC from a UNI on our network to the buyer's ENNI, "
             "S-VLAN per service (MEF 106 Access E-Line)", ps.ACCESS_ELINE_OVC, "MEF 106 Access E-Line OVC",
             "wholesale-access", "access", "sonata",
             _tiers((10, 600, 250), (50, 600, 340), (100, 600, 420), (200, 600, 540), (500, 600, 800),
                    (1000, 600, 1100)), 15, 35),
    Offering("operator-uni", "Operator UNI", "An operator UNI at your customer's site, for your Access E-Lines "
             "(MEF 106 Operator UNI)", ps.OPERATOR_UNI, "MEF 106 Carrier Ethernet Operator UNI", "wholesale-access",
             "uni", "sonata", _tiers((100, 250, 50), (1000, 400, 80), (10000, 1200, 300)), 10, 35),
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

    def price(self, offering_id: str, mbps: int, *, eir_mbps: int = 0) -> Price:
        """Charges for a committed `mbps` and an excess `eir_mbps` of the offering: the committed rate
        at the smallest tier that carries it, the excess rate at EIR_SHARE of its tier's monthly
        charge (it is best effort: configured, never reserved). A UNI's `mbps` is its port speed."""
        offering = self.offering(offering_id)
        top = offering.tiers[-1].mbps
        committed = next((t for t in offering.tiers if t.mbps >= mbps), None) if mbps > 0 else None
        excess = next((t for t in offering.tiers if t.mbps >= eir_mbps), None) if eir_mbps > 0 else None
        if mbps < 0 or eir_mbps < 0 or (committed is None and excess is None) or (mbps > 0 and committed is None) \
                or (eir_mbps > 0 and excess is None):
            asked = f"{mbps} Mbit/s" + (f" + {eir_mbps} Mbit/s excess" if eir_mbps else "")
            raise Unprocessable(f"{offering.name} is sold from 1 to {top} Mbit/s; {asked} was asked for")
        install = (committed or excess).nrc  # type: ignore[union-attr]
        monthly = (committed.mrc if committed else 0.0) + EIR_SHARE * (excess.mrc if excess else 0.0)
        return Price(nrc=round(install * self.price_factor, 2), mrc=round(monthly * self.price_factor, 2),
                     currency=self.currency, tier_mbps=committed.mbps if committed else 0,
                     eir_tier_mbps=excess.mbps if excess else 0)

    def lead_time_days(self, offering_id: str, off_net: bool) -> int:
        offering = self.offering(offering_id)
        return offering.lead_days_off_net if off_net else offering.lead_days_on_net
