"""Cadenza's placement hints inside a LEGATO `serviceConfiguration` (docs/legato-profile.md).

The MEF EVC/OVC schemas describe what a service is, not where its ends are in the provider's
network, so the SOF reads these documented extra properties beside the MEF attributes:

- `cadenzaEvcPlacement` on an EVC: two end points, each on-net (`{"uni": edge point id,
  "ceVlan": 100 | null}`) or off-net at a partner (`{"partner": party, "site": {...},
  "ceVlan": ...}`), the committed bandwidth in Mbit/s (0 allowed: best effort), an optional
  one-way delay bound, and optionally the product's ingress bandwidth profile
  (`bandwidthProfile`: EIR, flows per class of service, envelopes).
- `cadenzaAccessPlacement` on an OVC ordered over INTERLUDE: the partner's site, the CE-VLAN
  there, the partner's ENNI and the S-VLAN the buyer chose on it, the committed bandwidth (0
  allowed: best effort) and optionally the ingress bandwidth profile (`bandwidthProfile`, as
  on an EVC: the EIR the segment's elements police).
- `cadenzaInternetPlacement` on an IPVC (a Basic Internet Access): the UNI, the CE-VLAN there
  (None: the whole UNI) and the bandwidth; the SOF picks the Internet gateway.

A `modify` item carries a `ServiceChange` under the same key: the bandwidth and, for an EVC,
the new CE-VLAN of each end point given (`endPoints`, in the order the service was ordered
with), for an OVC or IPVC the new `ceVlan` at its UNI.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["PartnerSite", "PartnerQuoteItem", "EvcEnd", "FlowHint", "EnvelopeHint", "BandwidthProfileHint",
           "EvcPlacement", "AccessPlacement", "InternetPlacement", "EndChange", "ServiceChange", "EVC_PLACEMENT",
           "ACCESS_PLACEMENT", "INTERNET_PLACEMENT"]

EVC_PLACEMENT = "cadenzaEvcPlacement"
ACCESS_PLACEMENT = "cadenzaAccessPlacement"
INTERNET_PLACEMENT = "cadenzaInternetPlacement"


class _Hint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartnerSite(_Hint):
    """Where an off-net end is: the partner's site id, or its address (city and street)."""

    id: str | None = None
    streetNr: str | None = None
    streetName: str | None = None
    city: str | None = None
    postcode: str | None = None
    country: str | None = None

    @model_validator(mode="after")
    def _identified(self) -> PartnerSite:
        if self.id is None and (self.city is None or self.streetName is None):
            raise ValueError("a site needs its partner site 'id', or an address with at least 'city' and 'streetName'")
        return self


class PartnerQuoteItem(_Hint):
    """The partner's quote item the segment is ordered on (MEF QuoteItemRef)."""

    quoteId: str = Field(min_length=1, max_length=200)
    id: str = Field(min_length=1, max_length=200)


class EvcEnd(_Hint):
    uni: str | None = Field(None, description="an on-net UNI edge point of this domain")
    partner: str | None = Field(None, description="the party serving this end off-net")
    site: PartnerSite | None = None
    ceVlan: int | None = Field(None, ge=1, le=4094, description="None: port-based (the whole UNI)")
    partnerQuoteItem: PartnerQuoteItem | None = Field(None, description="off-net: the partner's quote to order on")

    @model_validator(mode="after")
    def _one_kind(self) -> EvcEnd:
        if (self.uni is None) == (self.partner is None):
            raise ValueError("an end point is either on-net ('uni') or off-net ('partner' with 'site')")
        if self.partner is not None and self.site is None:
            raise ValueError("an off-net end point needs the 'site' where the partner serves it")
        return self

    @property
    def on_net(self) -> bool:
        return self.uni is not None


class FlowHint(_Hint):
    """One ingress bandwidth profile flow (MEF 10.4), per class of service name when named."""

    cosName: str | None = Field(None, min_length=1, max_length=45)
    cirMbps: float = Field(0, ge=0, le=100_000)
    eirMbps: float = Field(0, ge=0, le=100_000)
    cbsKbytes: float | None = Field(None, ge=0, le=10_000_000)
    ebsKbytes: float | None = Field(None, ge=0, le=10_000_000)
    envelopeId: str | None = Field(None, min_length=1, max_length=45)
    rank: int | None = Field(None, ge=1, le=255)
    couplingFlag: bool | None = None
    colorMode: Literal["COLOR_BLIND", "COLOR_AWARE"] | None = None


class EnvelopeHint(_Hint):
    envelopeID: str = Field(min_length=1, max_length=45)
    couplingFlagForIndexZero: bool | None = None


class BandwidthProfileHint(_Hint):
    """What the product's ingress bandwidth profile asks beside the committed rate
    (`bandwidthMbps`): the excess rate, which the network configures but does not reserve,
    and the flows per class of service and their envelopes, as the elements police them."""

    cirMbps: float = Field(0, ge=0, le=100_000)
    eirMbps: float = Field(0, ge=0, le=100_000)
    flows: list[FlowHint] = Field(default_factory=list, max_length=8)
    envelopes: list[EnvelopeHint] = Field(default_factory=list, max_length=8)


class EvcPlacement(_Hint):
    endPoints: list[EvcEnd] = Field(min_length=2, max_length=2)
    # The committed rate the network reserves; 0 for a best-effort EVC whose profile has an EIR.
    bandwidthMbps: int = Field(ge=0, le=100_000)
    maxDelayMs: float | None = Field(None, gt=0)
    bandwidthProfile: BandwidthProfileHint | None = None


class AccessPlacement(_Hint):
    site: PartnerSite
    ceVlan: int | None = Field(None, ge=1, le=4094)
    enni: str = Field(min_length=1, description="the seller's ENNI edge point facing the buyer")
    sVlan: int = Field(ge=1, le=4094, description="the S-VLAN the buyer chose on the ENNI")
    # The committed rate the network reserves; 0 for a best-effort segment whose profile has an EIR.
    bandwidthMbps: int = Field(ge=0, le=100_000)
    maxDelayMs: float | None = Field(None, gt=0)
    bandwidthProfile: BandwidthProfileHint | None = None


class InternetPlacement(_Hint):
    uni: str = Field(min_length=1, description="the on-net UNI edge point where the subscriber is")
    ceVlan: int | None = Field(None, ge=1, le=4094, description="None: port-based (the whole UNI)")
    bandwidthMbps: int = Field(ge=1, le=100_000)


class EndChange(_Hint):
    """One end point of an EVC in a modify: its CE-VLAN after the change (given: it changes to
    this; left out: it stays)."""

    ceVlan: int | None = Field(None, ge=1, le=4094)


class ServiceChange(_Hint):
    """What a `modify` changes: the committed bandwidth, and CE-VLANs (see the module doc)."""

    bandwidthMbps: int = Field(ge=1, le=100_000)
    endPoints: list[EndChange] | None = Field(None, min_length=2, max_length=2)
    ceVlan: int | None = Field(None, ge=1, le=4094)
