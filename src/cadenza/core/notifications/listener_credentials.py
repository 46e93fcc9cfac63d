"""The bearer token an event is delivered with, chosen by the party that owns the subscription
(the party whose token created it at the hub), never by where its callback points
(docs/security.md, "Events: listeners need a token too").

- A subscription of this domain's own party (its SOF hearing its ICMs, its BUS hearing its
  SOF) gets a token the domain issues itself, with the `notify` scope, and only at this
  domain's own origin.
- A subscription of a party that gave this domain listener credentials gets a token from the
  token endpoint at that party's registered URL, fetched with that party's credentials, and
  only when the callback is at that URL's origin.
- Any other subscription (a customer's listener) gets its events without a token.

`admit` is the same rule at registration: an outside party may register a callback only at
the origin registered for it, and, if none is, at no origin that is this domain's or another
party's. Delivery checks again, for subscriptions made before the rule.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from cadenza.core.client_credentials import ClientCredentials
from cadenza.core.db import Database
from cadenza.core.notifications.callback import CallbackError
from cadenza.core.notifications.rows import EventSubscriptionRow

__all__ = ["NOTIFY_SCOPE", "ListenerAccess", "ListenerCredentials", "origin_of"]

NOTIFY_SCOPE = "notify"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True, slots=True)
class ListenerAccess:
    """What a subscribing party gave this domain: where its listeners and token endpoint are,
    and the client credentials its domain registered for us."""

    url: str
    client_id: str
    client_secret: str

    @property
    def origin(self) -> str:
        return origin_of(self.url)


class ListenerCredentials:
    """`auth_header_for` of the domain's outbox dispatcher, `admit` of its hubs; `refused` drops
    a token a listener answered 401 to, so the next attempt fetches a new one."""

    def __init__(self, database: Database, *, own_url: str, own_party: str, own_token: Callable[[], str],
                 own_token_lifetime_s: float, credentials: Mapping[str, ListenerAccess],
                 origins: Mapping[str, str] | None = None) -> None:
        """`credentials`: per subscribing party, its listener access; `origins`: where other
        parties known to this domain (its partners) have their own listeners."""
        self._db = database
        self._own_origin = origin_of(own_url)
        self._own_party = own_party
        self._issue_own = own_token
        self._own_renew_s = own_token_lifetime_s / 2
        self._own_token: tuple[str, float] | None = None
        self._credentials = dict(credentials)
        self._registered = {party: origin_of(url) for party, url in (origins or {}).items()}
        self._registered.update({party: access.origin for party, access in self._credentials.items()})
        self._lock = threading.Lock()
        self._tokens: dict[str, ClientCredentials] = {}  # per subscribing party
        self._parties: dict[str, str] = {}  # subscription id -> its owning party (never changes)

    # -- registration ---------------------------------------------------------------------------
    def admit(self, party: str, callback: str) -> None:
        """Raise CallbackError, saying what to do instead, for a callback `party` may not register."""
        if party == self._own_party:
            return  # our own subscriptions get our token only at home (`_for`), wherever they point
        origin = origin_of(callback)
        registered = self._registered.get(party)
        if registered is not None:
            if origin != registered:
                raise CallbackError(
                    f"The callback '{callback}' is not at {registered}, the address registered for your "
                    f"listeners (party {party}): register a callback under {registered}, or ask this "
                    "provider to change the address it has for you")
            return
        if origin == self._own_origin:
            raise CallbackError(f"The callback '{callback}' points at this provider's own listeners: register "
                                "the address of a listener of yours")
        others = sorted(p for p, o in self._registered.items() if o == origin)
        if others:
            raise CallbackError(f"The callback '{callback}' points at the listeners of another party "
                                f"({', '.join(others)}): register the address of a listener of yours")

    # -- delivery -------------------------------------------------------------------------------
    async def __call__(self, url: str, subscription_id: str) -> dict[str, str]:
        if self._parties.get(subscription_id) == self._own_party and origin_of(url) == self._own_origin:
            return {"Authorization": f"Bearer {self._own_bearer()}"}  # the common case, without a thread
        # a subscription lookup or a token request may wait on the database or the network
        return await asyncio.to_thread(self._for, url, subscription_id)

    def _for(self, url: str, subscription_id: str) -> dict[str, str]:
        party = self._party_of(subscription_id)
        origin = origin_of(url)
        if party is None:
            return {}
        if party == self._own_party:
            return {"Authorization": f"Bearer {self._own_bearer()}"} if origin == self._own_origin else {}
        access = self._credentials.get(party)
        if access is None or origin != access.origin:
            return {}
        return {"Authorization": f"Bearer {self._provider(party, access)()}"}

    def _own_bearer(self) -> str:
        cached = self._own_token
        if cached is None or time.monotonic() >= cached[1]:
            cached = self._own_token = (self._issue_own(), time.monotonic() + self._own_renew_s)
        return cached[0]

    def _party_of(self, subscription_id: str) -> str | None:
        party = self._parties.get(subscription_id)
        if party is None:
            with self._db.read() as session:
                row = session.get(EventSubscriptionRow, subscription_id)
                party = row.party if row is not None else None
            if party is not None:
                self._parties[subscription_id] = party
        return party

    def _provider(self, party: str, access: ListenerAccess) -> ClientCredentials:
        with self._lock:
            return self._tokens.setdefault(party, ClientCredentials(access.origin, access.client_id,
                                                                    access.client_secret))

    def refused(self, url: str, subscription_id: str) -> None:
        party = self._parties.get(subscription_id)
        if party == self._own_party:
            # our own token was refused at home (its key retired since it was issued): issue a new one
            self._own_token = None
            return
        provider = self._tokens.get(party) if party is not None else None
        if provider is not None:
            provider.forget()
