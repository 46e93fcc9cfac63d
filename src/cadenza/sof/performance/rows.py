"""SOF tables of performance monitoring for customers. The MEF document a customer sent or is
shown is kept beside the columns the SOF works with (states, times in network seconds), never
mixed with them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, validates

from cadenza.core.db import Base, JsonDocument

__all__ = ["PerformanceProfileRow", "PerformanceJobRow", "PerformanceReportRow", "CancelPerformanceJobRow",
           "PmTrackingRecordRow", "PartnerPmIntervalRow", "PartnerPmJobRow"]


class PerformanceProfileRow(Base):
    __tablename__ = "sof_performance_profile"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    api: Mapped[str] = mapped_column(String(20), default="allegro", index=True)  # sof/performance/apis.py
    party: Mapped[str | None] = mapped_column(String(100), index=True)  # None: offered by the SP to every customer
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PerformanceJobRow(Base):
    __tablename__ = "sof_performance_job"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    api: Mapped[str] = mapped_column(String(20), default="allegro", index=True)  # sof/performance/apis.py
    party: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(String(30), index=True)
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    profile: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # the profile's values the job runs with
    # the profile those values came from, if any: whether a profile is assigned is then one indexed
    # lookup, not a read of every job's values (set with `profile`, below)
    profile_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    start_s: Mapped[float] = mapped_column(Float)  # network time the first reporting period begins
    end_s: Mapped[float | None] = mapped_column(Float)  # network time it stops (None: until cancelled)
    next_report_s: Mapped[float] = mapped_column(Float)  # the start of the next period to report on
    reports: Mapped[int] = mapped_column(Integer, default=0)
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # as created, without the server's fields
    termination: Mapped[list[Any] | None] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


    @validates("profile")
    def _keep_profile_id(self, _key: str, values: dict[str, Any]) -> dict[str, Any]:
        self.profile_id = (values or {}).get("profileId")
        return values


class PerformanceReportRow(Base):
    __tablename__ = "sof_performance_report"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    api: Mapped[str] = mapped_column(String(20), default="allegro", index=True)  # sof/performance/apis.py
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
    """A request about a job: a cancellation (both APIs), or in v2 also a suspension, a
    resumption or a modification, each a resource of its own there."""

    __tablename__ = "sof_cancel_performance_job"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    api: Mapped[str] = mapped_column(String(20), default="allegro", index=True)  # sof/performance/apis.py
    party: Mapped[str] = mapped_column(String(100), index=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10), default="cancel")  # cancel | suspend | resume | modify
    document: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)  # as the buyer sent it (v2)
    denied: Mapped[str | None] = mapped_column(Text)  # why it was declined
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PmTrackingRecordRow(Base):
    __tablename__ = "sof_pm_tracking_record"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    api: Mapped[str] = mapped_column(String(20), default="allegro", index=True)  # sof/performance/apis.py
    party: Mapped[str] = mapped_column(String(100), index=True)
    related_type: Mapped[str] = mapped_column(String(40))  # PerformanceJobRef | PerformanceProfileRef | ...
    related_id: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str] = mapped_column(Text)
    request: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))  # client | server
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class PartnerPmIntervalRow(Base):
    """A partner's figures for its segment of one of our services, one interval and direction, as
    fetched over INTERLUDE PM (§10.4 step 4): kept once final, so a report or an assessment
    fetches only the intervals it lacks."""

    __tablename__ = "sof_partner_pm_interval"

    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # the 15-minute interval since the epoch
    party: Mapped[str] = mapped_column(String(100))
    figures: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # the partner's SLS result data point
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PartnerPmJobRow(Base):
    """The proactive job we keep at a partner on its segment of one of our services: each report
    it makes is announced to us, and triggers an assessment of the service (§10.6 step 1)."""

    __tablename__ = "sof_partner_pm_job"

    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(100))
    partner_service_id: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
