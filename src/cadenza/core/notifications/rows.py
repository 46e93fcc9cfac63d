"""Tables of the notification mechanism: hub subscriptions and the durable outbox.

The outbox row is written in the same transaction as the state change it announces, so an
event exists exactly when the change does; delivery state lives only in these rows, which is
what lets any dispatcher, after any restart, carry on where another stopped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Index, Integer, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base, JsonDocument

__all__ = ["EventSubscriptionRow", "OutboxEventRow"]


class EventSubscriptionRow(Base):
    """One `POST /hub` registration of a party on the hub of one API."""

    __tablename__ = "event_subscription"
    __table_args__ = (Index("ix_event_subscription_api_party", "api", "party"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    api: Mapped[str] = mapped_column(String(100))
    party: Mapped[str] = mapped_column(String(100))
    callback: Mapped[str] = mapped_column(String(2000))
    query: Mapped[str | None] = mapped_column(String(1000))
    # Parsed from `query`; an empty list subscribes to every event type of the API.
    event_types: Mapped[list[str]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxEventRow(Base):
    """One delivery of one event to one subscription.

    `event_id` is the spec's `eventId`: shared by every subscription that receives the same
    event, so a listener registered twice still sees one event once.
    """

    __tablename__ = "outbox_event"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id", name="uq_outbox_event_event_id_subscription"),
        # Only undelivered, live rows are ever scanned; the partial index stays small. Each dialect
        # gets the predicate as SQLAlchemy renders it in the claim query, so the planner can use it.
        Index("ix_outbox_event_due", "next_attempt_at",
              postgresql_where=text("delivered_at IS NULL AND NOT dead"),
              sqlite_where=text("delivered_at IS NULL AND dead = 0")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    api: Mapped[str] = mapped_column(String(100))
    subscription_id: Mapped[str] = mapped_column(String(36), index=True)
    event_type: Mapped[str] = mapped_column(String(100))
    target_url: Mapped[str] = mapped_column(String(2200))
    body: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Also the lease: a claimed row is pushed into the future until its delivery finishes.
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    dead: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
