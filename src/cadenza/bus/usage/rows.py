"""One usage record per change the SOF reported: its event id is the key, so a redelivered
event finds its record and adds none."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base, JsonDocument

__all__ = ["UsageRecordRow"]


class UsageRecordRow(Base):
    __tablename__ = "bus_usage_record"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # the usage event's id
    product_id: Mapped[str] = mapped_column(String(64), index=True)
    owner: Mapped[str] = mapped_column(String(100), index=True)  # the product's owner: who is billed
    service_id: Mapped[str] = mapped_column(String(64))
    service_order_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    usage_type: Mapped[str] = mapped_column(String(40))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)  # interfaces/legato/usage.UsageChange
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
