"""INTERLUDE as a partner SOF serves it to a buyer SOF: access segment orders and their
services, Cadenza's profile of Legato payloads at INTERLUDE paths (docs/interlude-profile.md)."""

from __future__ import annotations

from fastapi import APIRouter

from cadenza.core.notifications.store import HubStore
from cadenza.sof.api.orders import ordering_router
from cadenza.sof.channels import INTERLUDE
from cadenza.sof.service import Sof

__all__ = ["interlude_router"]


def interlude_router(sof: Sof, *, hub_store: HubStore | None = None) -> APIRouter:
    return ordering_router(sof, INTERLUDE, scope="interlude", tag="INTERLUDE", hub_store=hub_store)
