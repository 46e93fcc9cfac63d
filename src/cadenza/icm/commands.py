"""What a caller may ask of an ICM, as plain frozen dataclasses (parsed from PRESTO by the router)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["EndPointRequest", "CreateConnectivityService", "ChangeConnectivityService", "DeleteConnectivityService",
           "RerouteConnectivityService", "ReassignEndPoint"]


@dataclass(frozen=True, slots=True)
class EndPointRequest:
    sip: str  # service interface point uuid (an edge point id)
    vlan_id: int | None = None  # None: the whole port (port-based)


@dataclass(frozen=True, slots=True)
class CreateConnectivityService:
    owner: str
    a: EndPointRequest
    z: EndPointRequest
    mbps: int
    max_delay_ms: float | None = None
    name: str | None = None
    uuid: str | None = None  # a caller-chosen uuid makes a retried create harmless
    # The ingress bandwidth profile the end points asked for (EIR, bursts, flows per class of
    # service; EndPointInput.ingress_profile); None: the CIR alone. Only `mbps` is reserved.
    profile: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ChangeConnectivityService:
    """A change of an installed service in place: its bandwidth, the CE-VLAN of end points, or both."""

    owner: str | None  # None: an operator acting on any party's service
    service: str
    mbps: int | None = None  # None: the bandwidth stays
    # each an end point of the service (by its service interface point) with its new CE-VLAN
    end_points: tuple[EndPointRequest, ...] = ()


@dataclass(frozen=True, slots=True)
class DeleteConnectivityService:
    owner: str | None
    service: str


@dataclass(frozen=True, slots=True)
class RerouteConnectivityService:
    """Move an installed service to a path that keeps off `avoid` (link ids, element names)."""

    owner: str | None
    service: str
    avoid: tuple[str, ...] = ()
    max_delay_ms: float | None = None  # None: the service's own maximum, if it has one


@dataclass(frozen=True, slots=True)
class ReassignEndPoint:
    """Move an installed service's end point at `from_sip` to edge point `to_sip` (a failed port's spare)."""

    owner: str | None
    service: str
    from_sip: str
    to_sip: str
