"""The YAML description of one provider domain.

A provider domain is one organisation (the Service Provider or a Partner): its party, its API
port, and its network domains, each managed by one ICM, with elements, links and edge points
(UNIs towards customers, ENNIs towards partners, INNIs between its own network domains).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from cadenza.core.patience import Patience

__all__ = [
    "PortConfig",
    "ElementConfig",
    "LinkConfig",
    "EdgePointConfig",
    "NetworkDomainConfig",
    "TwinConfig",
    "HttpConfig",
    "PartyConfig",
    "ListenerCredentialsConfig",
    "ClientConfig",
    "AddressConfig",
    "SiteConfig",
    "PartnerConfig",
    "DomainConfig",
    "load_domain_config",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PortConfig(_Strict):
    name: str
    speed_mbps: int = Field(10_000, gt=0)


class ElementConfig(_Strict):
    name: str
    role: Literal["pe", "agg", "core", "border"] = "pe"
    ports: list[PortConfig]
    site: str | None = None
    commit_delay_ms: int = Field(0, ge=0, description="simulated time a commit takes on the device")


class LinkConfig(_Strict):
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


class EdgePointConfig(_Strict):
    """A service interface point: where a connectivity service may start or end."""

    id: str
    kind: Literal["uni", "enni", "inni"]
    element: str
    port: str
    site: str | None = None
    partner: str | None = None  # for an ENNI: the party on the other side
    name: str | None = None


class NetworkDomainConfig(_Strict):
    name: str
    elements: list[ElementConfig]
    links: list[LinkConfig] = []
    edge_points: list[EdgePointConfig] = []

    @model_validator(mode="after")
    def _references_resolve(self) -> NetworkDomainConfig:
        ports = {(e.name, p.name) for e in self.elements for p in e.ports}
        for link in self.links:
            for end in (link.a, link.b):
                element, _, port = end.partition(":")
                if (element, port) not in ports:
                    raise ValueError(f"link end {end!r} is not a port of an element in {self.name}")
        for edge in self.edge_points:
            if (edge.element, edge.port) not in ports:
                raise ValueError(f"edge point {edge.id!r}: {edge.element}:{edge.port} is not a known port")
        return self


class TwinConfig(_Strict):
    driver: Literal["netconf", "scale"] = "netconf"
    netconf_base_port: int = Field(18300, gt=1024, lt=65000)
    persist: bool = True
    # "domain": the twin and ECM live in the domain's process; "own": in a child process of
    # their own, so the network's CPU does not compete with the domain's (ecm/remote.py).
    process: Literal["domain", "own"] = "domain"
    # With its own process: how long after that process died the domain starts it again.
    restart_after_s: float = Field(1.0, ge=0, le=300)


class HttpConfig(_Strict):
    """What the domain's HTTP server accepts."""

    max_request_bytes: int = Field(1 << 20, ge=1024, le=1 << 30, description="largest request body (bytes)")


class ListenerCredentialsConfig(_Strict):
    """Client credentials another domain gave this one for delivering events to its listeners."""

    client_id: str
    client_secret: str = Field(min_length=8)


class ClientConfig(_Strict):
    """An API client the domain registers at start (OAuth2 client credentials)."""

    client_id: str
    client_secret: str = Field(min_length=8)
    party: str
    # seller: a partner this domain buys from, delivering events to this domain's listeners (scope notify)
    role: Literal["operator", "customer", "buyer", "seller", "internal"]
    scopes: list[str]
    # For a client that is another domain subscribing to our events: the credentials that
    # domain registered for us, presented to its token endpoint when we deliver (docs/security.md).
    listener_credentials: ListenerCredentialsConfig | None = None


class AddressConfig(_Strict):
    """A fielded address (MEF GeographicAddress `FieldedAddress`)."""

    street_nr: str
    street_name: str
    street_type: str | None = None
    city: str
    postcode: str
    state_or_province: str | None = None
    country: str


class SiteConfig(_Strict):
    """A customer site the domain serves on its own network: at an edge point (UNI), or
    waiting for one at a network element with a free access port."""

    id: str
    name: str
    address_id: str
    address: AddressConfig
    edge_point: str | None = None
    customer: str | None = None  # the party whose site it is; None: any customer may use it


class PartnerConfig(_Strict):
    """Another provider this domain buys access from (SONATA buyer side)."""

    party: str
    name: str
    url: str  # the partner's API root; SONATA and INTERLUDE paths are the specs' own below it
    client_id: str
    client_secret: str
    enni: str  # our ENNI edge point facing this partner
    partner_enni: str  # the partner's ENNI edge point facing us
    ordering: Literal["interlude", "sonata"] = "sonata"  # MEF 55.0.1 step 9b option
    cities: list[str] = []  # where the partner has footprint, as advertised in its agreement
    # When the partner does not answer (docs/partner-policy.md, "A partner that does not answer"):
    # work waiting for it retries, first after retry_first_s, doubling up to retry_max_s, and
    # fails only after patience_s; where another partner serves the same place, the policy
    # moves the work to it after failover_after_s (null: never, wait the whole patience).
    patience_s: float = Field(4 * 3600.0, gt=0)
    retry_first_s: float = Field(2.0, gt=0)
    retry_max_s: float = Field(120.0, gt=0)
    failover_after_s: float | None = Field(900.0, ge=0)

    def patience(self) -> Patience:
        """These settings as the entities take them."""
        return Patience(patience_s=self.patience_s, first_retry_s=self.retry_first_s,
                        max_retry_s=max(self.retry_max_s, self.retry_first_s), failover_after_s=self.failover_after_s)


class PartyConfig(_Strict):
    id: str
    name: str


class DomainConfig(_Strict):
    name: str
    party: PartyConfig
    host: str = "127.0.0.1"
    port: int = 8080
    twin: TwinConfig = TwinConfig()
    http: HttpConfig = HttpConfig()
    network_domains: list[NetworkDomainConfig]
    clients: list[ClientConfig] = []
    sites: list[SiteConfig] = []
    partners: list[PartnerConfig] = []
    price_factor: float = Field(1.0, gt=0, description="scales every catalog price of this domain")

    @model_validator(mode="after")
    def _names_unique(self) -> DomainConfig:
        seen: set[str] = set()
        for nd in self.network_domains:
            for element in nd.elements:
                if element.name in seen:
                    raise ValueError(f"element {element.name!r} is declared twice")
                seen.add(element.name)
        return self


def load_domain_config(path: str | Path) -> DomainConfig:
    with open(path, encoding="utf-8") as fh:
        return DomainConfig.model_validate(yaml.safe_load(fh))
