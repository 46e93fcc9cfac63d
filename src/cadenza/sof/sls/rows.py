"""SOF tables of SLS assessment: each service's last assessed interval, and the degradations
found (MEF 55.0.1 §10.6 steps 3-5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base, JsonDocument

__all__ = ["SlsAssessmentRow", "SlsDegradationRow"]


class SlsAssessmentRow(Base):
    """How far a service's SLS has been assessed: intervals after `last_number` are still to do."""

    __tablename__ = "sof_sls_assessment"

    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_number: Mapped[int] = mapped_column(BigInteger)
    assessed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SlsDegradationRow(Base):
    __tablename__ = "sof_sls_degradation"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    direction: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(30), index=True)
    cause: Mapped[str | None] = mapped_column(String(200))  # the segment that breaks the SLS, as located
    breaches: Mapped[list[Any]] = mapped_column(JsonDocument)  # the sentences of the last breached interval
    first_number: Mapped[int] = mapped_column(BigInteger)
    last_breach_number: Mapped[int] = mapped_column(BigInteger)
    resolved_number: Mapped[int | None] = mapped_column(BigInteger)
    history: Mapped[list[Any]] = mapped_column(JsonDocument)  # (at, state, why) as it went
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
