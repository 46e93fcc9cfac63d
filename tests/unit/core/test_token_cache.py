"""The token issuer remembers tokens it has verified (core/auth.TokenIssuer.verify), and the
memory must never outlive what the token itself allows: its expiry and its key's validity."""

from __future__ import annotations

import time
from datetime import datetime

import jwt.api_jwt
import pytest

import cadenza.core.auth as auth
from cadenza.core.auth import TokenIssuer
from cadenza.core.errors import Unauthorized
from cadenza.core.signing_keys import SigningKey, generate_key

ISSUER = "http://sp.example"


class Keys:
    """One domain's keys held in memory: the issuer needs only these two answers of them."""

    def __init__(self) -> None:
        self.key = generate_key()
        self.retired = False

    def signing_key(self) -> SigningKey:
        return self.key

    def verification_key(self, kid: str) -> SigningKey | None:
        return self.key if kid == self.key.kid and not self.retired else None


def _later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move the clock the issuer and PyJWT read forward by `seconds`."""
    moved = time.time() + seconds
    monkeypatch.setattr(auth.time, "time", lambda: moved)

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206 - datetime.now's own signature
            return datetime.fromtimestamp(moved, tz)

    monkeypatch.setattr(jwt.api_jwt, "datetime", Later)


def _issuer() -> tuple[TokenIssuer, Keys, str]:
    keys = Keys()
    issuer = TokenIssuer(keys, issuer=ISSUER, lifetime_s=60)  # type: ignore[arg-type]
    return issuer, keys, issuer.issue(client_id="acme", party="acme", role="buyer", scopes=["cantata"])


def test_a_remembered_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    issuer, _keys, token = _issuer()
    assert issuer.verify(token).party == "acme"
    assert issuer.verify(token).scopes == frozenset({"cantata"})  # answered from memory
    _later(monkeypatch, 61)
    with pytest.raises(Unauthorized, match="expired"):
        issuer.verify(token)


def test_a_remembered_token_is_refused_once_its_key_is_retired() -> None:
    issuer, keys, token = _issuer()
    assert issuer.verify(token).client_id == "acme"
    keys.retired = True
    with pytest.raises(Unauthorized, match="not a valid key"):
        issuer.verify(token)
