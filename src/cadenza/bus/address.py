"""Geographic addresses (MEF 79): the ones this domain knows, and validating what a buyer types.

Known addresses are those of the domain's sites. A customer sees an address only when one of
its sites is public or the customer's own. An address in a city of a partner's footprint is
not known here but can still be served (off-net): validation accepts it as given and gives it
an id that encodes the address itself, so it resolves in any process and after a restart
without storing anything.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass, replace
from difflib import SequenceMatcher
from typing import Literal

from cadenza.bus.settings import BusSettings
from cadenza.core.errors import NotFound

__all__ = ["Fields", "Address", "Validation", "ValidationResult", "AddressBook", "normalize", "footprint_address",
           "fielded"]

ValidationResult = Literal["success", "partial", "fail"]
_FOOTPRINT = "fp-"
_ABBREVIATIONS = {"st": "street", "str": "street", "ave": "avenue", "av": "avenue", "rd": "road", "dr": "drive",
                  "blvd": "boulevard", "ln": "lane", "pl": "place", "ct": "court", "sq": "square", "hwy": "highway",
                  "pkwy": "parkway", "ter": "terrace"}
_COUNTRIES = {"usa": "us", "united states": "us", "united states of america": "us"}
_CONFIDENT = 0.92  # similarity above which a misspelt address is still the same building
_NEAR = 0.8  # similar enough to offer as an alternate (the next building, the same street)


def normalize(text: str | None) -> str:
    words = (text or "").replace(".", " ").replace(",", " ").casefold().split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


@dataclass(frozen=True, slots=True)
class Fields:
    """A fielded address (MEF FieldedAddress) as submitted or known."""

    street_name: str
    city: str
    country: str
    street_nr: str | None = None
    street_type: str | None = None
    postcode: str | None = None
    state_or_province: str | None = None

    def key(self) -> str:
        return " ".join((normalize(self.street_nr), normalize(f"{self.street_name} {self.street_type or ''}"),
                         normalize(self.city)))

    def same_place(self, other: Fields) -> bool:
        country = _COUNTRIES.get(normalize(self.country), normalize(self.country))
        other_country = _COUNTRIES.get(normalize(other.country), normalize(other.country))
        postcodes_agree = not self.postcode or not other.postcode or normalize(self.postcode) == normalize(
            other.postcode)
        return self.key() == other.key() and country == other_country and postcodes_agree

    def likeness(self, other: Fields) -> float:
        """0..1, led by the street: a neighbour on the same street is alike, the next street is not."""
        street = SequenceMatcher(None, normalize(f"{self.street_name} {self.street_type or ''}"),
                                 normalize(f"{other.street_name} {other.street_type or ''}")).ratio()
        city = SequenceMatcher(None, normalize(self.city), normalize(other.city)).ratio()
        return 0.6 * street + 0.3 * city + 0.1 * (normalize(self.street_nr) == normalize(other.street_nr))


@dataclass(frozen=True, slots=True)
class Address:
    id: str
    fields: Fields
    partners: tuple[str, ...] = ()  # off-net: the partners whose footprint covers it; () on-net
    has_public_site: bool = False

    @property
    def on_net(self) -> bool:
        return not self.partners


@dataclass(frozen=True, slots=True)
class Validation:
    result: ValidationResult
    best_match: Address | None
    alternates: list[Address]


class AddressBook:
    def __init__(self, config: BusSettings) -> None:
        self._known: dict[str, Address] = {}
        self._owners: dict[str, set[str | None]] = {}
        for site in config.sites:
            a = site.address
            fields = Fields(street_nr=a.street_nr, street_name=a.street_name, street_type=a.street_type,
                            city=a.city, postcode=a.postcode, state_or_province=a.state_or_province,
                            country=a.country)
            known = self._known.get(site.address_id, Address(site.address_id, fields))
            self._known[site.address_id] = replace(known, has_public_site=known.has_public_site or not site.customer)
            self._owners.setdefault(site.address_id, set()).add(site.customer)
        self._footprint: dict[str, list[str]] = {}
        for partner in config.partners:
            for city in partner.cities:
                self._footprint.setdefault(normalize(city), []).append(partner.party)

    def visible(self, address_id: str, party: str | None) -> bool:
        """`party` None is the domain itself (operators), which sees everything."""
        owners = self._owners.get(address_id, set())
        return party is None or None in owners or party in owners

    def known(self, *, party: str | None) -> list[Address]:
        return [a for a in self._known.values() if self.visible(a.id, party)]

    def get(self, address_id: str, *, party: str | None) -> Address:
        if address_id in self._known and self.visible(address_id, party):
            return self._known[address_id]
        footprint = _decode(address_id)
        if footprint is not None and self._footprint.get(normalize(footprint.city)):
            return self._off_net(footprint)
        raise NotFound(f"No geographic address with id '{address_id}': validate the address first "
                       "(POST geographicAddressValidation) and use the id it returns")

    def validate(self, submitted: Fields, *, party: str | None, off_net: bool = True) -> Validation:
        """MEF 79 address validation; `off_net` accepts addresses in partners' footprints."""
        ranked = sorted(self.known(party=party), key=lambda a: submitted.likeness(a.fields), reverse=True)
        same_city = [a for a in ranked if normalize(a.fields.city) == normalize(submitted.city)]
        best = next((a for a in ranked if a.fields.same_place(submitted)), None)
        if best is None and same_city and submitted.likeness(same_city[0].fields) >= _CONFIDENT:
            best = same_city[0]
        if best is None and off_net and self._footprint.get(normalize(submitted.city)):
            best = self._off_net(submitted)
        if best is not None:
            near = [a for a in same_city if a.id != best.id and submitted.likeness(a.fields) >= _NEAR]
            return Validation("success", best, near[:5])
        alternates = same_city or [a for a in ranked if submitted.likeness(a.fields) >= _NEAR]
        return Validation("partial" if alternates else "fail", None, alternates[:5])

    def _off_net(self, fields: Fields) -> Address:
        return Address(_encode(fields), fields, tuple(self._footprint[normalize(fields.city)]))


def _encode(fields: Fields) -> str:
    compact = json.dumps({k: v for k, v in asdict(fields).items() if v}, separators=(",", ":"), sort_keys=True)
    return _FOOTPRINT + base64.urlsafe_b64encode(compact.encode()).decode().rstrip("=")


def footprint_address(address_id: str) -> Fields | None:
    """The address an off-net id (`fp-...`, from a successful validation) stands for; None for any
    other id. POQ, quote and order read such ids with this, so they need nothing stored."""
    return _decode(address_id)


def fielded(fields: Fields, *, role: str = "INSTALL_LOCATION") -> dict[str, str]:
    """The MEF FieldedAddress of `fields`, as partners are asked about it."""
    doc = {"@type": "FieldedAddress", "role": role, "streetNr": fields.street_nr, "streetName": fields.street_name,
           "streetType": fields.street_type, "city": fields.city, "postcode": fields.postcode,
           "stateOrProvince": fields.state_or_province, "country": fields.country}
    return {k: v for k, v in doc.items() if v}


def _decode(address_id: str) -> Fields | None:
    if not address_id.startswith(_FOOTPRINT):
        return None
    text = address_id.removeprefix(_FOOTPRINT)
    try:
        return Fields(**json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))))
    except (binascii.Error, ValueError, TypeError):
        return None
