"""How far each incident has followed each SLS degradation and outage alarm attached to it: the
BUS's own working state, not part of the MEF `Incident` the customer reads. One row per
degradation or alarm, so an incident that follows both directions of a service and its outage
applies each one's history once, step by step."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cadenza.core.db import Base

__all__ = ["IncidentDegradationRow", "SLS_DEGRADATION", "OUTAGE_ALARM", "BOTH_DIRECTIONS"]

SLS_DEGRADATION = "slsDegradation"  # bus/incident/follow.py
OUTAGE_ALARM = "outageAlarm"  # bus/incident/outage.py
BOTH_DIRECTIONS = "both"  # an outage: no traffic passes either way


class IncidentDegradationRow(Base):
    __tablename__ = "bus_incident_degradation"

    degradation_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the SOF's id, over LEGATO
    # what that id names: an SLS degradation or an outage alarm
    source: Mapped[str] = mapped_column(String(20), default=SLS_DEGRADATION, server_default=SLS_DEGRADATION)
    incident_id: Mapped[str] = mapped_column(String(64), ForeignKey("bus_resource.id", ondelete="CASCADE"),
                                             index=True)
    direction: Mapped[str] = mapped_column(String(10))  # a-to-z | z-to-a | both (an outage)
    applied: Mapped[int] = mapped_column(Integer)  # how many steps of the degradation's history are applied
    state: Mapped[str] = mapped_column(String(40))  # the degradation's or alarm's state as of its last applied step
    # when the incident may close as far as this degradation goes (RFC 3339; none while only detected, or resolved)
    expected_closed: Mapped[str | None] = mapped_column(String(40))
