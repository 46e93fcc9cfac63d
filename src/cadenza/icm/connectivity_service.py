"""The connectivity service: an ICM's unit of work (PRESTO, TAPI `connectivity-service`).

States are Cadenza's PRESTO profile (docs/presto-profile.md); each maps onto the TAPI
lifecycle and operational states the spec carries. A service is `planned` from the moment
its path and resources are reserved until every element on the path holds its forwarding
construct; it never leaves a state except by a transition declared here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.errors import Conflict
from cadenza.core.notifications.outbox import publish
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.interfaces.presto.paths import LISTENER_BASE, STATE_CHANGE_EVENT, events_api, icm_base

__all__ = [
    "PLANNED",
    "INSTALLED",
    "MODIFYING",
    "REMOVING",
    "REMOVED",
    "FAILED",
    "TRANSITIONS",
    "TapiStates",
    "tapi_states",
    "transition_to",
    "IllegalTransition",
    "announce",
]

PLANNED = "planned"  # path computed, resources held, elements being configured
INSTALLED = "installed"  # every element configured and read back
MODIFYING = "modifying"  # a bandwidth change being applied to the elements
REMOVING = "removing"  # forwarding constructs being removed
REMOVED = "removed"  # gone from the network, resources released (kept as history)
FAILED = "failed"  # activation refused; everything undone, `reason` says why

TRANSITIONS: dict[str, frozenset[str]] = {
    PLANNED: frozenset({INSTALLED, FAILED}),
    INSTALLED: frozenset({MODIFYING, REMOVING}),
    MODIFYING: frozenset({INSTALLED}),
    REMOVING: frozenset({REMOVED}),
    REMOVED: frozenset(),
    FAILED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class TapiStates:
    lifecycle: str
    operational: str
    administrative: str = "UNLOCKED"


_TAPI = {
    PLANNED: TapiStates("PLANNED", "DISABLED"),
    INSTALLED: TapiStates("INSTALLED", "ENABLED"),
    MODIFYING: TapiStates("INSTALLED", "ENABLED"),
    REMOVING: TapiStates("PENDING_REMOVAL", "DISABLED"),
    # Nothing is held any more: the resources are potentially available to others.
    REMOVED: TapiStates("POTENTIAL_AVAILABLE", "DISABLED", "LOCKED"),
    FAILED: TapiStates("POTENTIAL_AVAILABLE", "DISABLED", "LOCKED"),
}


def tapi_states(state: str) -> TapiStates:
    return _TAPI[state]


class IllegalTransition(Conflict):
    pass


def transition_to(session: Session, row: ConnectivityServiceRow, target: str, *, reason: str | None = None,
                  wake: Callable[[], None] | None = None) -> None:
    """Move `row` to `target` and queue the state change event for the owner's listeners, in
    the same transaction as the change itself."""
    if target not in TRANSITIONS[row.state]:
        raise IllegalTransition(
            f"Connectivity service {row.uuid} is {row.state}; it cannot become {target}",
        )
    row.state = target
    row.reason = reason
    row.updated_at = now()
    if target == INSTALLED and row.activated_at is None:
        row.activated_at = row.updated_at
    announce(session, row, wake=wake)


def announce(session: Session, row: ConnectivityServiceRow, *, wake: Callable[[], None] | None = None) -> None:
    states = tapi_states(row.state)
    publish(session, api=events_api(row.network_domain), event_type=STATE_CHANGE_EVENT, party=row.owner,
            listener_base_path=LISTENER_BASE, wake=wake, resource={
                "id": row.uuid,
                "href": f"{icm_base(row.network_domain)}/restconf/data/context/connectivity-service={row.uuid}/",
                "state": row.state, "lifecycle-state": states.lifecycle,
                "operational-state": states.operational, "reason": row.reason, "at": iso(row.updated_at)})
