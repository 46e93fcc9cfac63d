"""The connectivity service: an ICM's unit of work (PRESTO, TAPI `connectivity-service`).

States are Cadenza's PRESTO profile (docs/presto-profile.md); each maps onto the TAPI
lifecycle and operational states the spec carries. A service is `planned` from the moment
its path and resources are reserved until every element on the path holds its forwarding
construct; it never leaves a state except by a transition declared here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.errors import Conflict
from cadenza.core.notifications.outbox import publish
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.interfaces.presto.paths import DISABLED, ENABLED, LISTENER_BASE, STATE_CHANGE_EVENT, events_api, icm_base

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
    "settle_activations",
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
    PLANNED: TapiStates("PLANNED", DISABLED),
    INSTALLED: TapiStates("INSTALLED", ENABLED),
    MODIFYING: TapiStates("INSTALLED", ENABLED),
    REMOVING: TapiStates("PENDING_REMOVAL", DISABLED),
    # Nothing is held any more: the resources are potentially available to others.
    REMOVED: TapiStates("POTENTIAL_AVAILABLE", DISABLED, "LOCKED"),
    FAILED: TapiStates("POTENTIAL_AVAILABLE", DISABLED, "LOCKED"),
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


_ROWS = ConnectivityServiceRow.__table__
_PLANNED_OF = select(_ROWS.c.uuid, _ROWS.c.owner).where(_ROWS.c.uuid.in_(bindparam("services", expanding=True)),
                                                        _ROWS.c.state == PLANNED)
_STILL_PLANNED = (_ROWS.c.uuid == bindparam("service"), _ROWS.c.state == PLANNED)
_TO_INSTALLED = update(_ROWS).where(*_STILL_PLANNED).values(state=INSTALLED, reason=None, updated_at=bindparam("at"),
                                                           activated_at=bindparam("at"))
_TO_FAILED = update(_ROWS).where(*_STILL_PLANNED).values(state=FAILED, reason=bindparam("why"),
                                                        updated_at=bindparam("at"))


def settle_activations(session: Session, network_domain: str, services: Sequence[str],
                       failures: Mapping[str, str], *, release: Callable[[str], None],
                       wake: Callable[[], None] | None = None) -> int:
    """The outcome of activating `services` together: each still planned becomes installed,
    or failed with its reason in `failures` after `release` gave its resources back. The
    transitions `transition_to` would make (planned -> installed | failed), made as one
    statement per outcome for the whole group and announced one by one; a service no
    longer planned (settled before a crash) is left alone. Returns how many were settled."""
    assert {INSTALLED, FAILED} <= TRANSITIONS[PLANNED]
    planned = list(session.execute(_PLANNED_OF, {"services": list(services)}))
    if not planned:
        return 0
    moment = now()
    failed = [(uuid, owner) for uuid, owner in planned if uuid in failures]
    installed = [(uuid, owner) for uuid, owner in planned if uuid not in failures]
    for uuid, _ in failed:
        release(uuid)
    if installed:
        session.execute(_TO_INSTALLED, [{"service": uuid, "at": moment} for uuid, _ in installed])
    if failed:
        session.execute(_TO_FAILED, [{"service": uuid, "at": moment, "why": failures[uuid]} for uuid, _ in failed])
    for uuid, owner in installed:
        _announce(session, network_domain, uuid, owner, INSTALLED, None, moment, wake)
    for uuid, owner in failed:
        _announce(session, network_domain, uuid, owner, FAILED, failures[uuid], moment, wake)
    return len(planned)


def announce(session: Session, row: ConnectivityServiceRow, *, wake: Callable[[], None] | None = None,
             operational: str | None = None, notification: Mapping[str, Any] | None = None) -> None:
    """Publish the service's state. `operational` overrides what its lifecycle state implies
    (the network changed under an installed service), `notification` adds the TAPI
    notification fields saying what changed."""
    _announce(session, row.network_domain, row.uuid, row.owner, row.state, row.reason, row.updated_at, wake,
              operational, notification)


def _announce(session: Session, network_domain: str, uuid: str, owner: str, state: str, reason: str | None,
              at: datetime, wake: Callable[[], None] | None, operational: str | None = None,
              notification: Mapping[str, Any] | None = None) -> None:
    states = tapi_states(state)
    publish(session, api=events_api(network_domain), event_type=STATE_CHANGE_EVENT, party=owner,
            listener_base_path=LISTENER_BASE, wake=wake, resource={
                "id": uuid, "href": f"{icm_base(network_domain)}/restconf/data/context/connectivity-service={uuid}/",
                "state": state, "lifecycle-state": states.lifecycle,
                "operational-state": operational or states.operational, "reason": reason, "at": iso(at),
                **(notification or {})})
