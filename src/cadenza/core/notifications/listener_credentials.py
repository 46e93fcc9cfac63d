"""The bearer token an event is delivered with: listeners are APIs like any other (docs/security.md).

- To this domain's own listeners (its SOF hearing its ICMs, its BUS hearing its SOF) the domain
  presents a token it issues itself, with the `notify` scope.
- To another domain's listeners it presents a token *that* domain issued: the subscriber
  gave this domain client credentials for it (`listener_credentials` on the subscriber's
  client entry), fetched from the token endpoint at the callback's origin.
- Anyone else (a customer's listener) gets the event without a token, as before.

Which party a callback belongs to is read from the hub subscriptions at that origin: the
party that registered it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from sqlalchemy import select

from cadenza.core.client_credentials import ClientCredentials
from cadenza.core.db import Database
from cadenza.core.notifications.rows import EventSubscriptionRow

__all__ = ["NOTIFY_SCOPE", "ListenerCredentials"]

NOTIFY_SCOPE = "notify"
_UNKNOWN_FOR_S = 10.0  # how long an origin no subscriber of ours gave credentials for stays unasked


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class ListenerCredentials:
    """`auth_header_for` of the domain's outbox dispatcher; `refused(url)` drops a token a
    listener answered 401 to, so the next attempt fetches a new one."""

    def __init__(self, database: Database, *, own_url: str, own_token: Callable[[], str], own_token_lifetime_s: float,
                 credentials: Mapping[str, tuple[str, str]]) -> None:
        self._db = database
        self._own_origin = _origin(own_url)
        self._issue_own = own_token
        self._own_renew_s = own_token_lifetime_s / 2
        self._own_token: tuple[str, float] | None = None
        self._credentials = dict(credentials)  # subscriber party -> (client id, secret) at its domain
        self._lock = threading.Lock()
        self._tokens: dict[str, ClientCredentials] = {}
        self._unknown_until: dict[str, float] = {}

    async def __call__(self, url: str) -> dict[str, str]:
        origin = _origin(url)
        if origin == self._own_origin:
            return {"Authorization": f"Bearer {self._own_bearer()}"}
        # a token request or a subscription lookup may wait on the network or the database
        return await asyncio.to_thread(self._foreign, origin)

    def _own_bearer(self) -> str:
        cached = self._own_token
        if cached is None or time.monotonic() >= cached[1]:
            cached = self._own_token = (self._issue_own(), time.monotonic() + self._own_renew_s)
        return cached[0]

    def _foreign(self, origin: str) -> dict[str, str]:
        provider = self._provider(origin)
        return {"Authorization": f"Bearer {provider()}"} if provider is not None else {}

    def refused(self, url: str) -> None:
        origin = _origin(url)
        if origin == self._own_origin:
            # our own token was refused at home (its key retired since it was issued): issue a new one
            self._own_token = None
            return
        provider = self._tokens.get(origin)
        if provider is not None:
            provider.forget()

    def _provider(self, origin: str) -> ClientCredentials | None:
        with self._lock:
            if origin in self._tokens:
                return self._tokens[origin]
            if time.monotonic() < self._unknown_until.get(origin, 0.0):
                return None
        party = self._subscriber_at(origin)
        credentials = self._credentials.get(party) if party is not None else None
        with self._lock:
            if credentials is None:
                self._unknown_until[origin] = time.monotonic() + _UNKNOWN_FOR_S
                return None
            provider = self._tokens.setdefault(origin, ClientCredentials(origin, *credentials))
        return provider

    def _subscriber_at(self, origin: str) -> str | None:
        if not self._credentials:
            return None
        with self._db.read() as session:
            at_origin = EventSubscriptionRow.callback.startswith(origin + "/", autoescape=True)
            parties = set(session.scalars(select(EventSubscriptionRow.party).where(at_origin)))
        known = sorted(parties & set(self._credentials))
        return known[0] if known else None
