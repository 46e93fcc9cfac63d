"""OAuth2 client credentials for a Buyer: one token per Seller, reused until shortly before
it expires, so a burst of calls costs one token request."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from cadenza.interfaces.sonata.errors import SonataError, raise_for_mef

__all__ = ["ClientCredentials", "TOKEN_PATH"]

TOKEN_PATH = "/oauth2/token"
# Renew this long before expiry, so a token never dies between being read and being used.
_MARGIN_S = 30.0


class ClientCredentials:
    def __init__(self, http: httpx.Client, *, client_id: str, client_secret: str,
                 token_path: str = TOKEN_PATH, clock: Callable[[], float] = time.monotonic) -> None:
        self._http = http
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_path = token_path
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._token, lifetime = self._fetch()
                self._expires_at = self._clock() + max(lifetime - _MARGIN_S, lifetime / 2)
            return self._token

    def forget(self) -> None:
        """Drop the cached token (the Seller refused it), so the next call fetches a new one."""
        with self._lock:
            self._token = None

    def _fetch(self) -> tuple[str, float]:
        try:
            reply = self._http.post(self._token_path, data={
                "grant_type": "client_credentials", "client_id": self._client_id,
                "client_secret": self._client_secret})
        except httpx.HTTPError as exc:
            raise SonataError(f"cannot reach the token endpoint: {exc}", url=self._token_path) from exc
        raise_for_mef(reply)
        body = reply.json()
        return body["access_token"], float(body.get("expires_in", 300))
