"""Keeping usage records: each event once, for the product its service runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cadenza.bus.product_inventory import products
from cadenza.bus.rows import BusResourceRow
from cadenza.bus.usage.rows import UsageRecordRow
from cadenza.core.clock import iso, now
from cadenza.core.errors import Unprocessable
from cadenza.interfaces.legato.usage import UsageEvent

__all__ = ["record", "records", "view"]


def _product_of(session: Session, service_id: str) -> BusResourceRow:
    product = session.scalars(select(BusResourceRow).where(
        BusResourceRow.kind == products.kind, BusResourceRow.external_key == service_id)).first()
    if product is None:
        raise Unprocessable(f"No product of this BUS runs on service {service_id}: its usage has no one to bill",
                            property_path="/serviceId")
    return product


def record(session: Session, event: UsageEvent) -> tuple[UsageRecordRow, bool]:
    """The record of `event`, and whether it is new (False: the event was delivered before)."""
    kept = session.get(UsageRecordRow, event.id)
    if kept is not None:
        return kept, False
    product = _product_of(session, event.serviceId)
    row = UsageRecordRow(id=event.id, product_id=product.id, owner=product.owner, service_id=event.serviceId,
                         service_order_id=event.serviceOrderId, channel=event.channel, usage_type=event.usageType,
                         changes=[c.model_dump(mode="json") for c in event.changes], applied_at=event.appliedAt,
                         valid_until=event.validUntil, recorded_at=now())
    try:
        with session.begin_nested():  # two deliveries at once: the second finds the first's row
            session.add(row)
    except IntegrityError:
        return session.get(UsageRecordRow, event.id), False  # type: ignore[return-value]
    return row, True


def records(session: Session, *, product_id: str | None = None, service_id: str | None = None) -> list[UsageRecordRow]:
    query = select(UsageRecordRow).order_by(UsageRecordRow.applied_at, UsageRecordRow.id)
    if product_id is not None:
        query = query.where(UsageRecordRow.product_id == product_id)
    if service_id is not None:
        query = query.where(UsageRecordRow.service_id == service_id)
    return list(session.scalars(query))


def _iso(moment: datetime | None) -> str | None:
    # SQLite hands back the UTC it stored without its zone
    return None if moment is None else iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def view(row: UsageRecordRow) -> dict[str, Any]:
    return {"id": row.id, "productId": row.product_id, "owner": row.owner, "serviceId": row.service_id,
            "serviceOrderId": row.service_order_id, "channel": row.channel, "usageType": row.usage_type,
            "changes": row.changes, "appliedAt": _iso(row.applied_at), "validUntil": _iso(row.valid_until),
            "recordedAt": _iso(row.recorded_at)}
