"""The conformance helper itself: it must catch what the MEF specs forbid, and only that."""

from __future__ import annotations

import pytest

from tests.helpers.openapi import assert_conforms, response_schema_ref

ADDRESS = "sonata/productApi/serviceability/address/geographicAddressManagement.api.yaml"
CATALOG = "cantata/productApi/catalog/productCatalog.api.yaml"
VALID = {"provideAlternative": True, "validationResult": "success",
         "submittedGeographicAddress": {"@type": "FieldedAddress", "streetName": "Main", "city": "X", "country": "US"},
         "bestMatchGeographicAddress": {"@type": "FieldedAddress", "id": "a", "streetName": "Main", "city": "X",
                                        "country": "US"}}


def test_a_conforming_body_passes() -> None:
    assert_conforms(ADDRESS, "/geographicAddressValidation", "post", 200, VALID)


@pytest.mark.parametrize(("change", "expected"), [
    ({"validationResult": "fully"}, "is not one of"),
    ({"bestMatchGeographicAddress": {"@type": "FieldedAddress", "id": "a", "city": "X", "country": "US"}},
     "'streetName' is a required property"),  # only the discriminated subtype requires it
    ({"bestMatchGeographicAddress": {"@type": "Postcard", "id": "a"}}, "is not one of the subtypes"),
])
def test_violations_are_listed_with_their_place(change: dict, expected: str) -> None:
    with pytest.raises(AssertionError, match=expected):
        assert_conforms(ADDRESS, "/geographicAddressValidation", "post", 200, {**VALID, **change})


def test_formats_are_checked() -> None:
    with pytest.raises(AssertionError, match="date-time"):
        assert_conforms(CATALOG, "/category/{id}", "get", 200,
                        {"id": "c", "name": "n", "description": "d", "lastUpdate": "yesterday"})


def test_error_bodies_and_bodiless_responses_are_covered() -> None:
    assert_conforms(CATALOG, "/productOffering/{id}", "get", 404, {"code": "notFound", "reason": "no such offering"})
    assert response_schema_ref(CATALOG, "/hub/{id}", "delete", 204) is None
    with pytest.raises(AssertionError, match="documents no 418"):
        response_schema_ref(CATALOG, "/productOffering", "get", 418)
