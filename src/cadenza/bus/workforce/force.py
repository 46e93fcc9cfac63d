"""What the BUS needs of a field force (a port: the composition root wires the twin's simulated
crews, ecm/field_force.py), what a crew is sent to repair, and the workforce of each domain in
this process (what a resumed workflow finds its database and desk by)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from cadenza.bus.settings import FieldForceSettings, FieldVisitSettings
from cadenza.bus.trouble.desk import TroubleDesk
from cadenza.core.db import Database

__all__ = ["Fault", "FieldForce", "Workforce", "register_workforce", "workforce_of"]


@dataclass(frozen=True, slots=True)
class Fault:
    """What a technician must repair: a network element, one port of it, or the link between
    `element` and `far_end` ('element' or 'element:port'). `description` says what diagnosis
    found, in words a person can act on; `site_id`: the customer site to visit, if known."""

    kind: Literal["element", "port", "link"]
    element: str
    port: str | None = None
    far_end: str | None = None
    description: str = ""
    site_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        return cls(**data)

    @property
    def where(self) -> str:
        if self.kind == "port":
            return f"port {self.port} of {self.element}"
        if self.kind == "link":
            return f"the link {self.element}-{self.far_end}"
        return f"network element {self.element}"

    def tasks(self) -> list[str]:
        if self.kind == "port":
            return [f"Replace the optics of {self.where}", f"Test {self.where} end to end"]
        if self.kind == "link":
            return [f"Locate and splice the fault on {self.where}", f"Test {self.where} end to end"]
        return [f"Replace the failed module of {self.where}", f"Bring {self.element} back into service and test it"]


class FieldForce(Protocol):
    """The crews, in the network's time: `now` (simulated POSIX seconds), `scale` (simulated
    seconds per wall second; 0: stopped, only moved on purpose), `repair` (what the technician
    did, in words; raises if it could not be done)."""

    def now(self) -> float: ...

    def scale(self) -> float: ...

    def repair(self, kind: str, element: str, port: str | None, far_end: str | None) -> str: ...


@dataclass
class Workforce:
    """One domain's field work: where it is kept and served, who answers for it, the crews and
    the customers' visit settings."""

    name: str
    database: Database
    desk: TroubleDesk
    base_url: str
    organization: str
    field_force: FieldForce | None
    settings: FieldForceSettings = field(default_factory=FieldForceSettings)
    visits: Mapping[str, FieldVisitSettings] = field(default_factory=dict)
    wake: Callable[[], None] | None = None
    poll_s: float = 1.0  # how often a visit waiting on a stopped clock looks at it again
    start_visit: Callable[[str], None] | None = None  # set by visit.register: starts the durable visit

    def visits_of(self, party: str) -> FieldVisitSettings:
        return self.visits.get(party) or FieldVisitSettings()

    @property
    def technical_contact(self) -> dict[str, str]:
        # R53: the seller's technical contact is required on every work order
        return {"role": "technicalContact", "name": f"{self.organization} field operations",
                "emailAddress": f"field@{self.name}.example", "number": "+1-555-0197",
                "organization": self.organization}

    @property
    def appointment_contact(self) -> dict[str, str]:
        return {"role": "sellerAppointmentContact", "name": f"{self.organization} dispatch",
                "emailAddress": f"dispatch@{self.name}.example", "number": "+1-555-0196",
                "organization": self.organization}

    @property
    def author(self) -> str:
        return f"{self.organization} field operations"


_WORKFORCES: dict[str, Workforce] = {}


def register_workforce(workforce: Workforce) -> None:
    _WORKFORCES[workforce.name] = workforce


def workforce_of(domain: str) -> Workforce:
    return _WORKFORCES[domain]
