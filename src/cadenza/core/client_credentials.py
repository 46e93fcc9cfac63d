"""OAuth2 client credentials as a caller of another entity or domain sees them: one token per
token endpoint, reused until shortly before it expires, so a burst of calls costs one token
request. Every client of a reference point (PRESTO, LEGATO, INTERLUDE, SONATA) takes one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

__all__ = ["ClientCredentials", "TokenProvider", "TokenUnavailable", "TOKEN_PATH", "send_with_token"]

TOKEN_PATH = "/oauth2/token"
# Renew this long before expiry, so a token never dies between being read and being used.
_MARGIN_S = 30.0

TokenProvider = Callable[[], str]


class TokenUnavailable(Exception):
    """The token endpoint could not be reached or refused the credentials."""

    def __init__(self, message: str, *, url: str, status: int | None = None,
                 response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.response = response


class ClientCredentials:
    """A `TokenProvider`: call it for a bearer token."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, *, token_path: str = TOKEN_PATH,
                 transport: httpx.BaseTransport | None = None, http: httpx.Client | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.url = base_url.rstrip("/") + token_path
        self._form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        self._transport = transport
        self._http = http
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def __call__(self) -> str:
        return self.token()

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._token, lifetime = self._fetch()
                self._expires_at = self._clock() + max(lifetime - _MARGIN_S, lifetime / 2)
            return self._token

    def forget(self) -> None:
        """Drop the cached token (the server refused it, e.g. after a restart with a new key)."""
        with self._lock:
            self._token = None

    def _fetch(self) -> tuple[str, float]:
        try:
            if self._http is not None:
                reply = self._http.post(self.url, data=self._form)
            else:
                with httpx.Client(transport=self._transport, timeout=30) as http:
                    reply = http.post(self.url, data=self._form)
        except httpx.HTTPError as exc:
            raise TokenUnavailable(f"cannot reach the token endpoint {self.url}: {exc}", url=self.url) from exc
        if reply.status_code != 200:
            raise TokenUnavailable(f"token request to {self.url} answered {reply.status_code}: {reply.text[:200]}",
                                   url=self.url, status=reply.status_code, response=reply)
        body = reply.json()
        return body["access_token"], float(body.get("expires_in", 300))


def send_with_token(http: httpx.Client, method: str, url: str, token: TokenProvider, **kwargs: Any) -> httpx.Response:
    """One request with the provider's bearer token; a 401 (the server rotated and retired the key
    that signed our cached token, or restarted with a new one) drops the token and tries once more."""
    reply = http.request(method, url, headers={"Authorization": f"Bearer {token()}"}, **kwargs)
    forget = getattr(token, "forget", None)
    if reply.status_code == 401 and forget is not None:
        forget()
        reply = http.request(method, url, headers={"Authorization": f"Bearer {token()}"}, **kwargs)
    return reply
