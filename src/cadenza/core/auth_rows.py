"""Registered API clients (OAuth2 client credentials)."""

from __future__ import annotations

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base

__all__ = ["ApiClientRow"]


class ApiClientRow(Base):
    __tablename__ = "api_client"

    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    party: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(40))
    scopes: Mapped[list[str]] = mapped_column(JSON)
