"""SOF's table of trouble reports: one row per (service, ticket, take-up) the BUS asked about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base, JsonDocument

__all__ = ["TroubleReportRow"]


class TroubleReportRow(Base):
    __tablename__ = "sof_trouble_report"
    # the BUS asks once per ticket and service: a repeated request answers the first report
    __table_args__ = (UniqueConstraint("service_id", "ticket_id", "attempt"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(100), index=True)  # the BUS's party, who hears of it
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    ticket_id: Mapped[str] = mapped_column(String(64), index=True)
    attempt: Mapped[int] = mapped_column(Integer)  # the ticket's take-up (a reopened ticket is diagnosed anew)
    description: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(30), index=True)
    cause: Mapped[str | None] = mapped_column(String(400))
    partner: Mapped[str | None] = mapped_column(String(100))
    partner_reference: Mapped[str | None] = mapped_column(String(200))
    remedy: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[list[Any]] = mapped_column(JsonDocument)  # [{at, text, step}] as it went
    history: Mapped[list[Any]] = mapped_column(JsonDocument)  # [{at, state, why}]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
