"""Where an order item's ends are: resolving the MEF `place` of a product to this domain's
edge points (on-net) or to an address a partner must serve (off-net)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cadenza.bus.address import fielded, footprint_address
from cadenza.bus.settings import BusSettings, SiteSettings
from cadenza.core.errors import Unprocessable

__all__ = ["End", "resolve_place", "address_of"]


@dataclass(frozen=True, slots=True)
class End:
    """One end of a connectivity product: an on-net edge point, or an off-net address."""

    place: dict[str, Any]
    edge_point: str | None = None
    site: SiteSettings | None = None
    address: dict[str, str] | None = None  # MEF FieldedAddress fields, for an off-net end

    @property
    def on_net(self) -> bool:
        return self.edge_point is not None

    @property
    def city(self) -> str | None:
        if self.site is not None:
            return self.site.address.city
        return (self.address or {}).get("city")


def address_of(site: SiteSettings) -> dict[str, str]:
    a = site.address
    fields = {"streetNr": a.street_nr, "streetName": a.street_name, "city": a.city, "postcode": a.postcode,
              "country": a.country}
    if a.street_type:
        fields["streetType"] = a.street_type
    return fields


def _same_address(site: SiteSettings, value: dict[str, Any]) -> bool:
    a = site.address
    return (str(value.get("streetNr", "")).lower() == a.street_nr.lower()
            and str(value.get("streetName", "")).lower() == a.street_name.lower()
            and str(value.get("city", "")).lower() == a.city.lower())


def resolve_place(config: BusSettings, place: dict[str, Any], *, party: str, pointer: str) -> End:
    """A GeographicSiteRef or GeographicAddressRef of ours, or a FieldedAddress value."""
    kind = place.get("@type")
    visible = [s for s in config.sites if s.customer in (None, party)]
    if kind == "GeographicSiteRef":
        site = next((s for s in visible if s.id == place.get("id")), None)
        if site is None:
            raise Unprocessable(f"Unknown site '{place.get('id')}': look sites up with the Geographic Site API",
                                code="referenceNotFound", property_path=f"{pointer}/id")
        return End(place, site.edge_point, site, address_of(site))
    if kind == "GeographicAddressRef":
        site = next((s for s in visible if s.address_id == place.get("id")), None)
        validated = footprint_address(str(place.get("id"))) if site is None else None
        if validated is not None:  # an off-net address id that address validation gave out
            return End(place, None, None, {k: v for k, v in fielded(validated).items()
                                           if k not in ("@type", "role")})
        if site is None:
            raise Unprocessable(f"Unknown address '{place.get('id')}': validate it with the Geographic Address API "
                                "first", code="referenceNotFound", property_path=f"{pointer}/id")
        return End(place, site.edge_point, site, address_of(site))
    if kind == "FieldedAddress":
        for field in ("streetName", "city"):
            if not place.get(field):
                raise Unprocessable(f"A FieldedAddress needs '{field}'", code="missingProperty",
                                    property_path=f"{pointer}/{field}")
        site = next((s for s in visible if _same_address(s, place)), None)
        if site is not None:
            return End(place, site.edge_point, site, address_of(site))
        address = {k: str(place[k]) for k in ("streetNr", "streetName", "streetType", "city", "postcode", "country")
                   if place.get(k)}
        return End(place, None, None, address)
    raise Unprocessable(f"Place @type '{kind}' is not supported here: use GeographicSiteRef, GeographicAddressRef "
                        "or FieldedAddress", code="invalidValue", property_path=f"{pointer}/@type")
