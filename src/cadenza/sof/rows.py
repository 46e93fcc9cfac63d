"""SOF tables: service orders and their items, services in inventory with their designed
components, the operational state of their PRESTO segments, the VLANs SOF chose on INNIs and
ENNIs, and proactive PM jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base, JsonDocument
from cadenza.interfaces.legato.paths import OPERATIONAL_DISABLED

__all__ = ["ServiceOrderRow", "ServiceOrderItemRow", "ServiceRow", "SegmentStateRow", "VlanChoiceRow", "PmJobRow"]


class ServiceOrderRow(Base):
    __tablename__ = "sof_service_order"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    interface: Mapped[str] = mapped_column(String(20))  # legato | interlude: where it came in, where events go
    party: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(String(30), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[list[Any]] = mapped_column(JsonDocument)
    order_date: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requested_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requested_completion: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    start_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completion_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)


class ServiceOrderItemRow(Base):
    __tablename__ = "sof_service_order_item"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(30))
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    service: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # the ServiceValue as ordered
    termination_error: Mapped[list[Any] | None] = mapped_column(JsonDocument)


class ServiceRow(Base):
    __tablename__ = "sof_service"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    interface: Mapped[str] = mapped_column(String(20))
    party: Mapped[str] = mapped_column(String(100), index=True)
    # The party the service is for (LEGATO relatedContactInformation, role customer): who sees it over ALLEGRO
    customer: Mapped[str | None] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(String(30), index=True)
    # MEF OperationalState, derived from the segments (sof/operational.py); kept beside the MEF
    # document, not in it, so the document stays what was ordered
    operational_state: Mapped[str] = mapped_column(String(10), default=OPERATIONAL_DISABLED)
    reason: Mapped[str | None] = mapped_column(Text)
    service_type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(200))
    configuration: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    design: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # components, as sof.design renders them
    bandwidth_mbps: Mapped[int] = mapped_column(Integer)
    test: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    order_items: Mapped[list[Any]] = mapped_column(JsonDocument)
    start_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SegmentStateRow(Base):
    """The last TAPI operational state an ICM reported for one PRESTO segment of a live service."""

    __tablename__ = "sof_segment_state"

    uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    network_domain: Mapped[str] = mapped_column(String(100), index=True)
    operational_state: Mapped[str] = mapped_column(String(10))
    # what the ICM said was down on the segment's route (`route-faults`), while DISABLED
    route_faults: Mapped[list[str] | None] = mapped_column(JsonDocument)


class VlanChoiceRow(Base):
    """An S-VLAN SOF chose on an INNI or ENNI edge point: unique per edge point."""

    __tablename__ = "sof_vlan_choice"
    __table_args__ = (UniqueConstraint("edge_point", "vlan_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    edge_point: Mapped[str] = mapped_column(String(100))
    vlan_id: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[str] = mapped_column(String(64), index=True)


class PmJobRow(Base):
    """Proactive performance monitoring of one service (MEF 55.0.1 step 12)."""

    __tablename__ = "sof_pm_job"

    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))  # running | stopped
    interval_s: Mapped[int] = mapped_column(Integer)
    monitored: Mapped[dict[str, Any]] = mapped_column(JsonDocument)  # metrics and the segments read
    last_counters: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_collected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
