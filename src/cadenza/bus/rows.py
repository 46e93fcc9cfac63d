"""BUS tables. MEF resources (POQs, quotes, orders, products...) are kept as the spec's JSON
document next to the few columns that are queried (owner, state, kind), so the payload the
customer sees is exactly what was stored, and one table shape serves every resource."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base, JsonDocument

__all__ = ["BusResourceRow", "BusResourceKeyRow", "BillingRecordRow"]


class BusResourceRow(Base):
    __tablename__ = "bus_resource"
    __table_args__ = (UniqueConstraint("kind", "owner", "external_key"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)  # productOrder, quote, poq, product, ...
    family: Mapped[str] = mapped_column(String(10))  # cantata (customer) or sonata (buyer)
    owner: Mapped[str] = mapped_column(String(100), index=True)  # the party it belongs to
    state: Mapped[str] = mapped_column(String(40), index=True)
    external_key: Mapped[str | None] = mapped_column(String(200))  # e.g. a buyer's externalId, for idempotency
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=0)


class BusResourceKeyRow(Base):
    """One filterable attribute value of a resource (its `externalId`, a `productOrderId` it came
    from, an item's date...), extracted from the document whenever it is stored, so a list's
    filters are a query on an index, before any paging, and its counts are exact. A resource may
    hold several values of one name (a product changed by several orders)."""

    __tablename__ = "bus_resource_key"
    __table_args__ = (Index("ix_bus_resource_key_name_value", "name", "value"),)

    resource_id: Mapped[str] = mapped_column(String(64), ForeignKey("bus_resource.id", ondelete="CASCADE"),
                                             primary_key=True)
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)


class BillingRecordRow(Base):
    __tablename__ = "billing_record"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(64), index=True)
    party: Mapped[str] = mapped_column(String(100), index=True)
    offering: Mapped[str] = mapped_column(String(60))
    currency: Mapped[str] = mapped_column(String(3))
    monthly: Mapped[float] = mapped_column()
    one_time: Mapped[float] = mapped_column()
    start_date: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
