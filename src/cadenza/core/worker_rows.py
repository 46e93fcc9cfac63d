"""The worker processes of a domain and the shared parts they reach (`core/executors.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base

__all__ = ["WorkerRow", "EndpointRow"]


class WorkerRow(Base):
    """A live (or lately live) worker: its DBOS executor id and when it last said so."""

    __tablename__ = "domain_worker"

    executor_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EndpointRow(Base):
    """Where a part shared by every worker answers, and the secret that admits them."""

    __tablename__ = "domain_endpoint"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    address: Mapped[str] = mapped_column(String(255))
    secret: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
