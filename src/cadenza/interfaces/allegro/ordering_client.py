"""A typed, synchronous client for a SOF's ALLEGRO Service Ordering v1, as a customer calls it:
orders changing its own services (`modify` items, docs/allegro-profile.md), and their events
on its listener. `change_order` builds such an order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from cadenza.interfaces.allegro.http import AllegroHttp
from cadenza.interfaces.allegro.ordering_paths import ORDERING_BASE

__all__ = ["ServiceOrderingClient", "change_item", "change_order"]

# Where the change goes in the serviceConfiguration, by the service's @type family (the same
# placement hints as the service was ordered with, docs/legato-profile.md).
_EVC_HINTS = "cadenzaEvcPlacement"
_HINTS = {"ipvc": "cadenzaInternetPlacement", "ovc": "cadenzaAccessPlacement"}


def change_item(item_id: str, service_id: str, service_type: str, bandwidth_mbps: int, *,
                end_vlans: Sequence[int | None] | None = None, ce_vlan: int | None = None,
                revert_after_s: int | None = None) -> dict[str, Any]:
    """A `modify` item: the service's new committed rate and, for an EVC, each end point's CE-VLAN
    after the change (`end_vlans`, None where it stays), for an IPVC or OVC the UNI's (`ce_vlan`).
    `service_type`: the service's `serviceConfiguration` `@type`, as Service Inventory shows it.
    `revert_after_s`: a temporary change, put back by the SOF after so many seconds (Cadenza's
    `cadenzaRevertAfter`, docs/allegro-profile.md)."""
    key = next((hints for family, hints in _HINTS.items() if f":{family}:" in service_type
                or f"-{family}:" in service_type), _EVC_HINTS)
    hints: dict[str, Any] = {"bandwidthMbps": bandwidth_mbps}
    if end_vlans is not None:
        hints["endPoints"] = [{} if vlan is None else {"ceVlan": vlan} for vlan in end_vlans]
    if ce_vlan is not None:
        hints["ceVlan"] = ce_vlan
    configuration: dict[str, Any] = {"@type": service_type, key: hints}
    if revert_after_s is not None:
        configuration["cadenzaRevertAfter"] = {"amount": revert_after_s, "units": "seconds"}
    return {"id": item_id, "action": "modify", "service": {"id": service_id, "serviceConfiguration": configuration}}


def change_order(*items: dict[str, Any], start: datetime | None = None, external_id: str | None = None,
                 description: str | None = None) -> dict[str, Any]:
    begin = start or datetime.now(UTC)
    order: dict[str, Any] = {"requestedStartDate": begin.isoformat().replace("+00:00", "Z"),
                             "requestedCompletionDate": (begin + timedelta(hours=1)).isoformat().replace("+00:00",
                                                                                                           "Z"),
                             "serviceOrderItem": list(items)}
    if external_id:
        order["externalId"] = external_id
    if description:
        order["description"] = description
    return order


class ServiceOrderingClient:
    def __init__(self, base_url: str, token: Callable[[], str], *, transport: httpx.BaseTransport | None = None,
                 timeout_s: float = 30.0) -> None:
        self._http = AllegroHttp(base_url, ORDERING_BASE, token, transport=transport, timeout_s=timeout_s)

    def close(self) -> None:
        self._http.close()

    def create_order(self, order: dict[str, Any]) -> dict[str, Any]:
        return self._http.send("POST", "/serviceOrder", json=order).json()

    def get_order(self, order_id: str) -> dict[str, Any]:
        return self._http.send("GET", f"/serviceOrder/{order_id}").json()

    def list_orders(self, **filters: Any) -> list[dict[str, Any]]:  # noqa: ANN401
        """`filters` by the spec's query names, e.g. `state="completed"`, `**{"orderDate.gt": ...}`."""
        return self._http.send("GET", "/serviceOrder", params=filters).json()

    def cancel_order(self, order_id: str) -> dict[str, Any]:
        """Cadenza's profile: cancel a change still waiting for its requestedStartDate."""
        return self._http.send("POST", f"/serviceOrder/{order_id}/cancel").json()

    def register_listener(self, callback: str, query: str | None = None) -> dict[str, Any]:
        body = {"callback": callback} if query is None else {"callback": callback, "query": query}
        return self._http.send("POST", "/hub", json=body).json()

    def unregister_listener(self, listener_id: str) -> None:
        self._http.send("DELETE", f"/hub/{listener_id}")
