"""What Service Orchestration is given: the domain's customer sites, the partners it orders
segments from, and its network domains as far as decomposition needs them (edge points, and
element adjacency to pick the nearest INNI). The composition root (`cadenza.landscape`)
builds these from the domain's YAML."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AddressSettings", "SiteSettings", "PartnerSettings", "ElementSettings", "LinkSettings",
           "EdgePointSettings", "NetworkDomainSettings", "SofSettings"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AddressSettings(_Strict):
    street_nr: str
    street_name: str
    city: str
    postcode: str


class SiteSettings(_Strict):
    id: str
    address: AddressSettings
    edge_point: str | None = None


class PartnerSettings(_Strict):
    party: str
    url: str  # the partner's API root; INTERLUDE paths are the spec's own below it
    client_id: str
    client_secret: str
    enni: str  # our ENNI edge point facing this partner
    partner_enni: str  # the partner's ENNI edge point facing us
    ordering: Literal["interlude", "sonata"] = "sonata"  # MEF 55.0.1 step 9b option
    call_timeout_s: float = Field(15.0, gt=0)  # one call to the partner's API, before it counts as unanswered


class ElementSettings(_Strict):
    name: str


class LinkSettings(_Strict):
    """A link between two element ports written as 'element:port'."""

    a: str
    b: str

    @property
    def a_element(self) -> str:
        return self.a.split(":", 1)[0]

    @property
    def b_element(self) -> str:
        return self.b.split(":", 1)[0]


class EdgePointSettings(_Strict):
    id: str
    kind: Literal["uni", "enni", "inni", "internet"]
    element: str
    partner: str | None = None  # for an ENNI: the party on the other side


class NetworkDomainSettings(_Strict):
    name: str
    elements: list[ElementSettings]
    links: list[LinkSettings] = []
    edge_points: list[EdgePointSettings] = []


class SofSettings(_Strict):
    name: str
    network_domains: list[NetworkDomainSettings]
    sites: list[SiteSettings] = []
    partners: list[PartnerSettings] = []
    # How often every segment's operational state is read from the ICMs, beside their events:
    # the longest a lost event leaves a service's state untold (sof/operational.py).
    operational_reconcile_s: float = Field(30.0, gt=0)
    sls_assess_every_s: float = Field(60.0, gt=0)
