"""The buyer SOF's client of a partner SOF over INTERLUDE: the LEGATO client at the
INTERLUDE base paths."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from cadenza.interfaces.interlude.paths import INVENTORY_BASE, ORDERING_BASE
from cadenza.interfaces.legato.client import ServiceOrderingClient

__all__ = ["InterludeClient"]


class InterludeClient(ServiceOrderingClient):
    def __init__(self, base_url: str, token: Callable[[], str], *, transport: httpx.BaseTransport | None = None,
                 timeout_s: float = 30.0) -> None:
        super().__init__(base_url, token, ordering_base=ORDERING_BASE, inventory_base=INVENTORY_BASE,
                         transport=transport, timeout_s=timeout_s)
