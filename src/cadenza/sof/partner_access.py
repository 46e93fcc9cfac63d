"""The port through which SOF gets the partner's part of a service (MEF 55.0.1 step 9b).

Two adapters implement it: INTERLUDE straight to the partner's SOF (`interlude_access.py`),
and SONATA through our own BUS (SOF -> LEGATO -> BUS-sp -> SONATA -> BUS-partner). The
fulfilment workflow calls it from durable steps, so every method must be safe to repeat:
`order` with the same `idempotency_key` must not order twice, `remove` of something already
removed (or never created) must succeed quietly. Calls return at once; the workflow reads
`status` until the partner's segment is `active` or `failed`, each time an adapter that hears
from the partner calls `WAKEUPS.notify(partner_news(party, reference))`, and now and then anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

__all__ = ["AccessRequest", "SegmentTestResult", "AccessStatus", "PartnerAccess", "PartnerAccessError",
           "partner_news"]


def partner_news(party: str, reference: str) -> str:
    """The wake-up key of one partner segment (see `cadenza.core.wakeups`)."""
    return f"partner:{party}:{reference}"


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """An Access E-Line (OVC) from the partner's UNI at `site` to the partner's `enni`."""

    idempotency_key: str  # stable for the life of our service: the same request is never ordered twice
    partner: str  # the partner's party id (PartnerConfig.party)
    site: dict[str, Any]  # {"id": partner site id} or a fielded address (city, streetName, streetNr, ...)
    ce_vlan: int | None  # at the UNI; None: port-based
    enni: str  # the partner's ENNI edge point facing us (PartnerConfig.partner_enni)
    s_vlan: int  # the S-VLAN we chose on the ENNI (ours and the partner's side carry the same)
    bandwidth_mbps: int
    max_delay_ms: float | None = None


@dataclass(frozen=True, slots=True)
class SegmentTestResult:
    """The partner's activation test of its segment (step 11)."""

    passed: bool
    delay_ms: float
    loss_ratio: float
    rate_mbps: float
    failures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AccessStatus:
    state: Literal["inProgress", "active", "failed", "removed"]
    reason: str | None = None  # why it failed, in words a person can act on
    test: SegmentTestResult | None = None  # present once active
    bandwidth_mbps: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class PartnerAccessError(Exception):
    """The partner could not be reached or refused the request outright (then `refused`)."""

    def __init__(self, reason: str, *, refused: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.refused = refused


class PartnerAccess(Protocol):
    # True when the adapter hears from the partner (notifications) and wakes waiting work;
    # False makes the workflow poll `status` with a short back-off instead.
    notifies: bool

    def order(self, request: AccessRequest) -> str:
        """Order the segment; returns the partner's reference for it (stable across retries)."""

    def status(self, reference: str) -> AccessStatus:
        """Where the segment is: inProgress, active (with its test result), failed, removed."""

    def modify(self, reference: str, bandwidth_mbps: int, idempotency_key: str) -> None:
        """Change the segment's bandwidth; `status` then reports `inProgress` until done."""

    def remove(self, reference: str, idempotency_key: str) -> None:
        """Disconnect the segment; quietly succeeds when it is already gone."""
