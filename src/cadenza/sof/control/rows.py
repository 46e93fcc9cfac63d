"""The bounds of dynamic control of each service, kept beside it rather than in its MEF document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base, JsonDocument

__all__ = ["ControlPolicyRow", "ScheduledChangeRow", "CapacityReservationRow"]


class ControlPolicyRow(Base):
    __tablename__ = "sof_control_policy"

    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    policy: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # interfaces/legato/control_policy.py, as carried
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ScheduledChangeRow(Base):
    """When a customer's ALLEGRO order is applied and, for a temporary change, when it ends
    (sof/control/schedule.py). `state`: waiting (for `apply_at`), released (handed to the
    fulfilment workflow), cancelled (by the customer before `apply_at`)."""

    __tablename__ = "sof_control_schedule"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16))
    apply_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revert_to: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument, nullable=True)  # as before the change
    revert_order: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the order that ended it
    reverts: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the temporary change this one ends
    reservation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class CapacityReservationRow(Base):
    """Bandwidth a customer reserved on its service for a window (sof/control/reservation.py).
    `links`: the links and edge ports of the service's route in the SP's networks, `extra_mbps` the bandwidth
    the window adds on each of them; both counted against the other reservations' while
    `held` (until the window ends, or the reservation is cancelled or fails)."""

    __tablename__ = "sof_capacity_reservation"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(64), index=True)
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    order_id: Mapped[str] = mapped_column(String(64))  # the scheduled temporary change that applies it
    mbps: Mapped[int] = mapped_column(Integer)
    extra_mbps: Mapped[int] = mapped_column(Integer)
    start_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    links: Mapped[list[str]] = mapped_column(JsonDocument)
    state: Mapped[str] = mapped_column(String(16))
    held: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
