"""What the incident says to the person who reads it: its description and one note per step the
SOF took, naming the customer's product (by its sites, never the SOF's service or segment ids),
the direction, what was breached and since when, where it was located and what was done."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cadenza.core.clock import parse_iso
from cadenza.interfaces.legato.degradation import Degradation, HistoryEntry

__all__ = ["ProductView", "description", "note_text", "clock_time"]


@dataclass(frozen=True, slots=True)
class ProductView:
    """The customer's product as an incident names it."""

    id: str
    offering: str  # e.g. evpl
    sites: tuple[str, ...]  # the names of its sites, A end first (empty where none is ours)


def clock_time(moment: str | None) -> str:
    """`2026-12-01T10:45:00.000Z` -> `10:45 UTC on 2026-12-01`."""
    if not moment:
        return "an unknown time"
    at = parse_iso(moment)
    return f"{at:%H:%M} UTC on {at:%Y-%m-%d}"


def _product(product: ProductView) -> str:
    kind = product.offering.upper() if product.offering else "product"
    if len(product.sites) == 2:
        return f"{kind} {product.id} between {product.sites[0]} and {product.sites[1]}"
    if product.sites:
        return f"{kind} {product.id} at {product.sites[0]}"
    return f"{kind} {product.id}"


def _direction(product: ProductView, direction: str) -> str:
    ends = list(product.sites) if len(product.sites) == 2 else ["its A end", "its Z end"]
    if direction == "z-to-a":
        ends.reverse()
    return f"traffic from {ends[0]} to {ends[1]}"


def _where(cause: str | None, partners: Mapping[str, str]) -> str:
    if not cause:
        return "not located yet"
    if cause in partners:
        return f"located in the access network of our partner {partners[cause]}"
    return f"located in our {cause} network"


def description(product: ProductView, degradation: Degradation) -> str:
    return f"{_product(product)}: {_direction(product, degradation.direction)} does not meet the SLS"


def note_text(product: ProductView, degradation: Degradation, entry: HistoryEntry,
              partners: Mapping[str, str]) -> str:
    if entry.state == "detected":
        return (f"{entry.why} ({_direction(product, degradation.direction)}) since "
                f"{clock_time(degradation.since)}; {_where(degradation.cause, partners)}")
    if entry.state == "rerouting":
        return f"Rerouted by us, make before break: {entry.why}. We check the next 15-minute interval."
    if entry.state == "manualIntervention":
        return f"An engineer is on it: {entry.why}"
    resolved = f" from {clock_time(degradation.resolved_at)}" if degradation.resolved_at else ""
    return f"Resolved: {entry.why}{resolved}"
