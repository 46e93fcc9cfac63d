"""Address matching, off-net addresses and site visibility, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from cadenza.bus.address import AddressBook, Fields
from cadenza.bus.settings import BusSettings
from cadenza.bus.site import SiteDirectory, SiteQuery
from cadenza.core.errors import NotFound


def _site(n: int, street: str, customer: str | None, city: str = "Metropolis") -> dict[str, Any]:
    return {"id": f"site-{n}", "name": f"Building {n}", "address_id": f"addr-{n}", "customer": customer,
            "address": {"street_nr": str(n), "street_name": street, "street_type": "Avenue", "city": city,
                        "postcode": "10001", "country": "US"}}


CONFIG = BusSettings.model_validate({
    "name": "sp", "party": {"id": "sp", "name": "SP"}, "network_domains": [],
    "sites": [_site(1, "Oak", None), _site(2, "Oak", "acme"), _site(3, "Pine", "globex")],
    "partners": [{"party": "p1", "name": "P1", "url": "http://p1", "client_id": "sp", "client_secret": "s3cret-s3cret",
                  "enni": "e1", "partner_enni": "e2", "cities": ["Ogdenville"]},
                 {"party": "p2", "name": "P2", "url": "http://p2", "client_id": "sp", "client_secret": "s3cret-s3cret",
                  "enni": "e3", "partner_enni": "e4", "cities": ["ogdenville"]}],
})


@pytest.fixture
def book() -> AddressBook:
    return AddressBook(CONFIG)


def test_abbreviations_case_and_country_names_do_not_matter(book: AddressBook) -> None:
    result = book.validate(Fields("OAK", "metropolis", "USA", "1", "Ave."), party="acme")
    assert (result.result, result.best_match and result.best_match.id) == ("success", "addr-1")


def test_the_neighbour_on_the_same_street_is_an_alternate_the_next_street_is_not(book: AddressBook) -> None:
    result = book.validate(Fields("Oak", "Metropolis", "US", "1", "Avenue"), party="globex")
    assert [a.id for a in result.alternates] == []  # addr-2 is acme's alone
    result = book.validate(Fields("Oak", "Metropolis", "US", "1", "Avenue"), party="acme")
    assert [a.id for a in result.alternates] == ["addr-2"]


def test_an_address_in_a_partner_city_gets_an_id_that_resolves_anywhere(book: AddressBook) -> None:
    result = book.validate(Fields("Elm", "Ogdenville", "US", "5"), party="acme")
    assert result.result == "success" and result.best_match is not None
    assert result.best_match.partners == ("p1", "p2") and not result.best_match.on_net
    again = AddressBook(CONFIG).get(result.best_match.id, party="someone-else")
    assert again.fields == Fields("Elm", "Ogdenville", "US", "5")


def test_partner_cities_count_only_when_off_net_is_allowed(book: AddressBook) -> None:
    assert book.validate(Fields("Elm", "Ogdenville", "US", "5"), party="x", off_net=False).result == "fail"


@pytest.mark.parametrize("address_id", ["addr-3", "fp-", "fp-@@@", "fp-bnVsbA", "nope"])
def test_hidden_or_malformed_ids_are_not_found(book: AddressBook, address_id: str) -> None:
    with pytest.raises(NotFound):
        book.get(address_id, party="acme")


def test_sites_are_public_or_the_callers_own(book: AddressBook) -> None:
    sites = SiteDirectory(CONFIG, book)
    assert [s.id for s in sites.find(SiteQuery(), party="acme")] == ["site-1", "site-2"]
    assert [s.id for s in sites.find(SiteQuery(site_type="private"), party=None)] == ["site-2", "site-3"]
    assert [s.id for s in sites.find(SiteQuery(street_name="pine", street_type="AVENUE"), party="globex")] == ["site-3"]
    with pytest.raises(NotFound):
        sites.get("site-3", party="acme")
