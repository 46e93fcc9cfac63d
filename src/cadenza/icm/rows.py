"""ICM tables: connectivity services and the resources they hold.

Capacity lives in counters updated with a conditional UPDATE (`reserved + x <= capacity`),
so two concurrent reservations can never oversubscribe a link or port, on SQLite or
PostgreSQL, without table locks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base, JsonDocument

__all__ = ["ConnectivityServiceRow", "LinkCapacityRow", "PortUsageRow", "VlanAllocationRow", "ReservationRow",
           "IpAllocationRow", "PublishedFaultsRow"]


class ConnectivityServiceRow(Base):
    __tablename__ = "icm_connectivity_service"

    uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    network_domain: Mapped[str] = mapped_column(String(100), index=True)
    owner: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str | None] = mapped_column(String(200), index=True)
    state: Mapped[str] = mapped_column(String(30), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    bandwidth_mbps: Mapped[int] = mapped_column(Integer)
    max_delay_ms: Mapped[float | None] = mapped_column()
    request: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    plan: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    pending: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LinkCapacityRow(Base):
    __tablename__ = "icm_link_capacity"

    network_domain: Mapped[str] = mapped_column(String(100), primary_key=True)
    link_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    capacity_mbps: Mapped[int] = mapped_column(Integer)
    reserved_mbps: Mapped[int] = mapped_column(Integer, default=0)


class PortUsageRow(Base):
    """How an edge port is used: free, dedicated to one service (port-based), or shared by
    VLAN-based services; plus the bandwidth committed on it."""

    __tablename__ = "icm_port_usage"

    network_domain: Mapped[str] = mapped_column(String(100), primary_key=True)
    element: Mapped[str] = mapped_column(String(100), primary_key=True)
    port: Mapped[str] = mapped_column(String(100), primary_key=True)
    speed_mbps: Mapped[int] = mapped_column(Integer)
    reserved_mbps: Mapped[int] = mapped_column(Integer, default=0)
    mode: Mapped[str] = mapped_column(String(10), default="free")
    users: Mapped[int] = mapped_column(Integer, default=0)


class VlanAllocationRow(Base):
    __tablename__ = "icm_vlan_allocation"
    __table_args__ = (UniqueConstraint("network_domain", "element", "port", "vlan_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network_domain: Mapped[str] = mapped_column(String(100))
    element: Mapped[str] = mapped_column(String(100))
    port: Mapped[str] = mapped_column(String(100))
    vlan_id: Mapped[int] = mapped_column(Integer)
    service_uuid: Mapped[str] = mapped_column(String(64), index=True)


class ReservationRow(Base):
    """Bandwidth a service holds on one link or port, so it can be given back exactly."""

    __tablename__ = "icm_reservation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_uuid: Mapped[str] = mapped_column(String(64), index=True)
    network_domain: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # "link" or "port"
    resource: Mapped[str] = mapped_column(String(300))
    mbps: Mapped[int] = mapped_column(Integer)


class IpAllocationRow(Base):
    """An IPv4 subnet of an Internet gateway's pool held by one Internet Access service: the
    unique constraint keeps two services from ever getting the same subnet."""

    __tablename__ = "icm_ip_allocation"
    __table_args__ = (UniqueConstraint("network_domain", "edge_point", "prefix"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network_domain: Mapped[str] = mapped_column(String(100))
    edge_point: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(43))  # e.g. 203.0.113.4/30
    service_uuid: Mapped[str] = mapped_column(String(64), index=True)


class PublishedFaultsRow(Base):
    """What is down in a network domain as its operational state events last told it, whichever
    worker published them: each worker's fault watcher publishes the changes from this to what
    it reads now, and moves it on by a conditional UPDATE of `generation` in the same
    transaction, so each change is published once however many workers watch."""

    __tablename__ = "icm_published_faults"

    network_domain: Mapped[str] = mapped_column(String(100), primary_key=True)
    down_links: Mapped[list[str]] = mapped_column(JsonDocument)
    down_elements: Mapped[list[str]] = mapped_column(JsonDocument)
    # the edge points whose port failed on its own; None in a row published before ports were told
    down_ports: Mapped[list[str] | None] = mapped_column(JsonDocument)
    known: Mapped[bool] = mapped_column(Boolean)  # False: the element manager did not answer
    generation: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
