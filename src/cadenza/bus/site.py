"""Geographic sites (MEF 79 Service Sites): where this domain can install a product.

A site with no customer is public (a building anyone may order at, a meet-me room); a site of
a customer is private and only that customer learns it exists, as MEF 79 asks.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from cadenza.bus.address import Address, AddressBook, normalize
from cadenza.bus.settings import BusSettings
from cadenza.core.errors import NotFound

__all__ = ["Site", "SiteQuery", "SiteDirectory"]


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    name: str
    address: Address
    customer: str | None
    edge_point: str | None  # the UNI serving it, None while it waits for one

    @property
    def site_type(self) -> str:
        return "private" if self.customer else "public"


@dataclass(frozen=True, slots=True)
class SiteQuery:
    """The spec's listGeographicSite filters; None means any. Compared as people write them."""

    address_id: str | None = None
    name: str | None = None
    site_type: str | None = None
    customer_name: str | None = None
    street_nr: str | None = None
    street_name: str | None = None
    street_type: str | None = None
    city: str | None = None
    postcode: str | None = None
    country: str | None = None

    def matches(self, site: Site) -> bool:
        a = site.address.fields
        actual = {"address_id": site.address.id, "name": site.name, "site_type": site.site_type,
                  "customer_name": site.customer, "street_nr": a.street_nr, "street_name": a.street_name,
                  "street_type": a.street_type, "city": a.city, "postcode": a.postcode, "country": a.country}
        return all(normalize(str(getattr(self, f.name))) == normalize(actual[f.name])
                   for f in fields(self) if getattr(self, f.name) is not None)


class SiteDirectory:
    def __init__(self, config: BusSettings, addresses: AddressBook) -> None:
        self._sites = {s.id: Site(s.id, s.name, addresses.get(s.address_id, party=None), s.customer, s.edge_point)
                       for s in config.sites}

    @staticmethod
    def visible(site: Site, party: str | None) -> bool:
        """`party` None is the domain itself (operators), which sees every site."""
        return party is None or site.customer is None or site.customer == party

    def get(self, site_id: str, *, party: str | None) -> Site:
        site = self._sites.get(site_id)
        if site is None or not self.visible(site, party):
            raise NotFound(f"No geographic site with id '{site_id}': list your sites with GET geographicSite")
        return site

    def find(self, query: SiteQuery, *, party: str | None) -> list[Site]:
        return [s for s in self._sites.values() if self.visible(s, party) and query.matches(s)]
