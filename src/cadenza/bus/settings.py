"""What the Business Applications of a provider domain are given: the domain's party, its
customer sites and addresses, the partners it buys access from, and the edge points of its
network domains (an ENNI names the partner behind it). The composition root
(`cadenza.landscape`) builds these from the domain's YAML."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cadenza.core.patience import Patience
from cadenza.interfaces.legato.control_policy import ControlPolicy

__all__ = ["PartySettings", "AddressSettings", "SiteSettings", "PartnerSettings", "EdgePointSettings",
           "NetworkDomainSettings", "FieldVisitSettings", "FieldForceSettings", "BusSettings"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartySettings(_Strict):
    id: str
    name: str


class AddressSettings(_Strict):
    """A fielded address (MEF GeographicAddress `FieldedAddress`)."""

    street_nr: str
    street_name: str
    street_type: str | None = None
    city: str
    postcode: str
    state_or_province: str | None = None
    country: str


class SiteSettings(_Strict):
    """A customer site the domain serves on its own network: at an edge point (UNI), or
    waiting for one at a network element with a free access port."""

    id: str
    name: str
    address_id: str
    address: AddressSettings
    edge_point: str | None = None
    customer: str | None = None  # the party whose site it is; None: any customer may use it


class PartnerSettings(_Strict):
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
    call_timeout_s: float = Field(15.0, gt=0)  # one call to the partner's API, before it counts as unanswered
    retry_first_s: float = Field(2.0, gt=0)
    retry_max_s: float = Field(120.0, gt=0)
    failover_after_s: float | None = Field(900.0, ge=0)

    def patience(self) -> Patience:
        """These settings as the entities take them."""
        return Patience(patience_s=self.patience_s, first_retry_s=self.retry_first_s,
                        max_retry_s=max(self.retry_max_s, self.retry_first_s), failover_after_s=self.failover_after_s)


class EdgePointSettings(_Strict):
    id: str
    kind: Literal["uni", "enni", "inni", "internet"]
    partner: str | None = None  # for an ENNI: the party on the other side


class NetworkDomainSettings(_Strict):
    name: str
    edge_points: list[EdgePointSettings] = []


class FieldVisitSettings(_Strict):
    """When a customer lets technicians visit its sites (bus/workforce/): the weekdays (0 Monday)
    and hours (UTC, of the network's simulated time) a visit may take; `book_automatically`: the
    SP books the first such slot itself instead of asking the customer to book one."""

    book_automatically: bool = False
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    from_hour: int = Field(8, ge=0, le=23)
    to_hour: int = Field(18, ge=1, le=24)


class ProactiveTicketSettings(_Strict):
    """A customer that wants a trouble ticket of its own whenever an incident opens on one of
    its products (MEF 55.0.1 §10.5, proactive detection: "where the customer's settings say
    so, a ticket"): the SP opens it in the customer's name, with this person as its
    reporterContact (MEF 124 requires all three), before the customer reports anything."""

    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=200)
    number: str = Field(min_length=1, max_length=50)


class FieldForceSettings(_Strict):
    """The SP's simulated field force: how many crews, how long a visit slot is, how soon after
    a search the first slot may start, how many days ahead slots are offered, and the hours crews
    work (UTC, simulated time; every day of the week)."""

    crews: int = Field(2, ge=1)
    slot_hours: int = Field(2, ge=1, le=12)
    lead_s: float = Field(3600.0, ge=0)
    horizon_days: int = Field(14, ge=1, le=90)
    from_hour: int = Field(7, ge=0, le=23)
    to_hour: int = Field(21, ge=1, le=24)


class BusSettings(_Strict):
    name: str
    party: PartySettings
    network_domains: list[NetworkDomainSettings] = []
    sites: list[SiteSettings] = []
    partners: list[PartnerSettings] = []
    # how many product orders are worked on at once (the rest wait in the durable queue); one
    # held for a partner takes no place
    order_queue_concurrency: int = Field(64, ge=1)
    # MEF 124 Table 9 `closed`: how long a customer has to confirm (or reopen) a resolved
    # trouble ticket before it closes without an answer (the pre-agreed time frame)
    ticket_confirmation_s: float = Field(72 * 3600.0, gt=0)
    field_force: FieldForceSettings = FieldForceSettings()
    # per customer party: when its sites may be visited (default: weekdays 08-18, it books)
    field_visits: dict[str, FieldVisitSettings] = {}
    # per customer party: a ticket opened for it with each incident on its products (none: it reports its own)
    proactive_tickets: dict[str, ProactiveTicketSettings] = {}
    # per offering id: what its customers may change themselves over ALLEGRO, replacing the
    # catalog's policy (bus/control_policies.py)
    dynamic_control: dict[str, ControlPolicy] = {}
