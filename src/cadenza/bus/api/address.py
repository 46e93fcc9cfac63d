"""Geographic Address Management (Cantata v1 / Sonata v7): validate an address, retrieve one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse

from cadenza.bus.address import Address, AddressBook, Fields, Validation
from cadenza.bus.api import ADDRESS_BASE, href, unprocessable_list
from cadenza.bus.catalog import Family
from cadenza.core.auth import Principal, require
from cadenza.core.errors import BadRequest, Unprocessable

__all__ = ["address_router", "address_view", "fields_of"]

_NO_MATCH_TYPES = ("GeographicAddressLabel", "MEFGeographicPoint")  # no labels or coordinates are kept here
_EXAMPLE = {"provideAlternative": True, "submittedGeographicAddress": {
    "@type": "FieldedAddress", "streetNr": "101", "streetName": "Main", "streetType": "Street",
    "city": "Metropolis", "postcode": "10001", "country": "US"}}


def address_view(address: Address, request: Request, family: Family) -> dict[str, Any]:
    f = address.fields
    view = {"@type": "FieldedAddress", "id": address.id,
            "href": href(request, f"{ADDRESS_BASE[family]}/geographicAddress/{address.id}"),
            "streetNr": f.street_nr, "streetName": f.street_name, "streetType": f.street_type, "city": f.city,
            "postcode": f.postcode, "stateOrProvince": f.state_or_province, "country": f.country,
            "hasPublicSite": address.has_public_site, "allowsNewSite": True}
    return {k: v for k, v in view.items() if v is not None}


def _optional(address: dict[str, Any], name: str) -> str | None:
    value = address.get(name)
    if value is not None and not isinstance(value, str):
        raise Unprocessable(f"/submittedGeographicAddress/{name}: must be a string",
                            property_path=f"/submittedGeographicAddress/{name}")
    return value


def _required(address: dict[str, Any], name: str) -> str:
    value = _optional(address, name)
    if value is None:
        raise Unprocessable(f"/submittedGeographicAddress/{name}: required for a {address['@type']}",
                            code="missingProperty", property_path=f"/submittedGeographicAddress/{name}")
    return value


def fields_of(address: dict[str, Any]) -> Fields:
    """A submitted FieldedAddress or FormattedAddress as fields ('101 Main Street' is split)."""
    city, country = _required(address, "city"), _required(address, "country")
    postcode, state = _optional(address, "postcode"), _optional(address, "stateOrProvince")
    if address["@type"] == "FormattedAddress":
        number, _, street = _required(address, "addrLine1").strip().partition(" ")
        if not number[:1].isdigit():
            number, street = "", f"{number} {street}".strip()
        return Fields(street_nr=number or None, street_name=street, city=city, country=country, postcode=postcode,
                      state_or_province=state)
    return Fields(street_nr=_optional(address, "streetNr"), street_name=_required(address, "streetName"),
                  street_type=_optional(address, "streetType"), city=city, country=country, postcode=postcode,
                  state_or_province=state)


def _submitted(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise BadRequest("The body must be a GeographicAddressValidation_Create object")
    if not isinstance(payload.get("provideAlternative"), bool):
        raise Unprocessable("/provideAlternative: required, true or false", property_path="/provideAlternative",
                            code="missingProperty" if "provideAlternative" not in payload else "invalidValue")
    address = payload.get("submittedGeographicAddress")
    if not isinstance(address, dict):
        raise Unprocessable("/submittedGeographicAddress: required, the address to validate",
                            property_path="/submittedGeographicAddress",
                            code="missingProperty" if address is None else "invalidValue")
    kind = address.get("@type")
    if kind not in ("FieldedAddress", "FormattedAddress", *_NO_MATCH_TYPES):
        raise Unprocessable(f"/submittedGeographicAddress/@type: {kind!r} is not one of FieldedAddress, "
                            "FormattedAddress, GeographicAddressLabel, MEFGeographicPoint",
                            property_path="/submittedGeographicAddress/@type",
                            code="missingProperty" if kind is None else "invalidValue")
    return address


def address_router(book: AddressBook, *, api_family: Family) -> APIRouter:
    base = ADDRESS_BASE[api_family]
    router = APIRouter(prefix=base, tags=[f"{api_family} geographic address"])
    caller = Depends(require(api_family))
    op = f"{api_family}.geographicAddress."

    @router.post("/geographicAddressValidation", operation_id=op + "createGeographicAddressValidation",
                 response_model=None)
    def create_geographic_address_validation(request: Request, payload: Any = Body(..., examples=[_EXAMPLE]),
                                             principal: Principal = caller) -> dict[str, Any] | JSONResponse:
        try:
            submitted = _submitted(payload)
            if submitted["@type"] in _NO_MATCH_TYPES:
                outcome = Validation("fail", None, [])
            else:
                # Only customers are offered addresses a partner serves: a buying provider buys our own access.
                outcome = book.validate(fields_of(submitted), party=principal.owner_filter,
                                        off_net=api_family == "cantata")
        except Unprocessable as exc:
            return unprocessable_list(exc)
        view = {"provideAlternative": payload["provideAlternative"], "submittedGeographicAddress": submitted,
                "validationResult": outcome.result,
                "alternateGeographicAddress": [address_view(a, request, api_family) for a in outcome.alternates]}
        if outcome.best_match is not None:
            view["bestMatchGeographicAddress"] = address_view(outcome.best_match, request, api_family)
        return view

    @router.get("/geographicAddress/{id}", operation_id=op + "retrieveGeographicAddress")
    def retrieve_geographic_address(id: str, request: Request, principal: Principal = caller) -> dict[str, Any]:
        return address_view(book.get(id, party=principal.owner_filter), request, api_family)

    return router
