"""Where work orders and appointments are kept: the BUS's resource table (bus/rows.py), one row
each, the document the MEF resource as retrieved, owned by the buyer of the ticket the work is
for, in its family. What the seller keeps for itself (what to repair, the ticket) sits under
`_seller` in the document and is never shown (views.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cadenza.bus.keys import moment, text
from cadenza.bus.store import ResourceStore

__all__ = ["work_orders", "appointments", "APPOINTMENT_DATES"]

APPOINTMENT_DATES = ("validFor",)


def _place_keys(places: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    for place in places:
        if place.get("@type") == "GeographicSiteRef" and place.get("id"):
            yield "geographicSiteId", text(place["id"])
        if place.get("@type") == "GeographicAddressRef" and place.get("id"):
            yield "geographicAddressId", text(place["id"])


def work_order_keys(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """What `listWorkOrder` filters on (MEF 137 O4)."""
    yield "appointmentRequired", text(bool(document.get("appointmentRequired")))
    for entity in document.get("relatedEntity") or []:
        yield "relatedEntityId", text(entity["id"])
        yield "relatedEntityType", text(entity["@referredType"])
    yield from _place_keys(document.get("place") or [])


def appointment_keys(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """What `listAppointment` filters on (MEF 137 O3): `validFor.gt` asks for appointments that
    start after, `validFor.lt` for those that end before (the key holds both ends)."""
    yield "workOrderId", text(document["workOrder"]["id"])
    yield from _place_keys([document["relatedPlace"]] if document.get("relatedPlace") else [])
    start, end = (moment(document.get("validFor", {}).get(k)) for k in ("startDateTime", "endDateTime"))
    if start is not None:
        yield "validForStart", start
    if end is not None:
        yield "validForEnd", end


work_orders = ResourceStore("workOrder", label="work order", keys=work_order_keys)
appointments = ResourceStore("appointment", label="appointment", keys=appointment_keys)
