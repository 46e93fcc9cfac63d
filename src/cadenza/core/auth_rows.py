"""Registered API clients (OAuth2 client credentials) and the domain's token signing keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base

__all__ = ["ApiClientRow", "SigningKeyRow"]


class ApiClientRow(Base):
    __tablename__ = "api_client"

    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    party: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(40))
    scopes: Mapped[list[str]] = mapped_column(JSON)


class SigningKeyRow(Base):
    """One of the domain's token signing keys (`core/signing_keys.py` says how they live and die).

    The private key sits in the domain's database, beside everything else the domain owns, so
    every worker process of the domain signs and verifies with the same keys."""

    __tablename__ = "signing_key"
    __table_args__ = (
        # One key signs at a time; two processes creating the first key at once cannot both win.
        Index("uq_signing_key_active", "state", unique=True,
              postgresql_where=text("state = 'active'"), sqlite_where=text("state = 'active'")),
    )

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    private_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
