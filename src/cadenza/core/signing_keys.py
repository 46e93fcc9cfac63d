"""The domain's own token signing keys: Ed25519, kept in the domain's database.

A key lives through three states, declared once here:

    active --rotate--> previous --retire--> retired

The `active` key signs every new token; `previous` only verifies, so the tokens it signed
stay good until they expire; a `retired` key verifies nothing and leaves the JWKS. At most
two keys are valid at once: a rotation is refused while a previous key is still valid.

The first start of a domain creates its first key, unless the domain's configuration gives one
(a PEM file): then that key is the active one, adopted at start as a rotation would (the key it
replaces goes on verifying as `previous`), and the API's rotation is refused, because the next
key is the one the operator puts in the file. Each process caches the keys and reads
them again when a token names a key it does not know (another worker rotated) and at the
latest every `refresh_s`, which is how a retirement made by another worker reaches it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cadenza.core import clock
from cadenza.core.auth_rows import SigningKeyRow
from cadenza.core.db import Database
from cadenza.core.errors import Conflict

__all__ = ["ACTIVE", "PREVIOUS", "RETIRED", "ALGORITHM", "SigningKey", "SigningKeys", "KeyStore", "generate_key",
           "load_private_key", "ConfiguredKeyRefused"]

ACTIVE, PREVIOUS, RETIRED = "active", "previous", "retired"
_NEXT = {ACTIVE: PREVIOUS, PREVIOUS: RETIRED}
ALGORITHM = "EdDSA"  # JOSE name (RFC 8037) of Ed25519 signatures


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    state: str
    created_at: datetime
    retired_at: datetime | None
    public_jwk: dict[str, Any]
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def describe(self) -> dict[str, Any]:
        """What an operator may see of a key: never the private part."""
        return {"kid": self.kid, "alg": ALGORITHM, "state": self.state, "createdAt": _iso(self.created_at),
                "retiredAt": _iso(self.retired_at) if self.retired_at else None}


def _iso(moment: datetime) -> str:
    # SQLite hands back the UTC moments it was given without their zone
    return clock.iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _public_jwk(public: Ed25519PublicKey) -> dict[str, Any]:
    x = _b64url(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    required = {"crv": "Ed25519", "kty": "OKP", "x": x}
    # RFC 7638 thumbprint as the kid: derived from the key itself, so it can never name two keys.
    kid = _b64url(hashlib.sha256(json.dumps(required, separators=(",", ":"), sort_keys=True).encode()).digest())
    return {**required, "kid": kid, "alg": ALGORITHM, "use": "sig"}


def generate_key(state: str = ACTIVE) -> SigningKey:
    """A fresh Ed25519 key pair."""
    private = Ed25519PrivateKey.generate()
    jwk = _public_jwk(private.public_key())
    return SigningKey(kid=jwk["kid"], state=state, created_at=clock.now(), retired_at=None, public_jwk=jwk,
                      private_key=private)


class ConfiguredKeyRefused(ValueError):
    """The key the configuration gives cannot become the active key: the domain does not start."""


def load_private_key(pem: bytes, *, source: str) -> Ed25519PrivateKey:
    """An unencrypted PKCS#8 Ed25519 private key (`openssl genpkey -algorithm ed25519`)."""
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfiguredKeyRefused(f"{source} is not an unencrypted PEM private key ({exc}); create one with "
                                   "`openssl genpkey -algorithm ed25519 -out <file>`") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfiguredKeyRefused(f"{source} holds a {type(private).__name__.lstrip('_')}, not an Ed25519 key; "
                                   "create one with `openssl genpkey -algorithm ed25519 -out <file>`")
    return private


def _new_row(state: str, private: Ed25519PrivateKey | None = None) -> SigningKeyRow:
    key = generate_key(state) if private is None else _adopted(private, state)
    pem = key.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode()
    return SigningKeyRow(kid=key.kid, alg=ALGORITHM, state=state, private_pem=pem, public_jwk=key.public_jwk,
                         created_at=key.created_at, retired_at=None)


def _adopted(private: Ed25519PrivateKey, state: str) -> SigningKey:
    jwk = _public_jwk(private.public_key())
    return SigningKey(kid=jwk["kid"], state=state, created_at=clock.now(), retired_at=None, public_jwk=jwk,
                      private_key=private)


def _key(row: SigningKeyRow) -> SigningKey:
    private = serialization.load_pem_private_key(row.private_pem.encode(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"signing key {row.kid} is not an Ed25519 key")
    return SigningKey(kid=row.kid, state=row.state, created_at=row.created_at, retired_at=row.retired_at,
                      public_jwk=dict(row.public_jwk), private_key=private)


def _move(row: SigningKeyRow, state: str) -> None:
    """The one way a key changes state."""
    if _NEXT.get(row.state) != state:
        raise Conflict(f"Signing key {row.kid} is {row.state}; it cannot become {state}")
    row.state = state
    if state == RETIRED:
        row.retired_at = clock.now()


class SigningKeys(Protocol):
    """What the token issuer needs of a domain's keys (`KeyStore`; tests may hold keys in memory)."""

    def signing_key(self) -> SigningKey: ...

    def verification_key(self, kid: str) -> SigningKey | None: ...

    def valid_keys(self) -> list[SigningKey]: ...

    def all_keys(self) -> list[SigningKey]: ...

    def rotate(self) -> SigningKey: ...

    def retire(self) -> SigningKey: ...


class KeyStore:
    """The keys of one domain, read from its database and cached in this process."""

    def __init__(self, database: Database, *, refresh_s: float = 30.0,
                 monotonic: Callable[[], float] = time.monotonic,
                 configured: Ed25519PrivateKey | None = None) -> None:
        self._db = database
        self._configured = configured
        self._refresh_s = refresh_s
        self._monotonic = monotonic
        self._keys: dict[str, SigningKey] = {}
        self._loaded_at = float("-inf")
        self._reloaded_for_unknown_at = float("-inf")

    def ensure(self) -> SigningKey:
        """The active key: the configured one, adopted if it is not yet; else the stored one, created
        when the domain has none yet (its first start)."""
        if self._configured is not None:
            return self._adopt(self._configured)
        self._load()
        active = self._active()
        if active is not None:
            return active
        try:
            with self._db.transaction() as session:
                session.add(_new_row(ACTIVE))
        except IntegrityError:
            pass  # another process of the domain created it first: use that one
        self._load()
        active = self._active()
        assert active is not None, "the domain database holds no active signing key"
        return active

    def signing_key(self) -> SigningKey:
        self._load_if_stale()
        active = self._active()
        return active if active is not None else self.ensure()

    def verification_key(self, kid: str) -> SigningKey | None:
        """The valid key `kid` names, or None (unknown or retired)."""
        self._load_if_stale()
        key = self._keys.get(kid)
        if key is None and self._monotonic() - self._reloaded_for_unknown_at >= 1.0:
            # Perhaps another worker rotated; at most one read a second, so junk kids cost little.
            self._reloaded_for_unknown_at = self._monotonic()
            self._load()
            key = self._keys.get(kid)
        return key if key is not None and key.state != RETIRED else None

    def valid_keys(self) -> list[SigningKey]:
        self._load_if_stale()
        return [k for k in self._all() if k.state != RETIRED]

    def all_keys(self) -> list[SigningKey]:
        self._load()
        return self._all()

    def _adopt(self, private: Ed25519PrivateKey) -> SigningKey:
        kid = _public_jwk(private.public_key())["kid"]
        try:
            with self._db.transaction() as session:
                rows = {r.kid: r for r in session.scalars(select(SigningKeyRow).with_for_update()).all()}
                known = rows.get(kid)
                if known is not None and known.state != ACTIVE:
                    raise ConfiguredKeyRefused(
                        f"The configured signing key {kid} is {known.state} in this domain's database: a key that "
                        "was rotated away is not used again. Configure a new key (openssl genpkey -algorithm "
                        "ed25519), or remove security.signing_key_file to sign with the stored active key")
                if known is None:
                    previous = [r for r in rows.values() if r.state == PREVIOUS]
                    if previous:
                        raise ConfiguredKeyRefused(
                            f"A new signing key is configured, but key {previous[0].kid} from the last rotation still "
                            "verifies tokens, and at most two keys are valid at once: start the domain with the "
                            "former key file, run `cadenza keys retire` once the tokens it signed have expired, "
                            "then configure the new key")
                    for row in rows.values():
                        if row.state == ACTIVE:
                            _move(row, PREVIOUS)
                    session.flush()
                    session.add(_new_row(ACTIVE, private))
        except IntegrityError:
            pass  # another process of the domain adopted it first
        except ConfiguredKeyRefused:
            # On PostgreSQL a process that waited on the row locks of another one adopting the same
            # key sees its demotion of the old key but not the row it inserted: read again.
            self._load()
            active = self._active()
            if active is None or active.kid != kid:
                raise
        self._load()
        active = self._active()
        assert active is not None and active.kid == kid, "the configured signing key did not become active"
        return active

    def rotate(self) -> SigningKey:
        """A new key signs from now on; the one it replaces still verifies until retired."""
        if self._configured is not None:
            raise Conflict("This domain's signing key is given in its configuration (security.signing_key_file): "
                           "rotate by putting a new key in that file and restarting the domain; the key it "
                           "replaces goes on verifying until `cadenza keys retire`")
        with self._db.transaction() as session:
            rows = session.scalars(select(SigningKeyRow).where(SigningKeyRow.state != RETIRED)
                                   .with_for_update()).all()
            previous = [r for r in rows if r.state == PREVIOUS]
            if previous:
                raise Conflict(f"Key {previous[0].kid} from the last rotation still verifies tokens: retire it "
                               "first (once the tokens it signed have expired), then rotate")
            for row in rows:
                _move(row, PREVIOUS)
            session.flush()
            new = _new_row(ACTIVE)
            session.add(new)
            kid = new.kid
        self._load()
        return self._keys[kid]

    def retire(self) -> SigningKey:
        """The previous key stops verifying: tokens it signed are refused from now on."""
        with self._db.transaction() as session:
            row = session.scalars(select(SigningKeyRow).where(SigningKeyRow.state == PREVIOUS)
                                  .with_for_update()).first()
            if row is None:
                raise Conflict("There is no previous key to retire: only the active key is valid, and "
                               "retiring it would leave the domain unable to sign")
            _move(row, RETIRED)
            kid = row.kid
        self._load()
        return self._keys[kid]

    def _active(self) -> SigningKey | None:
        return next((k for k in self._keys.values() if k.state == ACTIVE), None)

    def _all(self) -> list[SigningKey]:
        return sorted(self._keys.values(), key=lambda k: k.created_at, reverse=True)

    def _load_if_stale(self) -> None:
        if self._monotonic() - self._loaded_at >= self._refresh_s:
            self._load()

    def _load(self) -> None:
        with self._db.read() as session:
            rows = session.scalars(select(SigningKeyRow)).all()
            known = self._keys
            keys: dict[str, SigningKey] = {}
            for row in rows:
                cached = known.get(row.kid)
                # parsing a PEM is cheap but not free; a key's material never changes, only its state
                keys[row.kid] = _key(row) if cached is None else SigningKey(
                    kid=cached.kid, state=row.state, created_at=cached.created_at, retired_at=row.retired_at,
                    public_jwk=cached.public_jwk, private_key=cached.private_key)
        self._keys = keys  # replaced whole: a reader sees the old set or the new one
        self._loaded_at = self._monotonic()
