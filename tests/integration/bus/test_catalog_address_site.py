"""Product catalog, geographic address and geographic site over HTTP, for both API families;
every 200 body is checked against the official MEF OpenAPI response schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from cadenza.bus import product_schemas as ps
from cadenza.bus.address import AddressBook
from cadenza.bus.api.address import address_router
from cadenza.bus.api.catalog import catalog_router
from cadenza.bus.api.site import site_router
from cadenza.bus.catalog import Catalog
from cadenza.bus.settings import BusSettings
from cadenza.bus.site import SiteDirectory
from cadenza.core.auth import Authenticator, ClientRegistry
from cadenza.core.db import Database
from cadenza.core.errors import install_error_handlers
from cadenza.core.notifications import HubStore
from tests.helpers.auth import bearer_header, memory_issuer
from tests.helpers.mef import MEF_LSO
from tests.helpers.openapi import assert_conforms

ISSUER = memory_issuer()
CATALOG = {f: f"/mefApi/{f}/productCatalog/v2" for f in ("cantata", "sonata")}
ADDRESS = {"cantata": "/mefApi/cantata/geographicAddressManagement/v1",
           "sonata": "/mefApi/sonata/geographicAddressManagement/v7"}
SITE = {"cantata": "/mefApi/cantata/geographicSiteManagement/v1",
        "sonata": "/mefApi/sonata/geographicSiteManagement/v7"}


def spec(family: str, api: str) -> str:
    return {"catalog": f"{family}/productApi/catalog/productCatalog.api.yaml",
            "address": f"{family}/productApi/serviceability/address/geographicAddressManagement.api.yaml",
            "site": f"{family}/productApi/serviceability/site/geographicSiteManagement.api.yaml"}[api]


def _site(n: int, street: str, customer: str | None) -> dict[str, Any]:
    return {"id": f"site-{n}", "name": f"Building {n}", "address_id": f"addr-{n}", "edge_point": f"uni-{n}",
            "customer": customer, "address": {"street_nr": str(100 + n), "street_name": street,
                                              "street_type": "Street", "city": "Metropolis", "postcode": "10001",
                                              "country": "US"}}


CONFIG = BusSettings.model_validate({
    "name": "sp", "party": {"id": "cadenza-sp", "name": "Cadenza"}, "network_domains": [],
    "sites": [_site(1, "Main", None), _site(2, "Main", None), _site(3, "Harbor", "acme-corp"),
              _site(4, "Park", "globex")],
    "partners": [{"party": "partner-a", "name": "Alpha", "url": "http://127.0.0.1:1", "client_id": "sp",
                  "client_secret": "secret-secret", "enni": "enni-1", "partner_enni": "enni-sp",
                  "cities": ["Springfield"]}],
})


def make_app(database: Database, *, hubs: HubStore | None) -> TestClient:
    app = FastAPI()
    app.state.auth = Authenticator(ClientRegistry(database), ISSUER)
    install_error_handlers(app)
    book = AddressBook(CONFIG)
    sites = SiteDirectory(CONFIG, book)
    for family in ("cantata", "sonata"):
        app.include_router(catalog_router(Catalog(), api_family=family, hub_store=hubs))
        app.include_router(address_router(book, api_family=family))
        app.include_router(site_router(sites, api_family=family))
    return TestClient(app)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """Catalog, addresses and sites come from configuration: no database is read, so one app
    serves every test (tokens are issued directly, the client registry is never asked)."""
    unused = Database("sqlite://")
    yield make_app(unused, hubs=None)
    unused.dispose()


@pytest.fixture
def hub_client(database: Database) -> TestClient:
    return make_app(database, hubs=HubStore(database))


def bearer(party: str, scope: str, role: str = "customer") -> dict[str, str]:
    return bearer_header(ISSUER, party=party, role=role, scopes=[scope])


ACME, GLOBEX = bearer("acme-corp", "cantata"), bearer("globex", "cantata")
BUYER, OPERATOR = bearer("partner-z", "sonata", "buyer"), bearer("cadenza-sp", "cantata", "operator")


def ok(response: Response, family: str, api: str, template: str, method: str = "get") -> Any:
    assert response.status_code == 200, response.text
    assert_conforms(spec(family, api), template, method, 200, response.json())
    return response.json()


def refused(response: Response, status: int, code: str, family: str, api: str, template: str,
            method: str = "get") -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert_conforms(spec(family, api), template, method, status, response.json())
    body = response.json()
    first = body[0] if isinstance(body, list) else body
    assert first["code"] == code
    return first


# --- product catalog -------------------------------------------------------------------------

@pytest.mark.parametrize("family", ["cantata", "sonata"])
def test_every_operation_served_is_one_the_spec_defines(hub_client: TestClient, family: str) -> None:
    openapi = hub_client.app.openapi()  # type: ignore[attr-defined]
    served = {(path, method) for path, ops in openapi["paths"].items() for method in ops}
    for api, base in (("catalog", CATALOG[family]), ("address", ADDRESS[family]), ("site", SITE[family])):
        document = yaml.safe_load((MEF_LSO / spec(family, api)).read_text(encoding="utf-8"))
        ours = {(path.removeprefix(base), method) for path, method in served if path.startswith(base + "/")}
        theirs = {(path, method) for path, ops in document["paths"].items() for method in ops}
        assert ours == theirs, f"{api}: only ours {ours - theirs}, only the spec's {theirs - ours}"


def test_customers_page_through_the_cantata_offerings(client: TestClient) -> None:
    first = client.get(f"{CATALOG['cantata']}/productOffering", params={"limit": 2}, headers=ACME)
    assert [o["id"] for o in ok(first, "cantata", "catalog", "/productOffering")] == ["epl", "evpl"]
    assert (first.headers["X-Total-Count"], first.headers["X-Result-Count"]) == ("4", "2")
    rest = client.get(f"{CATALOG['cantata']}/productOffering", params={"offset": 2}, headers=ACME)
    assert [o["id"] for o in ok(rest, "cantata", "catalog", "/productOffering")] == ["internet-access", "uni"]
    assert (rest.headers["X-Total-Count"], rest.headers["X-Result-Count"]) == ("4", "2")


def test_buyers_see_only_the_wholesale_access_eline_and_its_operator_uni(client: TestClient) -> None:
    listed = client.get(f"{CATALOG['sonata']}/productOffering", headers=BUYER)
    assert [o["id"] for o in ok(listed, "sonata", "catalog", "/productOffering")] == ["access-eline", "operator-uni"]
    offering = ok(client.get(f"{CATALOG['sonata']}/productOffering/access-eline", headers=BUYER),
                  "sonata", "catalog", "/productOffering/{id}")
    assert offering["productSpecification"]["id"] == ps.ACCESS_ELINE_OVC
    hidden = client.get(f"{CATALOG['cantata']}/productOffering/access-eline", headers=ACME)
    assert "epl" in refused(hidden, 404, "notFound", "cantata", "catalog", "/productOffering/{id}")["reason"]


def test_an_offering_names_its_mef_schema_and_prices(client: TestClient) -> None:
    offering = ok(client.get(f"{CATALOG['cantata']}/productOffering/epl", headers=ACME),
                  "cantata", "catalog", "/productOffering/{id}")
    assert offering["lifecycleStatus"] == "orderable" and "USD" in offering["note"][0]["text"]
    spec_id = offering["productSpecification"]["id"]
    specification = ok(client.get(f"{CATALOG['cantata']}/productSpecification/{spec_id}", headers=ACME),
                       "cantata", "catalog", "/productSpecification/{id}")
    assert specification["sourceSchema"]["schemaLocation"].endswith("epl/ethernetPrivateLineEvc.yaml")
    specs = ok(client.get(f"{CATALOG['cantata']}/productSpecification", headers=ACME),
               "cantata", "catalog", "/productSpecification")
    assert {s["id"] for s in specs} == {ps.EPL_EVC, ps.EVPL_EVC, ps.BASIC_INTERNET_ACCESS, ps.SUBSCRIBER_UNI}


def test_categories_group_the_family_offerings(client: TestClient) -> None:
    categories = ok(client.get(f"{CATALOG['cantata']}/category", headers=ACME), "cantata", "catalog", "/category")
    assert {c["id"] for c in categories} == {"carrier-ethernet", "internet"}
    ethernet = ok(client.get(f"{CATALOG['cantata']}/category/carrier-ethernet", headers=ACME),
                  "cantata", "catalog", "/category/{id}")
    assert [o["id"] for o in ethernet["productOffering"]] == ["epl", "evpl", "uni"]
    missing = client.get(f"{CATALOG['cantata']}/category/wholesale-access", headers=ACME)
    refused(missing, 404, "notFound", "cantata", "catalog", "/category/{id}")


def test_offerings_filter_by_category_specification_and_status(client: TestClient) -> None:
    url = f"{CATALOG['cantata']}/productOffering"
    by_category = client.get(url, params={"category.id": "internet", "lifecycleStatus": "orderable"}, headers=ACME)
    assert [o["id"] for o in ok(by_category, "cantata", "catalog", "/productOffering")] == ["internet-access"]
    by_spec = client.get(url, params={"productSpecification.id": ps.EVPL_EVC}, headers=ACME)
    assert [o["id"] for o in ok(by_spec, "cantata", "catalog", "/productOffering")] == ["evpl"]
    later = client.get(url, params={"lastUpdate.gt": "2030-01-01T00:00:00Z"}, headers=ACME)
    assert ok(later, "cantata", "catalog", "/productOffering") == [] and later.headers["X-Total-Count"] == "0"


def test_each_family_needs_its_own_scope(client: TestClient) -> None:
    denied = client.get(f"{CATALOG['sonata']}/productOffering", headers=ACME)
    refused(denied, 403, "accessDenied", "sonata", "catalog", "/productOffering")
    anonymous = client.get(f"{SITE['cantata']}/geographicSite")
    refused(anonymous, 401, "missingCredentials", "cantata", "site", "/geographicSite")


def test_the_catalog_hub_registers_listeners_but_offers_no_event_nothing_can_cause(hub_client: TestClient) -> None:
    client = hub_client
    # nothing changes this catalog while the domain runs (docs/catalog.md), so no event is offered
    asking = {"callback": "https://acme.example/listen", "query": "eventType=productOfferingCreateEvent"}
    refused_query = client.post(f"{CATALOG['cantata']}/hub", headers=ACME, json=asking)
    assert refused_query.status_code == 400 and "publishes no events" in refused_query.json()["reason"]
    listener = {"callback": "https://acme.example/listen"}
    created = client.post(f"{CATALOG['cantata']}/hub", headers=ACME, json=listener)
    assert created.status_code == 201, created.text
    assert_conforms(spec("cantata", "catalog"), "/hub", "post", 201, created.json())
    fetched = client.get(f"{CATALOG['cantata']}/hub/{created.json()['id']}", headers=ACME)
    ok(fetched, "cantata", "catalog", "/hub/{id}")
    assert client.get(f"{CATALOG['cantata']}/hub/{created.json()['id']}", headers=GLOBEX).status_code == 404


# --- geographic address ----------------------------------------------------------------------

def validate(client: TestClient, family: str, address: dict[str, Any], headers: dict[str, str]) -> Response:
    body = {"provideAlternative": True, "submittedGeographicAddress": address}
    return client.post(f"{ADDRESS[family]}/geographicAddressValidation", json=body, headers=headers)


MAIN_101 = {"@type": "FieldedAddress", "streetNr": "101", "streetName": "Main", "streetType": "St",
            "city": "metropolis", "postcode": "10001", "country": "US"}


@pytest.mark.parametrize("family", ["cantata", "sonata"])
def test_a_known_address_validates_with_its_id_and_neighbours(client: TestClient, family: str) -> None:
    headers = ACME if family == "cantata" else BUYER
    result = ok(validate(client, family, MAIN_101, headers), family, "address", "/geographicAddressValidation",
                "post")
    assert result["validationResult"] == "success" and result["bestMatchGeographicAddress"]["id"] == "addr-1"
    assert [a["id"] for a in result["alternateGeographicAddress"]] == ["addr-2"]
    fetched = ok(client.get(f"{ADDRESS[family]}/geographicAddress/addr-1", headers=headers),
                 family, "address", "/geographicAddress/{id}")
    assert (fetched["streetName"], fetched["hasPublicSite"]) == ("Main", True)


def test_a_formatted_address_with_a_typo_still_finds_the_building(client: TestClient) -> None:
    formatted = {"@type": "FormattedAddress", "addrLine1": "102 Mian Street", "city": "Metropolis", "country": "US"}
    result = ok(validate(client, "cantata", formatted, ACME), "cantata", "address", "/geographicAddressValidation",
                "post")
    assert (result["validationResult"], result["bestMatchGeographicAddress"]["id"]) == ("success", "addr-2")


def test_an_unknown_street_in_a_served_city_offers_alternates(client: TestClient) -> None:
    elm = {**MAIN_101, "streetName": "Elm", "streetNr": "7"}
    result = ok(validate(client, "cantata", elm, ACME), "cantata", "address", "/geographicAddressValidation", "post")
    assert result["validationResult"] == "partial" and "bestMatchGeographicAddress" not in result
    assert {a["id"] for a in result["alternateGeographicAddress"]} == {"addr-1", "addr-2", "addr-3"}


def test_a_partner_city_is_serviceable_for_customers_only(client: TestClient) -> None:
    springfield = {"@type": "FieldedAddress", "streetNr": "9", "streetName": "Evergreen", "streetType": "Terrace",
                   "city": "Springfield", "country": "US"}
    result = ok(validate(client, "cantata", springfield, ACME), "cantata", "address",
                "/geographicAddressValidation", "post")
    best = result["bestMatchGeographicAddress"]
    assert result["validationResult"] == "success" and best["city"] == "Springfield"
    again = ok(client.get(f"{ADDRESS['cantata']}/geographicAddress/{best['id']}", headers=GLOBEX),
               "cantata", "address", "/geographicAddress/{id}")
    assert again["streetName"] == "Evergreen"
    over_sonata = ok(validate(client, "sonata", springfield, BUYER), "sonata", "address",
                     "/geographicAddressValidation", "post")
    assert over_sonata["validationResult"] == "fail" and over_sonata["alternateGeographicAddress"] == []


@pytest.mark.parametrize(("body", "path", "code"), [
    ({"submittedGeographicAddress": MAIN_101}, "/provideAlternative", "missingProperty"),
    ({"provideAlternative": True}, "/submittedGeographicAddress", "missingProperty"),
    ({"provideAlternative": True, "submittedGeographicAddress": {**MAIN_101, "@type": "Postcard"}},
     "/submittedGeographicAddress/@type", "invalidValue"),
    ({"provideAlternative": True, "submittedGeographicAddress": {"@type": "FieldedAddress", "city": "Metropolis",
                                                                 "country": "US"}},
     "/submittedGeographicAddress/streetName", "missingProperty"),
])
def test_a_bad_validation_request_gets_a_422_list_naming_the_field(client: TestClient, body: dict, path: str,
                                                                  code: str) -> None:
    response = client.post(f"{ADDRESS['cantata']}/geographicAddressValidation", json=body, headers=ACME)
    error = refused(response, 422, code, "cantata", "address", "/geographicAddressValidation", "post")
    assert error["propertyPath"] == path


def test_a_validation_body_that_is_not_an_object_is_a_bad_request(client: TestClient) -> None:
    response = client.post(f"{ADDRESS['cantata']}/geographicAddressValidation", json=[1], headers=ACME)
    refused(response, 400, "invalidBody", "cantata", "address", "/geographicAddressValidation", "post")


def test_an_unknown_address_id_is_not_found(client: TestClient) -> None:
    for address_id in ("addr-99", "fp-not-base64!"):
        response = client.get(f"{ADDRESS['cantata']}/geographicAddress/{address_id}", headers=ACME)
        refused(response, 404, "notFound", "cantata", "address", "/geographicAddress/{id}")


# --- geographic site and party isolation -----------------------------------------------------

def test_a_customer_sees_public_sites_and_its_own_only(client: TestClient) -> None:
    listed = client.get(f"{SITE['cantata']}/geographicSite", headers=ACME)
    sites = ok(listed, "cantata", "site", "/geographicSite")
    assert [s["id"] for s in sites] == ["site-1", "site-2", "site-3"] and listed.headers["X-Total-Count"] == "3"
    own = ok(client.get(f"{SITE['cantata']}/geographicSite/site-3", headers=ACME),
             "cantata", "site", "/geographicSite/{id}")
    assert (own["siteType"], own["place"][0]) == ("private", {"@type": "GeographicAddressRef", "id": "addr-3",
                                                             "href": own["place"][0]["href"]})
    other = client.get(f"{SITE['cantata']}/geographicSite/site-4", headers=ACME)
    refused(other, 404, "notFound", "cantata", "site", "/geographicSite/{id}")


def test_another_customers_address_stays_hidden(client: TestClient) -> None:
    park = {**MAIN_101, "streetNr": "104", "streetName": "Park"}
    seen_by_acme = ok(validate(client, "cantata", park, ACME), "cantata", "address",
                      "/geographicAddressValidation", "post")
    assert seen_by_acme["validationResult"] == "partial"
    assert "addr-4" not in {a["id"] for a in seen_by_acme["alternateGeographicAddress"]}
    assert client.get(f"{ADDRESS['cantata']}/geographicAddress/addr-4", headers=ACME).status_code == 404
    seen_by_globex = ok(validate(client, "cantata", park, GLOBEX), "cantata", "address",
                        "/geographicAddressValidation", "post")
    assert seen_by_globex["bestMatchGeographicAddress"]["id"] == "addr-4"


def test_operators_see_every_site(client: TestClient) -> None:
    sites = ok(client.get(f"{SITE['cantata']}/geographicSite", headers=OPERATOR), "cantata", "site", "/geographicSite")
    assert len(sites) == 4


def test_sites_filter_by_address_fields_and_type(client: TestClient) -> None:
    url = f"{SITE['sonata']}/geographicSite"
    main = ok(client.get(url, params={"streetName": "main", "city": "METROPOLIS", "limit": 1}, headers=BUYER),
              "sonata", "site", "/geographicSite")
    assert [s["id"] for s in main] == ["site-1"]
    by_address = ok(client.get(url, params={"geographicAddress.id": "addr-2"}, headers=BUYER),
                    "sonata", "site", "/geographicSite")
    assert [s["id"] for s in by_address] == ["site-2"]
    private = client.get(url, params={"siteType": "private"}, headers=BUYER)
    assert ok(private, "sonata", "site", "/geographicSite") == []
    bad = client.get(url, params={"siteType": "secret"}, headers=BUYER)
    refused(bad, 400, "invalidQuery", "sonata", "site", "/geographicSite")
