"""SOF tables of service function testing for customers. The MEF document a customer sent is
kept beside the columns the SOF works with (states, times in epoch seconds of the SOF's clock),
never mixed with them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base, JsonDocument

__all__ = ["TestProfileRow", "TestJobRow", "TestResultRow", "TestJobProcessRow"]


class TestProfileRow(Base):
    __tablename__ = "sof_test_profile"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str | None] = mapped_column(String(100), index=True)  # None: offered by the SP to everyone
    lifecycle_state: Mapped[str] = mapped_column(String(20))
    specification_id: Mapped[str] = mapped_column(String(200), index=True)  # relatedServiceSpecification.id
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # TestProfile_Create, as last modified
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class TestJobRow(Base):
    __tablename__ = "sof_test_job"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(String(30), index=True)
    held_state: Mapped[str | None] = mapped_column(String(30))  # where an assessment returns the job to
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    profile_id: Mapped[str | None] = mapped_column(String(64), index=True)  # None: a TestProfileValue
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    period_s: Mapped[float | None] = mapped_column(Float)  # recurrencePeriod (None: one test)
    next_test_s: Mapped[float] = mapped_column(Float)
    results: Mapped[int] = mapped_column(Integer, default=0)
    actual_start_s: Mapped[float | None] = mapped_column(Float)
    actual_end_s: Mapped[float | None] = mapped_column(Float)
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # TestJob_Common, as last modified
    termination: Mapped[list[Any] | None] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TestResultRow(Base):
    __tablename__ = "sof_test_result"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    party: Mapped[str] = mapped_column(String(100), index=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    specification_id: Mapped[str] = mapped_column(String(200))
    start_s: Mapped[float] = mapped_column(Float, index=True)
    end_s: Mapped[float] = mapped_column(Float, index=True)
    content: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # serviceSpecificTestResultConfiguration
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class TestJobProcessRow(Base):
    """A Cancel, Suspend, Resume or Modify Test Job request (`kind` cancel | suspend | resume | modify)."""

    __tablename__ = "sof_test_job_process"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    party: Mapped[str] = mapped_column(String(100), index=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    denied_reason: Mapped[str | None] = mapped_column(Text)
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # the request as sent
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
