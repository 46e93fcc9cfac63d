"""A Test Profile (Service Function Testing v3 `TestProfileLifecycleStateType`): what test a
service offers, and the objectives its results are judged by.

    available -> assigned     (a test job that is not over names it)
    assigned -> available     (the last such job ended)

The SP offers one profile per kind of service it tests (OFFERED, party None, seen by every
customer and changed by none); a customer may create its own, change them while no running
job uses them, and delete them likewise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.errors import Conflict
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.allegro.sft_paths import PROFILE_CONFIGURATION_TYPE, SFT_HUB, SFT_LISTENER_BASE, profile_href
from cadenza.sof.function_testing.rows import TestProfileRow

__all__ = ["AVAILABLE", "ASSIGNED", "TRANSITIONS", "OFFERED", "EVC_SPECIFICATION", "IPVC_SPECIFICATION",
           "OVC_SPECIFICATION", "seed", "transition_to", "announce", "render"]

AVAILABLE = "available"
ASSIGNED = "assigned"
TRANSITIONS: dict[str, frozenset[str]] = {AVAILABLE: frozenset({ASSIGNED}), ASSIGNED: frozenset({AVAILABLE})}

# A service's specification, for a test profile, is the `@type` of its MEF configuration.
EVC_SPECIFICATION = "urn:mef:lso:spec:legato:carrier-ethernet-evc:v0.0.1:all"
OVC_SPECIFICATION = "urn:mef:lso:spec:legato:carrier-ethernet-ovc:v0.0.1:all"
IPVC_SPECIFICATION = "urn:mef:lso:spec:legato:ipvc:v0.0.4:all"
_OFFERED_FOR = {"cadenza-sft-evc-activation": ("EVC", EVC_SPECIFICATION),
                "cadenza-sft-ovc-activation": ("OVC", OVC_SPECIFICATION),
                "cadenza-sft-ipvc-activation": ("IPVC", IPVC_SPECIFICATION)}
OFFERED: dict[str, dict[str, Any]] = {
    profile_id: {"name": f"{kind} activation test", "isBundled": False, "lifecycleStatus": "approved",
                 "validFor": "2099-12-31T23:59:59Z",
                 "description": f"Test frames through the {kind}'s forwarding constructs in every segment of the "
                                "provider's network, end to end: frame delay, frame loss and information rate "
                                "measured on the network, judged against the service's delay bound, 0.1 % loss "
                                "and 95 % of the CIR",
                 "relatedServiceSpecification": {"id": specification},
                 "serviceSpecificTestProfileConfiguration": {"@type": PROFILE_CONFIGURATION_TYPE}}
    for profile_id, (kind, specification) in _OFFERED_FOR.items()}


def seed(session: Session) -> None:
    """The offered profiles, created once per domain (every worker may try: the first wins)."""
    known = set(session.scalars(select(TestProfileRow.id).where(TestProfileRow.id.in_(OFFERED))))
    at = now()
    for profile_id, document in OFFERED.items():
        if profile_id not in known:
            session.add(TestProfileRow(id=profile_id, party=None, lifecycle_state=AVAILABLE,
                                       specification_id=document["relatedServiceSpecification"]["id"],
                                       document=document, created_at=at, updated_at=at))


def transition_to(session: Session, row: TestProfileRow, target: str, *,
                  wake: Callable[[], None] | None = None) -> None:
    """Only a customer's own profile has a lifecycle told to it: the SP's offered ones stay
    available to everyone (whose jobs use them is no one else's business)."""
    if row.party is None or row.lifecycle_state == target:
        return
    if target not in TRANSITIONS[row.lifecycle_state]:
        raise Conflict(f"Test profile {row.id} is {row.lifecycle_state}: it cannot become {target}")
    row.lifecycle_state, row.updated_at = target, now()
    # the payload's schema names `lifecycleState` and requires `state`: both are given
    publish(session, api=SFT_HUB, event_type="testProfileLifecycleStateChangeEvent", party=row.party, wake=wake,
            listener_base_path=SFT_LISTENER_BASE,
            resource={"id": row.id, "href": profile_href(row.id), "lifecycleState": target, "state": target})


def announce(session: Session, row: TestProfileRow, event_type: str, *,
             wake: Callable[[], None] | None = None) -> None:
    """testProfileCreateEvent, testProfileAttributeValueChangeEvent or testProfileDeleteEvent."""
    publish(session, api=SFT_HUB, event_type=event_type, party=row.party, wake=wake,
            listener_base_path=SFT_LISTENER_BASE, resource={"id": row.id, "href": profile_href(row.id)})


def render(row: TestProfileRow, base_url: str) -> dict[str, Any]:
    return {**row.document, "id": row.id, "href": f"{base_url}{profile_href(row.id)}",
            "lifecycleState": row.lifecycle_state, "creationDate": iso(row.created_at.astimezone(UTC)),
            "lastUpdate": iso(row.updated_at.astimezone(UTC))}
