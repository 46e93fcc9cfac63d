"""The filterable attributes of each BUS resource, as the list operations of its spec name them.

A store writes these (name, value) pairs beside the document every time it stores one
(`bus_resource_key`), so a filter is an indexed query that runs before paging. Values are
normalised once, here, for both sides of the comparison: text as given (a value longer than
the column is kept as its SHA-256, still exact for equality), dates as fixed-width UTC
timestamps, which sort as text in the order they sort as time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from cadenza.core.clock import parse_iso

__all__ = ["Keys", "text", "moment", "order_keys", "cancellation_keys", "date_change_keys", "product_keys",
           "poq_keys", "quote_keys"]

# (name, normalised value) pairs of one document
Keys = Callable[[dict[str, Any]], Iterable[tuple[str, str]]]
_WIDTH = 255


def text(value: Any) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    value = str(value)
    return value if len(value) <= _WIDTH else "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def moment(value: Any) -> str | None:
    """A date-time (an RFC 3339 string or a datetime) as a sortable UTC key; None if it is none."""
    if isinstance(value, str):
        try:
            value = parse_iso(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    value = value.replace(tzinfo=value.tzinfo or UTC).astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _texts(document: dict[str, Any], *names: str) -> Iterator[tuple[str, str]]:
    for name in names:
        value = document.get(name)
        if isinstance(value, str | bool) and value != "":
            yield name, text(value)


def _moments(pairs: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, str]]:
    for name, value in pairs:
        key = moment(value)
        if key is not None:
            yield name, key


def _items(document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [i for i in document.get(name) or [] if isinstance(i, dict)]


def order_keys(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield from _texts(document, "externalId", "projectId")
    items = _items(document, "productOrderItem")
    yield from _moments([("orderDate", document.get("orderDate")), ("completionDate", document.get("completionDate")),
                         ("cancellationDate", document.get("cancellationDate")),
                         *(("itemRequestedCompletionDate", i.get("requestedCompletionDate")) for i in items),
                         *(("itemExpectedCompletionDate", i.get("expectedCompletionDate")) for i in items)])


def cancellation_keys(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield from _texts(document.get("productOrder") or {}, "productOrderId")
    yield from _texts(document, "cancellationReasonType")


def date_change_keys(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield from _texts(document.get("productOrderItem") or {}, "productOrderId")
    yield from _texts(document, "expediteIndicator")
    yield from _moments([("requestedCompletionDate", document.get("requestedCompletionDate")),
                         ("creationDate", document.get("creationDate"))])


def product_keys(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield from _texts(document, "externalId")
    for ref in _items(document, "productOrderItem"):
        yield from _texts(ref, "productOrderId")
    offering = document.get("productOffering") or {}
    if isinstance(offering, dict) and isinstance(offering.get("id"), str):
        yield "productOfferingId", text(offering["id"])
    spec = document.get("productSpecification") or {}
    if isinstance(spec, dict) and isinstance(spec.get("id"), str):
        yield "productSpecificationId", text(spec["id"])
    for site in _items(document, "relatedSite"):
        if isinstance(site.get("id"), str):
            yield "geographicalSiteId", text(site["id"])
    for relation in _items(document, "productRelationship"):
        if isinstance(relation.get("id"), str):
            yield "relatedProductId", text(relation["id"])
    for account in _items(document, "billingAccount"):
        if isinstance(account.get("id"), str):
            yield "billingAccountId", text(account["id"])
    yield from _moments([("startDate", document.get("startDate")), ("lastUpdateDate", document.get("lastUpdateDate"))])


def poq_keys(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield from _texts(document, "externalId", "projectId")
    yield from _moments([("requestedPOQCompletionDate", document.get("requestedPOQCompletionDate"))])


def quote_keys(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield from _texts(document, "externalId", "projectId", "quoteLevel")
    yield from _moments([(name, document.get(name)) for name in (
        "quoteDate", "requestedQuoteCompletionDate", "expectedQuoteCompletionDate", "effectiveQuoteCompletionDate")])
    # not a spec filter: a list expires the quotes whose validity ended before it counts (bus/quote.py)
    yield from _moments([("validForEnd", (document.get("validFor") or {}).get("endDateTime"))])
