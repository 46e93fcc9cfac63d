"""The SOF's alarm list: one row per alarm raised on a service, kept after it clears."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base, JsonDocument

__all__ = ["AlarmRow"]


class AlarmRow(Base):
    __tablename__ = "sof_alarm"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # outage | tca (sof/alarms/alarm.py, threshold.py)
    # a TCA alarm's crossing: segment uuid, ingress and parameter; one open alarm per key
    tca_key: Mapped[str | None] = mapped_column(String(400), index=True)
    specific_attributes: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    customer: Mapped[str] = mapped_column(String(100), index=True)
    service_type: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), index=True)
    alarm_type: Mapped[str] = mapped_column(String(40))
    perceived_severity: Mapped[str] = mapped_column(String(20))
    probable_cause: Mapped[str] = mapped_column(String(60))
    specific_problem: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)
    service_affecting: Mapped[bool] = mapped_column(Boolean)
    reporting_system: Mapped[str] = mapped_column(String(100))
    source_system: Mapped[str] = mapped_column(String(200))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
