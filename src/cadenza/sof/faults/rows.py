"""SOF tables of fault management for customers. The MEF document a customer sent (or the job
made) is kept beside the columns the SOF works with (states, times in epoch seconds of the
SOF's clock), never mixed with them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base, JsonDocument

__all__ = ["FaultJobRow", "FaultReportRow", "FaultJobProcessRow", "FmTrackingRecordRow"]


class FaultJobRow(Base):
    __tablename__ = "sof_fault_job"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(String(30), index=True)
    job_type: Mapped[str] = mapped_column(String(20))
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    start_s: Mapped[float] = mapped_column(Float)  # when the first reporting period begins
    end_s: Mapped[float | None] = mapped_column(Float)  # when it stops (None: until cancelled)
    period_s: Mapped[float] = mapped_column(Float)  # the reportingPeriod
    next_report_s: Mapped[float] = mapped_column(Float)  # the start of the next period to report on
    reports: Mapped[int] = mapped_column(Integer, default=0)
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # FaultManagementJob_Create, as last modified
    termination: Mapped[list[Any] | None] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FaultReportRow(Base):
    __tablename__ = "sof_fault_report"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # the job's values the report was made with
    content: Mapped[list[Any] | None] = mapped_column(JsonDocument)  # reportContent, once completed
    termination: Mapped[list[Any] | None] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FaultJobProcessRow(Base):
    """A Cancel or Modify Fault Management Job request (`kind` cancel | modify)."""

    __tablename__ = "sof_fault_job_process"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    party: Mapped[str] = mapped_column(String(100), index=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(20))
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # the request as sent
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class FmTrackingRecordRow(Base):
    __tablename__ = "sof_fm_tracking_record"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(100), index=True)
    related_type: Mapped[str] = mapped_column(String(40))  # FaultManagementJobRef | FaultManagementReportRef
    related_id: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str] = mapped_column(Text)
    request: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))  # client | server
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
