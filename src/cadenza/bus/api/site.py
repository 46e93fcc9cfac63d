"""Geographic Site Management (Cantata v1 / Sonata v7): find sites, retrieve one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from cadenza.bus.api import ADDRESS_BASE, SITE_BASE, href
from cadenza.bus.catalog import Family
from cadenza.bus.site import Site, SiteDirectory, SiteQuery
from cadenza.core.auth import Principal, require
from cadenza.core.paging import Page, page_params, paginate

__all__ = ["site_router", "site_view"]


def site_view(site: Site, request: Request, family: Family) -> dict[str, Any]:
    f = site.address.fields
    fielded = {"@type": "FieldedAddress", "streetNr": f.street_nr, "streetName": f.street_name,
               "streetType": f.street_type, "city": f.city, "postcode": f.postcode,
               "stateOrProvince": f.state_or_province, "country": f.country}
    view = {"id": site.id, "href": href(request, f"{SITE_BASE[family]}/geographicSite/{site.id}"),
            "name": site.name, "description": f"{site.name}, {f.city}", "siteType": site.site_type,
            "customerName": site.customer,
            "place": [{"@type": "GeographicAddressRef", "id": site.address.id,
                       "href": href(request, f"{ADDRESS_BASE[family]}/geographicAddress/{site.address.id}")},
                      {k: v for k, v in fielded.items() if v is not None}]}
    return {k: v for k, v in view.items() if v is not None}


def site_router(sites: SiteDirectory, *, api_family: Family) -> APIRouter:
    base = SITE_BASE[api_family]
    router = APIRouter(prefix=base, tags=[f"{api_family} geographic site"])
    caller = Depends(require(api_family))
    op = f"{api_family}.geographicSite."

    @router.get("/geographicSite", operation_id=op + "listGeographicSite")
    def list_geographic_site(
        request: Request, response: Response, page: Page = Depends(page_params),
        address_id: str | None = Query(None, alias="geographicAddress.id"), name: str | None = None,
        site_type: str | None = Query(None, alias="siteType", pattern="^(public|private)$"),
        customer_name: str | None = Query(None, alias="customerName"),
        company_name: str | None = Query(None, alias="companyName"), description: str | None = None,
        contact: str | None = Query(None, alias="serviceSiteContactName"),
        street_nr: str | None = Query(None, alias="streetNr"),
        street_name: str | None = Query(None, alias="streetName"),
        street_type: str | None = Query(None, alias="streetType"), city: str | None = None,
        postcode: str | None = None, country: str | None = None, principal: Principal = caller,
    ) -> list[dict[str, Any]]:
        query = SiteQuery(address_id=address_id, name=name, site_type=site_type, customer_name=customer_name,
                          street_nr=street_nr, street_name=street_name, street_type=street_type, city=city,
                          postcode=postcode, country=country)
        # No site here records a building owner, a description to search or a site contact.
        found = [] if company_name or description or contact else sites.find(query, party=principal.owner_filter)
        return [site_view(s, request, api_family) for s in paginate(found, page, response)]

    @router.get("/geographicSite/{id}", operation_id=op + "retrieveGeographicSite")
    def retrieve_geographic_site(id: str, request: Request, principal: Principal = caller) -> dict[str, Any]:
        return site_view(sites.get(id, party=principal.owner_filter), request, api_family)

    return router
