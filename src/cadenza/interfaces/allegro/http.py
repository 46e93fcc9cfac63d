"""The HTTP part every ALLEGRO client shares: a token on each call, and any answer that is not
2xx (or no answer) raised as an `AllegroError` carrying the status and the MEF Error body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from cadenza.core.client_credentials import TokenUnavailable, send_with_token

__all__ = ["AllegroError", "AllegroHttp"]


class AllegroError(Exception):
    def __init__(self, reason: str, *, status: int | None = None, body: Any = None) -> None:  # noqa: ANN401
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.body = body


class AllegroHttp:
    """Calls below one API's base path at one SOF."""

    def __init__(self, base_url: str, base_path: str, token: Callable[[], str], *,
                 transport: httpx.BaseTransport | None = None, timeout_s: float = 30.0) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), transport=transport, timeout=timeout_s)
        self._base_path = base_path
        self._token = token

    def close(self) -> None:
        self._http.close()

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:  # noqa: ANN401
        try:
            reply = send_with_token(self._http, method, f"{self._base_path}{path}", self._token, **kwargs)
        except (TokenUnavailable, httpx.HTTPError) as exc:
            raise AllegroError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if not reply.is_success:
            body = reply.json() if reply.content else None
            reason = body.get("reason", "") if isinstance(body, dict) else str(body)[:255]
            raise AllegroError(f"{method} {path} answered {reply.status_code}: {reason}", status=reply.status_code,
                               body=body)
        return reply
