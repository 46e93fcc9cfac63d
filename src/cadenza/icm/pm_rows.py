"""ICM tables of performance monitoring: the collected PM bins and the threshold crossings told.

A bin is one measurement interval of one direction of a connectivity service, as the element at
its ingress reported it over ADAGIO: summary counters in columns (what reports and queries
filter and add up), the steps inside it in one compressed column (what the MEF metrics are
computed from). The primary key makes a collection that runs twice, on two workers or after a
crash, store each bin once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Float, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base

__all__ = ["PmBinRow", "PmThresholdRow"]


class PmBinRow(Base):
    __tablename__ = "icm_pm_bin"

    network_domain: Mapped[str] = mapped_column(String(100), primary_key=True)
    service_uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    ingress: Mapped[str] = mapped_column(String(200), primary_key=True)  # element:port where the flow enters
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # the interval, from the epoch
    egress: Mapped[str] = mapped_column(String(200))
    start: Mapped[int] = mapped_column(BigInteger, index=True)  # simulated epoch seconds
    interval_s: Mapped[int] = mapped_column(Integer)
    step_s: Mapped[int] = mapped_column(Integer)
    steps: Mapped[int] = mapped_column(Integer)  # steps present (fewer than the interval holds: not complete)
    complete: Mapped[bool] = mapped_column(Boolean)
    offered: Mapped[int] = mapped_column(BigInteger)
    green: Mapped[int] = mapped_column(BigInteger)
    yellow: Mapped[int] = mapped_column(BigInteger)
    red: Mapped[int] = mapped_column(BigInteger)
    rx_green: Mapped[int] = mapped_column(BigInteger)
    rx_yellow: Mapped[int] = mapped_column(BigInteger)
    probes: Mapped[int] = mapped_column(Integer)
    probes_lost: Mapped[int] = mapped_column(Integer)
    delay_min_ms: Mapped[float | None] = mapped_column(Float)
    delay_mean_ms: Mapped[float | None] = mapped_column(Float)
    delay_max_ms: Mapped[float | None] = mapped_column(Float)
    # The MEF 10.4 delay figures of the bin as if every probe were qualified (icm/pm_bins.py):
    # what an interval that stayed available shows, so a history need not re-read its probes.
    # None: stored before they were kept, or not measured (no pair of delivered probes, say).
    fd_p99_ms: Mapped[float | None] = mapped_column(Float)
    fdr_p99_ms: Mapped[float | None] = mapped_column(Float)
    ifdv_p99_ms: Mapped[float | None] = mapped_column(Float)
    step_data: Mapped[bytes] = mapped_column(LargeBinary)  # icm/pm_bins.py encodes and decodes it
    collected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PmThresholdRow(Base):
    """Whether a direction of a service is above a threshold, as last told on the hub: a
    crossing is published when this changes (THRESHOLD_ABOVE, then CLEARED), not every interval."""

    __tablename__ = "icm_pm_threshold"

    network_domain: Mapped[str] = mapped_column(String(100), primary_key=True)
    service_uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    ingress: Mapped[str] = mapped_column(String(200), primary_key=True)
    parameter: Mapped[str] = mapped_column(String(60), primary_key=True)
    above: Mapped[bool] = mapped_column(Boolean)
    since_number: Mapped[int] = mapped_column(BigInteger)
