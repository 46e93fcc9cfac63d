"""Billing starts when the customer accepts a product (MEF 55.0.1 step 15a)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.bus.catalog import CHANGE_CHARGE_SHARE
from cadenza.bus.mapping import bandwidth, uni_port_mbps
from cadenza.bus.ordering import order_plan
from cadenza.bus.product_inventory import products
from cadenza.bus.quote_contract import quoted_charges
from cadenza.bus.rows import BillingRecordRow
from cadenza.bus.runtime import Bus
from cadenza.core.clock import iso, now
from cadenza.core.errors import Conflict, NotFound
from cadenza.core.ids import new_id

__all__ = ["accept_product", "billing_record_view", "stop_billing", "bill_change"]


def billing_record_view(row: BillingRecordRow) -> dict[str, Any]:
    return {"id": row.id, "productId": row.product_id, "party": row.party, "offering": row.offering,
            "currency": row.currency, "monthlyCharge": row.monthly, "oneTimeCharge": row.one_time,
            "startDate": iso(row.start_date), "endDate": iso(row.end_date) if row.end_date else None}


def _ordered_on(session: Session, product: dict[str, Any]) -> dict[str, Any] | None:
    """The delivery plan of the order item that created the product."""
    first = (product.get("productOrderItem") or [{}])[0]
    try:
        return order_plan(session, first["productOrderId"])["work"].get(first["productOrderItemId"])
    except (KeyError, NotFound):
        return None


def accept_product(session: Session, bus: Bus, product_id: str, party: str) -> dict[str, Any]:
    product = products.get(session, product_id, party)
    if product.state != "active":
        raise Conflict(f"Product {product_id} is {product.state}; only an active product can be accepted")
    existing = session.scalars(select(BillingRecordRow).where(BillingRecordRow.product_id == product_id,
                                                              BillingRecordRow.end_date.is_(None))).first()
    if existing is not None:
        return billing_record_view(existing)  # accepting twice starts billing once
    offering = (product.document.get("productOffering") or {}).get("id", "unknown")
    config = product.document.get("productConfiguration") or {}
    # the quote is the contract: a product ordered on a quote is billed what was quoted,
    # the partner's off-net charges included; otherwise at the catalog price
    charges = quoted_charges(_ordered_on(session, product.document))
    if charges is None and bus.rules.kind_of(offering, product.family) == "uni":  # a UNI is charged by its port
        charges = bus.price(offering, uni_port_mbps(config), False)
    elif charges is None:
        asked = bandwidth(config, pointer="/productConfiguration")
        charges = bus.price(offering, asked.cir_mbps, False, eir_mbps=asked.eir_mbps)
    record = BillingRecordRow(id=new_id(), product_id=product_id, party=party, offering=offering,
                              currency=charges.get("currency", "USD"), monthly=charges.get("mrc", 0.0),
                              one_time=charges.get("nrc", 0.0), start_date=now(), end_date=None)
    session.add(record)
    return billing_record_view(record)


def stop_billing(session: Session, product_id: str) -> None:
    for record in session.scalars(select(BillingRecordRow).where(BillingRecordRow.product_id == product_id,
                                                                 BillingRecordRow.end_date.is_(None))):
        record.end_date = now()


def bill_change(session: Session, bus: Bus, product_id: str, work: dict[str, Any]) -> None:
    """A completed bandwidth change is billed from its completion: the running record ends and
    one with the new monthly charge (and the change charge, once) starts. Ordered on a quote, it
    is what was quoted; otherwise the catalog price of the new configuration, with the catalog's
    change charge, as a quote would have said. A product not yet accepted is not billed yet;
    acceptance starts billing then."""
    charges = quoted_charges(work)
    running = list(session.scalars(select(BillingRecordRow).where(BillingRecordRow.product_id == product_id,
                                                                  BillingRecordRow.end_date.is_(None))))
    if charges is None and running:
        asked = bandwidth(work["configuration"], pointer="/productConfiguration")
        new = bus.price(running[0].offering, asked.cir_mbps, False, eir_mbps=asked.eir_mbps)
        install = bus.price(running[0].offering, 1, False)["nrc"]  # the offering's installation charge
        charges = {"currency": new["currency"], "mrc": new["mrc"], "nrc": round(install * CHANGE_CHARGE_SHARE, 2)}
    for record in running:
        record.end_date = now()
        session.add(BillingRecordRow(id=new_id(), product_id=product_id, party=record.party, offering=record.offering,
                                     currency=charges["currency"], monthly=charges["mrc"], one_time=charges["nrc"],
                                     start_date=now(), end_date=None))
