"""A typed, synchronous client for the service ordering and inventory APIs of a SOF: LEGATO
for the BUS, and (with other base paths) INTERLUDE for a peer SOF.

    LegatoError               any answer that is not 2xx, or no answer at all
    ├── LegatoRejected   4xx  the body is the MEF Error (or for 422 the list of them)
    └── LegatoUnavailable     5xx, timeout, broken connection
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from cadenza.core.client_credentials import TokenUnavailable, send_with_token
from cadenza.interfaces.legato.alarm import Alarm, alarm_from_json, legato_alarm_href
from cadenza.interfaces.legato.degradation import (
    DEGRADATION_BASE,
    Degradation,
    degradation_from_json,
    degradation_href,
)
from cadenza.interfaces.legato.feasibility import FEASIBILITY_BASE, Feasibility, feasibility_from_json
from cadenza.interfaces.legato.paths import INVENTORY_BASE, ORDERING_BASE
from cadenza.interfaces.legato.trouble_report import (
    TROUBLE_REPORT_BASE,
    TroubleReport,
    trouble_report_from_json,
    trouble_report_href,
)

__all__ = ["LegatoError", "LegatoRejected", "LegatoUnavailable", "ServiceOrderingClient", "LegatoClient",
           "read_if_shown"]

log = logging.getLogger(__name__)
_Read = TypeVar("_Read")


class LegatoError(Exception):
    def __init__(self, reason: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.body = body


class LegatoRejected(LegatoError):
    pass


class LegatoUnavailable(LegatoError):
    pass


def read_if_shown(read: Callable[[], _Read], what: str) -> _Read | None:
    """What `read` reads from the SOF on hearing of `what`; None when the SOF does not show it to
    us (400 or 404: not ours, or gone), which is nothing to follow. An SOF that cannot answer
    now raises, so the event that told of it is sent again."""
    try:
        return read()
    except LegatoRejected as exc:
        if exc.status in (400, 404):
            log.info("%s is not one the SOF shows us: %s", what, exc.reason)
            return None
        raise


def _reason(body: Any) -> str:
    first = body[0] if isinstance(body, list) and body else body
    return str(first.get("reason", "")) if isinstance(first, dict) else str(body)[:255]


class ServiceOrderingClient:
    """Service orders and services of one SOF, below `ordering_base` and `inventory_base`."""

    def __init__(self, base_url: str, token: Callable[[], str], *, ordering_base: str = ORDERING_BASE,
                 inventory_base: str = INVENTORY_BASE, transport: httpx.BaseTransport | None = None,
                 timeout_s: float = 30.0) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), transport=transport, timeout=timeout_s)
        self._token = token
        self.ordering_base = ordering_base
        self.inventory_base = inventory_base

    def close(self) -> None:
        self._http.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            reply = send_with_token(self._http, method, path, self._token, **kwargs)
        except TokenUnavailable as exc:
            raise LegatoUnavailable(f"{method} {path}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise LegatoUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        body = reply.json() if reply.content else None
        if reply.is_success:
            return body
        # 408 and 429 say "not now", not "no": tried again like a 5xx
        kind = LegatoRejected if reply.status_code < 500 and reply.status_code not in (408, 429) else LegatoUnavailable
        raise kind(f"{method} {path} answered {reply.status_code}: {_reason(body)}", status=reply.status_code,
                   body=body)

    def create_service_order(self, order: dict[str, Any]) -> dict[str, Any]:
        return self._send("POST", f"{self.ordering_base}/serviceOrder", json=order)

    def get_service_order(self, order_id: str) -> dict[str, Any]:
        return self._send("GET", f"{self.ordering_base}/serviceOrder/{order_id}")

    def list_service_orders(self, **filters: Any) -> list[dict[str, Any]]:
        return self._send("GET", f"{self.ordering_base}/serviceOrder", params=filters)

    def cancel_service_order(self, order_id: str) -> dict[str, Any]:
        """Cadenza profile (docs/legato-profile.md): stop an order still in progress and undo it."""
        return self._send("POST", f"{self.ordering_base}/serviceOrder/{order_id}/cancel")

    def get_service(self, service_id: str) -> dict[str, Any]:
        return self._send("GET", f"{self.inventory_base}/service/{service_id}")

    def list_services(self, **filters: Any) -> list[dict[str, Any]]:
        return self._send("GET", f"{self.inventory_base}/service", params=filters)

    def register_order_listener(self, callback: str, query: str | None = None) -> dict[str, Any]:
        body = {"callback": callback, **({"query": query} if query else {})}
        return self._send("POST", f"{self.ordering_base}/hub", json=body)

    def register_service_listener(self, callback: str, query: str | None = None) -> dict[str, Any]:
        body = {"callback": callback, **({"query": query} if query else {})}
        return self._send("POST", f"{self.inventory_base}/hub", json=body)

    def unregister_order_listener(self, subscription_id: str) -> None:
        self._send("DELETE", f"{self.ordering_base}/hub/{subscription_id}")


class LegatoClient(ServiceOrderingClient):
    """The BUS side of LEGATO: the spec's base paths."""

    def check_feasibility(self, check: dict[str, Any]) -> Feasibility:
        """Could the network carry this now (interfaces/legato/feasibility.py)? Reserves nothing."""
        return feasibility_from_json(self._send("POST", f"{FEASIBILITY_BASE}/feasibilityCheck", json=check))

    def get_degradation(self, degradation_id: str) -> Degradation:
        """An SLS degradation of one of our services (interfaces/legato/degradation.py)."""
        return degradation_from_json(self._send("GET", degradation_href(degradation_id)))

    def list_degradations(self, *, service_id: str) -> list[Degradation]:
        """The SLS degradations of one of our services, oldest first."""
        return [degradation_from_json(body) for body in self._send(
            "GET", f"{DEGRADATION_BASE}/degradation", params={"serviceId": service_id})]

    def get_alarm(self, alarm_id: str) -> Alarm:
        """An alarm on one of our services (Alarm Management v3 at the LEGATO base, interfaces/legato/alarm.py)."""
        return alarm_from_json(self._send("GET", legato_alarm_href(alarm_id)))

    def create_trouble_report(self, service_id: str, ticket_id: str, *, attempt: int = 1,
                              description: str = "") -> TroubleReport:
        """Ask SOF to diagnose a service a customer reported trouble on (interfaces/legato/trouble_report.py);
        the same service, ticket and attempt answer the report already made."""
        return trouble_report_from_json(self._send("POST", f"{TROUBLE_REPORT_BASE}/troubleReport", json={
            "serviceId": service_id, "ticketId": ticket_id, "attempt": attempt, "description": description[:4000]}))

    def get_trouble_report(self, report_id: str) -> TroubleReport:
        return trouble_report_from_json(self._send("GET", trouble_report_href(report_id)))
