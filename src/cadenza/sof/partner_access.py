"""The port through which SOF gets the partner's part of a service (MEF 55.0.1 step 9b).

Two adapters implement it: INTERLUDE straight to the partner's SOF (`interlude_access.py`),
and SONATA through our own BUS (`interfaces/legato/partner_access.LegatoPartnerAccess`: SOF ->
LEGATO -> BUS-sp -> SONATA -> BUS-partner; the BUS side is `bus/sonata_access.py`). The
fulfilment workflow calls it from durable steps, so every method must be safe to repeat:
`order` with the same `idempotency_key` must not order twice, `remove` of something already
removed (or never created) must succeed quietly. Calls return at once; the workflow reads
`status` until the partner's segment is `active` or `failed`, each time an adapter that hears
from the partner calls `WAKEUPS.notify(partner_news(party, reference))`, and now and then anyway.
"""

from __future__ import annotations

from typing import Protocol

from cadenza.interfaces.legato.partner_access import (
    AccessRequest,
    AccessStatus,
    PartnerAccessError,
    SegmentTestResult,
    partner_news,
)

__all__ = ["AccessRequest", "SegmentTestResult", "AccessStatus", "PartnerAccess", "PartnerAccessError",
           "partner_news"]


class PartnerAccess(Protocol):
    # True when the adapter hears from the partner (notifications) and wakes waiting work;
    # False makes the workflow poll `status` with a short back-off instead.
    notifies: bool

    def order(self, request: AccessRequest) -> str:
        """Order the segment; returns the partner's reference for it (stable across retries)."""

    def status(self, reference: str) -> AccessStatus:
        """Where the segment is: inProgress, active (with its test result), failed, removed."""

    def modify(self, reference: str, bandwidth_mbps: int, idempotency_key: str, *, ce_vlan: int | None = None) -> None:
        """Change the segment's bandwidth and, given `ce_vlan`, its CE-VLAN at the partner's UNI
        (the S-VLAN at the ENNI stays); `status` then reports `inProgress` until done."""

    def remove(self, reference: str, idempotency_key: str) -> None:
        """Disconnect the segment; quietly succeeds when it is already gone."""
