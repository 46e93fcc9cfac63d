"""What a SONATA call can raise::

    SonataError                 any failed call; `.status` 0 when no HTTP answer came back
    └── SonataHttpError         the Seller answered 4xx/5xx; `.body` is its MEF Error (or a list of them for 422)
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["SonataError", "SonataHttpError", "raise_for_mef"]


class SonataError(Exception):
    """The call did not succeed; the message says where and why."""

    status: int = 0

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class SonataHttpError(SonataError):
    """The Seller answered with an error status and (usually) the spec's Error body."""

    def __init__(self, status: int, body: Any, *, url: str) -> None:
        first = body[0] if isinstance(body, list) and body else body
        first = first if isinstance(first, dict) else {}
        self.status = status
        self.body = body
        self.code: str = str(first.get("code", "unknown"))
        self.reason: str = str(first.get("reason", "")) or f"HTTP {status}"
        self.property_path: str | None = first.get("propertyPath")
        super().__init__(f"{status} {self.code} from {url}: {self.reason}", url=url)


def raise_for_mef(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        body: Any = response.json()
    except ValueError:
        body = {"code": "unknown", "reason": response.text[:255]}
    raise SonataHttpError(response.status_code, body, url=str(response.request.url))
