"""SOF tables of performance monitoring for customers. The MEF document a customer sent or is
shown is kept beside the columns the SOF works with (states, times in network seconds), never
mixed with them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base, JsonDocument

__all__ = ["PerformanceProfileRow", "PerformanceJobRow", "PerformanceReportRow", "CancelPerformanceJobRow",
           "PmTrackingRecordRow"]


class PerformanceProfileRow(Base):
    __tablename__ = "sof_performance_profile"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str | None] = mapped_column(String(100), index=True)  # None: offered by the SP to every customer
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PerformanceJobRow(Base):
    __tablename__ = "sof_performance_job"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(String(30), index=True)
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    profile: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # the profile's values the job runs with
    start_s: Mapped[float] = mapped_column(Float)  # network time the first reporting period begins
    end_s: Mapped[float | None] = mapped_column(Float)  # network time it stops (None: until cancelled)
    next_report_s: Mapped[float] = mapped_column(Float)  # the start of the next period to report on
    reports: Mapped[int] = mapped_column(Integer, default=0)
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # as created, without the server's fields
    termination: Mapped[list[Any] | None] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PerformanceReportRow(Base):
    __tablename__ = "sof_performance_report"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    job_id: Mapped[str | None] = mapped_column(String(64), index=True)
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    granularity_s: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # as requested (or made by the job)
    content: Mapped[list[Any] | None] = mapped_column(JsonDocument)  # reportContent, once completed
    termination: Mapped[list[Any] | None] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CancelPerformanceJobRow(Base):
    __tablename__ = "sof_cancel_performance_job"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(100), index=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PmTrackingRecordRow(Base):
    __tablename__ = "sof_pm_tracking_record"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(100), index=True)
    related_type: Mapped[str] = mapped_column(String(40))  # PerformanceJobRef | PerformanceProfileRef | ...
    related_id: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str] = mapped_column(Text)
    request: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))  # client | server
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
