"""A customer's own test profiles (§10.3 step 9, the customer's side): created, changed while
no running job uses them, deleted likewise. The SP's offered profiles are read-only to
customers. PATCH has no 422 in the spec, so what a modification gets wrong is its 409 (a value
whose semantics do not fit the property), saying which."""

from __future__ import annotations

from typing import Any

from cadenza.core.clock import now
from cadenza.core.errors import Conflict, Forbidden, Unprocessable
from cadenza.core.ids import new_id
from cadenza.sof.function_testing import configuration, repository
from cadenza.sof.function_testing import profile as profiles
from cadenza.sof.function_testing.rows import TestProfileRow
from cadenza.sof.service import Sof

__all__ = ["SPECIFICATIONS", "create_profile", "modify_profile", "delete_profile"]

SPECIFICATIONS = frozenset({profiles.EVC_SPECIFICATION, profiles.OVC_SPECIFICATION, profiles.IPVC_SPECIFICATION})


def create_profile(sof: Sof, document: dict[str, Any], party: str) -> TestProfileRow:
    configuration.check_profile(document, specifications=SPECIFICATIONS, now_s=now().timestamp())
    at = now()
    with sof.database.transaction() as session:
        row = TestProfileRow(id=new_id(), party=party, lifecycle_state=profiles.AVAILABLE,
                             specification_id=document["relatedServiceSpecification"]["id"], document=dict(document),
                             created_at=at, updated_at=at)
        session.add(row)
        session.flush()
        profiles.announce(session, row, "testProfileCreateEvent", wake=sof.wake)
        session.expunge(row)
    return row


def _own(row: TestProfileRow, doing: str) -> None:
    if row.party is None:
        raise Forbidden(f"Test profile {row.id} is offered by the provider to every customer and cannot be {doing}; "
                        "create a profile of your own (POST /testProfile)")


def modify_profile(sof: Sof, profile_id: str, changes: dict[str, Any], party: str | None) -> TestProfileRow:
    with sof.database.transaction() as session:
        row = repository.profile(session, profile_id, party)
        _own(row, "modified")
        if row.lifecycle_state == profiles.ASSIGNED:
            raise Conflict(f"Test profile {row.id} is assigned to a test job that is not over; change it once the job "
                           "has ended or been cancelled, or create another profile")
        merged = {**row.document, **changes}
        try:
            configuration.check_profile(merged, specifications=SPECIFICATIONS, now_s=now().timestamp())
        except Unprocessable as exc:
            raise Conflict(exc.reason) from None
        row.document, row.updated_at = merged, now()
        row.specification_id = merged["relatedServiceSpecification"]["id"]
        profiles.announce(session, row, "testProfileAttributeValueChangeEvent", wake=sof.wake)
        session.flush()
        session.expunge(row)
    return row


def delete_profile(sof: Sof, profile_id: str, party: str | None) -> None:
    with sof.database.transaction() as session:
        row = repository.profile(session, profile_id, party)
        _own(row, "deleted")
        if row.lifecycle_state == profiles.ASSIGNED:
            raise Unprocessable(f"Test profile {row.id} is assigned to a test job that is not over; delete it once "
                                "the job has ended or been cancelled", property_path="/id")
        profiles.announce(session, row, "testProfileDeleteEvent", wake=sof.wake)
        session.delete(row)
