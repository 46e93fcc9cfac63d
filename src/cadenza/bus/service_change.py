"""The BUS follows a change its SOF made to a product's service without a product order: one
the customer made itself over ALLEGRO (MEF 55.0.1 §10.3). The SOF tells the BUS over LEGATO
with `serviceAttributeValueChangeEvent` (docs/legato-profile.md, "Changes the customer made");
the BUS reads the service and brings the product's configuration in inventory to what the
network now carries: the committed rate of every bandwidth profile flow, scaled to the new
rate, and the CE-VLAN of each VLAN-based end point.

A change the BUS orders itself (a CANTATA modify) is left to that order, which settles the
product when it completes; an event heard twice finds nothing left to change.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.bus import mapping
from cadenza.bus.product_inventory import product_transition, products
from cadenza.bus.product_order import TERMINAL, orders
from cadenza.bus.rows import BusResourceRow
from cadenza.core.clock import iso
from cadenza.core.db import Database
from cadenza.core.errors import Unprocessable
from cadenza.interfaces.legato.client import LegatoClient
from cadenza.interfaces.legato.placement import EVC_PLACEMENT

__all__ = ["follow_service", "with_rate", "with_vlans"]

log = logging.getLogger(__name__)
_EVC_ENDS = ("evcEndPointA", "evcEndPointZ")


def _rates(value: Any) -> list[dict[str, Any]]:  # noqa: ANN401 - a JSON document
    """Every committed rate (`cir` of a bandwidth profile flow) in a product configuration."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "cir" and isinstance(inner, dict) and "irValue" in inner:
                found.append(inner)
            else:
                found.extend(_rates(inner))
    elif isinstance(value, list):
        for inner in value:
            found.extend(_rates(inner))
    return found


def with_rate(configuration: dict[str, Any], mbps: int) -> dict[str, Any]:
    """The configuration committing `mbps` (as bus/mapping.py reads it): every flow's CIR
    scaled by the same factor, so the classes of service keep their shares."""
    try:
        current = mapping.bandwidth(configuration, pointer="").cir_mbps
    except Unprocessable:
        current = 0
    if current == mbps:
        return configuration
    changed = copy.deepcopy(configuration)
    for rate in _rates(changed):
        was = float(rate["irValue"]) * mapping.UNIT_MBPS.get(str(rate.get("irUnits", "MBPS")).upper(), 1.0)
        value = round(was * mbps / current, 6) if current else float(mbps)
        rate["irValue"], rate["irUnits"] = (int(value) if value.is_integer() else value), "MBPS"
    return changed


def with_vlans(configuration: dict[str, Any], vlans: list[int | None]) -> dict[str, Any]:
    """An EVC's configuration with the CE-VLAN of each VLAN-based end point (A, Z) set to `vlans`."""
    changed = configuration
    for end, vlan in zip(_EVC_ENDS, vlans, strict=False):
        mapped = (configuration.get(end) or {}).get("evcEndPointMap") or {}
        if vlan is None or not mapped.get("vlanId") or mapped["vlanId"] == [vlan]:
            continue
        changed = copy.deepcopy(changed) if changed is configuration else changed
        changed[end]["evcEndPointMap"]["vlanId"] = [vlan]
    return changed


def _being_ordered(session: Session, product: BusResourceRow) -> bool:
    """Whether an unfinished product order of the owner acts on the product: that order's own
    completion settles the product (bus/fulfilment.py), so a change heard meanwhile is its own."""
    unfinished = select(BusResourceRow).where(BusResourceRow.kind == orders.kind,
                                              BusResourceRow.owner == product.owner,
                                              BusResourceRow.state.not_in(TERMINAL))
    return any((i.get("product") or {}).get("id") == product.id
               for order in session.scalars(unfinished) for i in order.document.get("productOrderItem") or [])


def follow_service(legato: LegatoClient, database: Database, service_id: str) -> None:
    service = legato.get_service(service_id)
    configuration = service.get("serviceConfiguration") or {}
    mbps = (configuration.get("cadenzaDesign") or {}).get("bandwidthMbps")
    vlans = [e.get("ceVlan") for e in (configuration.get(EVC_PLACEMENT) or {}).get("endPoints") or []]
    if not isinstance(mbps, int) or service.get("state") != "active":
        return
    with database.transaction() as session:
        product = session.scalars(select(BusResourceRow).where(
            BusResourceRow.kind == products.kind, BusResourceRow.external_key == service_id)).first()
        if product is None or product.state != "active" or _being_ordered(session, product):
            return  # not a product's service, or one a product order of the BUS changes and settles itself
        stored = product.document.get("productConfiguration") or {}
        updated = with_vlans(with_rate(stored, mbps), vlans)
        if updated == stored:
            return
        if mapping.bandwidth(updated, pointer="").cir_mbps != mbps:
            log.warning("product %s: its configuration cannot show the %s Mbit/s of service %s", product.id, mbps,
                        service_id)
            return
        product_transition(product, "active.pendingChange")
        products.save(product, {**product.document, "productConfiguration": updated, "lastUpdateDate": iso()})
        product_transition(product, "active", reason=f"changed by the customer over ALLEGRO: now {mbps} Mbit/s")
