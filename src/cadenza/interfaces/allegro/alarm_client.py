"""A typed, synchronous client for a SOF's ALLEGRO Alarm Management v3, as a customer calls it.

    AlarmError        any answer that is not 2xx, or no answer; `status` and the MEF Error `body`
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from cadenza.core.client_credentials import TokenUnavailable, send_with_token
from cadenza.interfaces.allegro.alarm_paths import ALARM_BASE

__all__ = ["AlarmError", "AlarmClient"]


class AlarmError(Exception):
    def __init__(self, reason: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.body = body


class AlarmClient:
    """The alarms a customer may see at one SOF, below ALARM_BASE."""

    def __init__(self, base_url: str, token: Callable[[], str], *, transport: httpx.BaseTransport | None = None,
                 timeout_s: float = 30.0) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), transport=transport, timeout=timeout_s)
        self._token = token

    def close(self) -> None:
        self._http.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            reply = send_with_token(self._http, method, f"{ALARM_BASE}{path}", self._token, **kwargs)
        except (TokenUnavailable, httpx.HTTPError) as exc:
            raise AlarmError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if not reply.is_success:
            body = reply.json() if reply.content else None
            reason = body.get("reason", "") if isinstance(body, dict) else str(body)[:255]
            raise AlarmError(f"{method} {path} answered {reply.status_code}: {reason}", status=reply.status_code,
                             body=body)
        return reply

    def list_alarms(self, **filters: Any) -> list[dict[str, Any]]:
        """`filters` by the spec's query names, e.g. `state="cleared"`, `affectedServiceId=...`."""
        return self._send("GET", "/alarm", params=filters).json()

    def get_alarm(self, alarm_id: str) -> dict[str, Any]:
        return self._send("GET", f"/alarm/{alarm_id}").json()

    def register_listener(self, callback: str, query: str | None = None) -> dict[str, Any]:
        body = {"callback": callback} if query is None else {"callback": callback, "query": query}
        return self._send("POST", "/hub", json=body).json()

    def unregister_listener(self, subscription_id: str) -> None:
        self._send("DELETE", f"/hub/{subscription_id}")
