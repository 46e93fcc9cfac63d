"""ALLEGRO, Cadenza's profile (MEF 55.0.1 §10.3 step 1, which the Allegro APIs have no query
for): the bounds within which a customer may change one of its services itself, read below
Service Inventory v2 (docs/allegro-profile.md, "Dynamic control bounds")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from cadenza.core.auth import Principal, require
from cadenza.core.clock import now
from cadenza.core.errors import NotFound
from cadenza.interfaces.allegro.inventory_paths import INVENTORY_BASE, service_href
from cadenza.interfaces.allegro.ordering_paths import CONTROL_POLICY_PATH
from cadenza.sof.control import store
from cadenza.sof.rows import ServiceRow
from cadenza.sof.service import Sof

__all__ = ["allegro_control_router"]

SCOPE = "allegro"


def allegro_control_router(sof: Sof) -> APIRouter:
    router = APIRouter(prefix=INVENTORY_BASE, tags=["ALLEGRO dynamic control (Cadenza profile)"])
    caller = Depends(require(SCOPE))

    @router.get(CONTROL_POLICY_PATH, operation_id="allegro.cadenzaRetrieveControlPolicy",
                summary="Cadenza profile: what the customer may change of this service, within which bounds")
    def retrieve_control_policy(id: str, principal: Principal = caller) -> dict[str, Any]:  # noqa: A002
        with sof.database.read() as session:
            row = session.get(ServiceRow, id)
            if row is None or row.customer is None or (principal.owner_filter is not None
                                                       and row.customer != principal.owner_filter):
                raise NotFound(f"No service with id '{id}' for this customer")
            policy = store.policy_of(session, row.id)
            if policy is None:
                raise NotFound(f"The product of service {id} allows no change by the customer")
            made = store.changes_today(session, row.id, now())
        return {"service": {"id": row.id, "href": service_href(row.id)},
                "href": f"{service_href(row.id)}/cadenzaControlPolicy",
                "bandwidthMbps": row.bandwidth_mbps, **policy.model_dump(mode="json"),
                "changesToday": made, "changesLeftToday": max(policy.maxChangesPerDay - made, 0)}

    return router
