"""INTERLUDE service ordering is Cadenza's profile of the Legato v5 payloads under INTERLUDE
base paths (docs/interlude-profile.md): the official Legato files validate it there."""

from __future__ import annotations

from cadenza.core.openapi_validation import ServedSpec
from cadenza.interfaces.interlude import paths
from cadenza.interfaces.legato import openapi as legato

__all__ = ["served_specs"]


def served_specs() -> list[ServedSpec]:
    return [
        ServedSpec(legato.ORDERING, base=paths.ORDERING_BASE),
        ServedSpec(legato.INVENTORY, base=paths.INVENTORY_BASE),
        ServedSpec(legato.ORDER_NOTIFICATION, base=paths.ORDER_LISTENER_BASE, prefixed=True),
        ServedSpec(legato.INVENTORY_NOTIFICATION, base=paths.INVENTORY_LISTENER_BASE, prefixed=True),
    ]
