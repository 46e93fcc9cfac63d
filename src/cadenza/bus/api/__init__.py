"""BUS routers. Each serves one MEF API to both families, CANTATA (customers, scope "cantata")
and SONATA (buying providers, scope "sonata"), from one implementation; the family decides
the base path, the scope, and what the caller may see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from cadenza.bus.catalog import Family
from cadenza.core.errors import NotFound, Unprocessable

__all__ = ["CATALOG_BASE", "ADDRESS_BASE", "SITE_BASE", "href", "unprocessable_list", "answer"]

CATALOG_BASE: dict[Family, str] = {"cantata": "/mefApi/cantata/productCatalog/v2",
                                   "sonata": "/mefApi/sonata/productCatalog/v2"}
ADDRESS_BASE: dict[Family, str] = {"cantata": "/mefApi/cantata/geographicAddressManagement/v1",
                                   "sonata": "/mefApi/sonata/geographicAddressManagement/v7"}
SITE_BASE: dict[Family, str] = {"cantata": "/mefApi/cantata/geographicSiteManagement/v1",
                                "sonata": "/mefApi/sonata/geographicSiteManagement/v7"}



def href(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


def unprocessable_list(exc: Unprocessable) -> JSONResponse:
    """Geographic Address/Site Management answer 422 with a list of Error422, not one Error;
    an error that found several problems (`problems`) lists each."""
    problems = getattr(exc, "problems", None) or [exc]
    return JSONResponse([p.body() for p in problems], status_code=exc.status, headers=exc.headers)


def answer(call: Callable[[], Any], *, status: int = 200, reference: str | None = None) -> Any:
    """Run a create-style operation whose spec answers 422 with a list of Error422; with
    `reference`, an unknown referenced resource is such a 422 (referenceNotFound) there too."""
    try:
        result = call()
    except NotFound as exc:
        if reference is None:
            raise
        return unprocessable_list(Unprocessable(exc.reason, code="referenceNotFound", property_path=reference))
    except Unprocessable as exc:
        return unprocessable_list(exc)
    return JSONResponse(result, status_code=status) if status != 200 else result
