"""What the incident says to the person who reads it: its description and one note per step the
SOF took, naming the customer's product (by its sites, never the SOF's service or segment ids),
the direction, what was breached and since when, where it was located and what was done.

One incident follows every degradation of its product (both directions of a service): a
degradation that joins an open incident says so in its first note ("... does not meet the SLS
either"), and once an incident follows more than one, each note names the direction it is about
and a direction resolved while another is not says which is still being handled."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from cadenza.core.clock import parse_iso
from cadenza.interfaces.legato.degradation import Degradation, HistoryEntry

__all__ = ["ProductView", "description", "description_of", "note_text", "clock_time", "product_name",
           "direction_name"]


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
    if direction == "both":  # an outage
        return f"traffic between {ends[0]} and {ends[1]}"
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
    return description_of(product, [degradation.direction])


def description_of(product: ProductView, directions: Collection[str]) -> str:
    """What the incident is about, for the directions of the degradations (and outages: `both`) it follows."""
    if set(directions) == {"both"}:
        return f"{_product(product)}: no traffic passes"
    if len(set(directions)) > 1 or "both" in directions:
        return f"{_product(product)}: traffic in both directions does not meet the SLS"
    return f"{_product(product)}: {_direction(product, next(iter(directions)))} does not meet the SLS"


def _found(product: ProductView, degradation: Degradation, entry: HistoryEntry, partners: Mapping[str, str]) -> str:
    return (f"{entry.why} ({_direction(product, degradation.direction)}) since "
            f"{clock_time(degradation.since)}; {_where(degradation.cause, partners)}")


def note_text(product: ProductView, degradation: Degradation, entry: HistoryEntry,
              partners: Mapping[str, str], *, joins: str | None = None, shared: bool = False,
              pending: Sequence[str] = ()) -> str:
    """The note of one step. `joins`: the degradation's first step on an incident another opened,
    "either" (another direction is degraded) or "again" (this direction was before); `shared`:
    the incident follows another degradation too; `pending`: the directions of those still open."""
    if entry.state == "detected":
        if joins is not None:
            said = _direction(product, degradation.direction)
            found = _found(product, degradation, entry, partners)
            return f"{said[0].upper()}{said[1:]} does not meet the SLS {joins}: {found}"
        return _found(product, degradation, entry, partners)
    if entry.state == "rerouting":
        text = f"Rerouted by us, make before break: {entry.why}. We check the next 15-minute interval."
    elif entry.state == "manualIntervention":
        text = f"An engineer is on it: {entry.why}"
    else:
        resolved = f" from {clock_time(degradation.resolved_at)}" if degradation.resolved_at else ""
        text = f"Resolved: {entry.why}{resolved}"
        if pending:
            still = " and ".join(dict.fromkeys(_direction(product, d) for d in pending))
            text = f"{text}; {still} is still being handled"
    if not shared:
        return text
    return f"For {_direction(product, degradation.direction)}: {text[0].lower()}{text[1:]}"


def product_name(product: ProductView) -> str:
    """e.g. `EVPL p-1 between Metropolis East and Metropolis West`."""
    return _product(product)


def direction_name(product: ProductView, direction: str) -> str:
    """e.g. `traffic from Metropolis East to Metropolis West`, or `traffic between ...` for `both`."""
    return _direction(product, direction)
