"""The YAML description of one provider domain.

A provider domain is one organisation (the Service Provider or a Partner): its party, its API
port, and its network domains, each managed by one ICM, with elements, links and edge points
(UNIs towards customers, ENNIs towards partners, INNIs between its own network domains).

The file is read as one model composed of the entities' own settings types (a network domain
is what an ICM is given, a site or partner what the BUS is given, `twin` what ECM is given);
`bus_settings`, `sof_settings` and `ecm_settings` hand each entity exactly what it reads, so
no entity depends on this composition layer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from cadenza.bus.settings import (
    AddressSettings,
    BusSettings,
    FieldForceSettings,
    FieldVisitSettings,
    PartnerSettings,
    PartySettings,
    ProactiveTicketSettings,
    SiteSettings,
)
from cadenza.core.connection_budget import DatabasePools
from cadenza.ecm.settings import EcmSettings, TwinSettings
from cadenza.icm.settings import (
    EdgePointSettings,
    ElementSettings,
    LinkSettings,
    NetworkDomainSettings,
    PmSettings,
    PortSettings,
)
from cadenza.interfaces.legato.control_policy import ControlPolicy
from cadenza.sof.settings import SofSettings

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
    "bus_settings",
    "sof_settings",
    "ecm_settings",
]

# The YAML's parts are the entities' settings; the old names stay for the landscape and CLI.
PortConfig = PortSettings
ElementConfig = ElementSettings
LinkConfig = LinkSettings
EdgePointConfig = EdgePointSettings
NetworkDomainConfig = NetworkDomainSettings
TwinConfig = TwinSettings
PartyConfig = PartySettings
AddressConfig = AddressSettings
SiteConfig = SiteSettings
PartnerConfig = PartnerSettings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpConfig(_Strict):
    """What the domain's HTTP server accepts."""

    max_request_bytes: int = Field(1 << 20, ge=1024, le=1 << 30, description="largest request body (bytes)")
    # LEGATO and PRESTO between this domain's own entities handed to its app in-process
    # (core/in_process.py) rather than over a loopback socket; false: always over HTTP.
    in_process: bool = True


_POOLS = DatabasePools()  # the defaults live with the budget that counts them


class DatabaseConfig(_Strict):
    """PostgreSQL connections each process of the domain may open (core/connection_budget.py);
    SQLite ignores them."""

    pool_size: int = Field(_POOLS.pool_size, ge=1, description="entities' connections kept open")
    max_overflow: int = Field(_POOLS.max_overflow, ge=0, description="opened beyond pool_size under load")
    workflow_pool_size: int = Field(_POOLS.workflow_pool_size, ge=2, description="DBOS's system-table pool")

    def pools(self) -> DatabasePools:
        return DatabasePools(self.pool_size, self.max_overflow, self.workflow_pool_size)


class SecurityConfig(_Strict):
    """The domain as a security authority (docs/security.md)."""

    # An Ed25519 private key (PEM, PKCS#8, unencrypted) to sign tokens with, instead of the key
    # the domain creates in its database at its first start. Relative to the YAML file.
    signing_key_file: Path | None = None


class ListenerCredentialsConfig(_Strict):
    """Client credentials another domain gave this one for delivering events to its listeners."""

    # That domain's root: its token endpoint is `/oauth2/token` below it, and its party's hub
    # subscriptions here may call back only at its origin (docs/security.md).
    url: str
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


class DomainConfig(_Strict):
    name: str
    party: PartySettings
    host: str = "127.0.0.1"
    port: int = 8080
    twin: TwinSettings = TwinSettings()
    http: HttpConfig = HttpConfig()
    security: SecurityConfig = SecurityConfig()
    database: DatabaseConfig = DatabaseConfig()
    network_domains: list[NetworkDomainSettings]
    clients: list[ClientConfig] = []
    sites: list[SiteSettings] = []
    partners: list[PartnerSettings] = []
    price_factor: float = Field(1.0, gt=0, description="scales every catalog price of this domain")
    operational_reconcile_s: float = Field(30.0, gt=0, description="how often the SOF reads every segment's state")
    pm: PmSettings = PmSettings()  # how every ICM of the domain collects PM from its elements
    sls_assess_every_s: float = Field(60.0, gt=0, description="how often the SOF assesses every service's SLS")
    order_queue_concurrency: int = Field(64, ge=1, description="product orders worked on at once (BusSettings)")
    # DBOS finds queued work (orders, deferred assessments) by polling: at 0.1 s an idle domain
    # spends about 5 % of a core looking. The variable sets the default for every domain a
    # process starts (the test suite takes 0.5 s: its many domains idle, and it times nothing).
    queue_polling_s: float = Field(default_factory=lambda: float(os.environ.get("CADENZA_QUEUE_POLLING_S", "0.1")),
                                   gt=0, le=10, description="how often each process looks for queued workflows")
    ticket_confirmation_s: float = Field(72 * 3600.0, gt=0,
                                         description="a resolved trouble ticket closes unconfirmed after this long")
    field_force: FieldForceSettings = FieldForceSettings()  # the simulated technicians (BusSettings)
    field_visits: dict[str, FieldVisitSettings] = {}  # per customer: when its sites may be visited
    # per customer: the contact of the ticket the SP opens for it with each incident (BusSettings)
    proactive_tickets: dict[str, ProactiveTicketSettings] = {}
    # per offering id: what its customers may change themselves, replacing the catalog's (BusSettings)
    dynamic_control: dict[str, ControlPolicy] = {}

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
        config = DomainConfig.model_validate(yaml.safe_load(fh))
    key_file = config.security.signing_key_file
    if key_file is not None and not key_file.is_absolute():
        resolved = (Path(path).parent / key_file).resolve()
        config = config.model_copy(update={"security": SecurityConfig(signing_key_file=resolved)})
    return config


def bus_settings(config: DomainConfig) -> BusSettings:
    return BusSettings.model_validate(config, from_attributes=True)


def sof_settings(config: DomainConfig) -> SofSettings:
    return SofSettings.model_validate(config, from_attributes=True)


def ecm_settings(config: DomainConfig) -> EcmSettings:
    return EcmSettings.model_validate(config, from_attributes=True)
