"""What an ICM is given to manage: one network domain, its elements, links and edge points
(UNIs towards customers, ENNIs towards partners, INNIs between the provider's own network
domains). The composition root (`cadenza.landscape`) reads these from the domain's YAML."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["PmSettings", "PortSettings", "ElementSettings", "LinkSettings", "EdgePointSettings",
           "NetworkDomainSettings"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PmSettings(_Strict):
    """How an ICM collects PM from its elements (icm/pm_collection.py)."""

    collect_every_s: float = Field(60, ge=1, le=86_400, description="wall-clock seconds between collections")
    retention_days: float = Field(35, gt=0, le=3660, description="simulated days of PM bins kept")
    catch_up_bins: int = Field(8, ge=1, le=96, description="how many ended bins a first collection reaches back")
    # Threshold crossings published on the ICM's hub, per direction and interval: frame loss of
    # the green frames, and mean delay (the service's own max delay where it has one).
    tca_frame_loss_percent: float | None = Field(1.0, ge=0, le=100)
    tca_mean_delay_ms: float | None = Field(None, gt=0)


class PortSettings(_Strict):
    name: str
    speed_mbps: int = Field(10_000, gt=0)


class ElementSettings(_Strict):
    name: str
    role: Literal["pe", "agg", "core", "border"] = "pe"
    ports: list[PortSettings]
    site: str | None = None
    commit_delay_ms: int = Field(0, ge=0, description="simulated time a commit takes on the device")


class LinkSettings(_Strict):
    """A link between two element ports written as 'element:port'."""

    a: str
    b: str
    capacity_mbps: int = Field(10_000, gt=0)
    delay_ms: float = Field(0.5, ge=0)
    loss_ratio: float = Field(0.0, ge=0, le=1)

    @property
    def a_element(self) -> str:
        return self.a.split(":", 1)[0]

    @property
    def a_port(self) -> str:
        return self.a.split(":", 1)[1]

    @property
    def b_element(self) -> str:
        return self.b.split(":", 1)[0]

    @property
    def b_port(self) -> str:
        return self.b.split(":", 1)[1]


class EdgePointSettings(_Strict):
    """A service interface point: where a connectivity service may start or end."""

    id: str
    kind: Literal["uni", "enni", "inni", "internet"]
    element: str
    port: str
    site: str | None = None
    partner: str | None = None  # for an ENNI: the party on the other side
    name: str | None = None
    # A spare UNI port pre-cabled to the customer equipment of UNI `spare_for`: where that UNI's
    # port fails, its services can be moved here without a site visit (sof/trouble).
    spare_for: str | None = None
    # For an Internet gateway's port (kind internet): the IPv4 prefixes it hands out, one
    # subnet of `ipv4_subnet_length` per Internet Access service (icm/ip_pool.py).
    ipv4_pool: str | None = None
    ipv4_subnet_length: int = Field(30, ge=8, le=30)

    @model_validator(mode="after")
    def _pool_fits(self) -> EdgePointSettings:
        if self.kind == "internet":
            if self.ipv4_pool is None:
                raise ValueError(f"internet edge point {self.id!r} needs an ipv4_pool (e.g. 203.0.113.0/24)")
            try:
                pool = ipaddress.IPv4Network(self.ipv4_pool)
            except ValueError as exc:
                raise ValueError(f"edge point {self.id!r}: ipv4_pool {self.ipv4_pool!r}: {exc}") from exc
            if pool.prefixlen > self.ipv4_subnet_length:
                raise ValueError(f"edge point {self.id!r}: a /{self.ipv4_subnet_length} does not fit in {pool}")
        elif self.ipv4_pool is not None:
            raise ValueError(f"edge point {self.id!r}: only an internet edge point has an ipv4_pool")
        return self


class NetworkDomainSettings(_Strict):
    name: str
    elements: list[ElementSettings]
    links: list[LinkSettings] = []
    edge_points: list[EdgePointSettings] = []

    @model_validator(mode="after")
    def _references_resolve(self) -> NetworkDomainSettings:
        ports = {(e.name, p.name) for e in self.elements for p in e.ports}
        for link in self.links:
            for end in (link.a, link.b):
                element, _, port = end.partition(":")
                if (element, port) not in ports:
                    raise ValueError(f"link end {end!r} is not a port of an element in {self.name}")
        unis = {edge.id for edge in self.edge_points if edge.kind == "uni"}
        for edge in self.edge_points:
            if (edge.element, edge.port) not in ports:
                raise ValueError(f"edge point {edge.id!r}: {edge.element}:{edge.port} is not a known port")
            if edge.spare_for is not None and (edge.kind != "uni" or edge.spare_for not in unis - {edge.id}):
                raise ValueError(f"edge point {edge.id!r}: only a UNI is a spare, and spare_for must name another "
                                 f"UNI of {self.name} ({edge.spare_for!r} is none)")
        return self
