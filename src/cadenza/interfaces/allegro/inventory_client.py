"""A typed, synchronous client for a SOF's ALLEGRO Service Inventory v2, as a customer calls it:
the customer's own services, and their events on its listener."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from cadenza.interfaces.allegro.http import AllegroHttp
from cadenza.interfaces.allegro.inventory_paths import INVENTORY_BASE
from cadenza.interfaces.allegro.ordering_paths import CONTROL_POLICY_PATH

__all__ = ["ServiceInventoryClient"]


class ServiceInventoryClient:
    def __init__(self, base_url: str, token: Callable[[], str], *, transport: httpx.BaseTransport | None = None,
                 timeout_s: float = 30.0) -> None:
        self._http = AllegroHttp(base_url, INVENTORY_BASE, token, transport=transport, timeout_s=timeout_s)

    def close(self) -> None:
        self._http.close()

    def list_services(self, **filters: Any) -> list[dict[str, Any]]:  # noqa: ANN401
        """`filters` by the spec's query names, e.g. `state="active"`, `**{"startDate.gt": ...}`."""
        return self._http.send("GET", "/service", params=filters).json()

    def get_service(self, service_id: str) -> dict[str, Any]:
        return self._http.send("GET", f"/service/{service_id}").json()

    def control_policy(self, service_id: str) -> dict[str, Any]:
        """Cadenza's profile: what the customer may change of the service itself, within which bounds."""
        return self._http.send("GET", CONTROL_POLICY_PATH.replace("{id}", service_id)).json()

    def register_listener(self, callback: str, query: str | None = None) -> dict[str, Any]:
        body = {"callback": callback} if query is None else {"callback": callback, "query": query}
        return self._http.send("POST", "/hub", json=body).json()

    def unregister_listener(self, listener_id: str) -> None:
        self._http.send("DELETE", f"/hub/{listener_id}")
