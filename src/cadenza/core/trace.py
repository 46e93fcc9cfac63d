"""The interaction trace: every call over a reference point, filed under the order it serves,
so `cadenza trace ORDER_ID` can replay an order as the MEF 55.0.1 sequence diagram."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from cadenza.core.clock import now
from cadenza.core.db import Base, Database

__all__ = ["TraceRow", "Interaction", "record", "record_now", "interactions"]


class TraceRow(Base):
    __tablename__ = "trace_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    step: Mapped[str | None] = mapped_column(String(20))  # the MEF 55.0.1 §10.2 step, e.g. "9a"
    reference_point: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(60))
    operation: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True, slots=True)
class Interaction:
    at: datetime
    step: str | None
    reference_point: str
    source: str
    target: str
    operation: str
    detail: str | None


def record(session: Session, *, order_id: str, step: str | None, reference_point: str, source: str, target: str,
           operation: str, detail: str | None = None) -> None:
    session.add(TraceRow(order_id=order_id, at=now(), step=step, reference_point=reference_point, source=source,
                         target=target, operation=operation[:200], detail=detail))


def record_now(database: Database, **fields: str | None) -> None:
    """Record in a transaction of its own (for calls made outside any other transaction)."""
    with database.transaction() as session:
        record(session, **fields)  # type: ignore[arg-type]


def interactions(database: Database, order_id: str) -> list[Interaction]:
    with database.transaction() as session:
        rows = session.scalars(select(TraceRow).where(TraceRow.order_id == order_id)
                               .order_by(TraceRow.at, TraceRow.id)).all()
        return [Interaction(r.at, r.step, r.reference_point, r.source, r.target, r.operation, r.detail) for r in rows]
