"""The bounds of dynamic control of each service, kept beside it rather than in its MEF document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base, JsonDocument

__all__ = ["ControlPolicyRow"]


class ControlPolicyRow(Base):
    __tablename__ = "sof_control_policy"

    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    policy: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # interfaces/legato/control_policy.py, as carried
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
