"""LEGATO as SOF serves it to the BUS: service ordering and service inventory (Legato v5) with
their hubs, at the spec's base paths (docs/legato-profile.md)."""

from __future__ import annotations

from fastapi import APIRouter

from cadenza.core.notifications.store import HubStore
from cadenza.sof.api.orders import ordering_router
from cadenza.sof.channels import LEGATO
from cadenza.sof.service import Sof

__all__ = ["legato_router"]


def legato_router(sof: Sof, *, hub_store: HubStore | None = None) -> APIRouter:
    return ordering_router(sof, LEGATO, scope="legato", tag="LEGATO", hub_store=hub_store)
