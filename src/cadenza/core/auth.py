"""OAuth2 client credentials, JWTs carrying party and scopes, and the one authorisation
dependency every router uses.

Each domain is its own authority (docs/security.md): a token is a JWT signed by the domain's
own Ed25519 key (`kid` in the header, keys in `core/signing_keys.py`) with `iss` and `aud` the
domain's issuer identifier, `sub` (client id), `party`, `role`, `scope` (space separated),
`iat` and `exp`. A token of another domain names a key this one does not hold and is refused.
Routers declare the scope they need with `Depends(require("presto"))` and receive the
`Principal`; every read and write is then filtered by `principal.party` in the entity.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from fastapi import APIRouter, Depends, Form, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer
from sqlalchemy import select

from cadenza.core.auth_rows import ApiClientRow
from cadenza.core.db import Database
from cadenza.core.errors import BadRequest, Forbidden, Unauthorized
from cadenza.core.signing_keys import ALGORITHM, SigningKeys

__all__ = ["Principal", "ClientRegistry", "TokenIssuer", "Authenticator", "require", "token_router",
           "well_known_router", "keys_router", "TOKEN_PATH", "JWKS_PATH", "METADATA_PATH", "KEYS_BASE"]

_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
TOKEN_PATH = "/oauth2/token"


@dataclass(frozen=True, slots=True)
class Principal:
    client_id: str
    party: str
    role: str
    scopes: frozenset[str]

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"

    @property
    def owner_filter(self) -> str | None:
        """The party whose resources the caller may see: its own, or all (None) for an operator."""
        return None if self.is_operator else self.party


class ClientRegistry:
    """The API clients a domain knows, with argon2-hashed secrets."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def register(self, client_id: str, secret: str, *, party: str, role: str, scopes: list[str]) -> None:
        with self._db.transaction() as session:
            row = session.get(ApiClientRow, client_id)
            if row is not None and _verifies(row.secret_hash, secret):
                row.party, row.role, row.scopes = party, role, sorted(scopes)
                return
            if row is None:
                row = ApiClientRow(client_id=client_id)
                session.add(row)
            row.secret_hash = _hasher.hash(secret)
            row.party, row.role, row.scopes = party, role, sorted(scopes)

    def authenticate(self, client_id: str, secret: str) -> ApiClientRow:
        with self._db.transaction() as session:
            row = session.scalars(select(ApiClientRow).where(ApiClientRow.client_id == client_id)).first()
        if row is None or not _verifies(row.secret_hash, secret):
            raise Unauthorized("Unknown client or wrong secret", code="invalidCredentials")
        return row

    def scopes(self) -> list[str]:
        """Every scope some registered client may be granted."""
        with self._db.read() as session:
            return sorted({scope for scopes in session.scalars(select(ApiClientRow.scopes)) for scope in scopes})


def _verifies(secret_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash, secret)
    except VerificationError:
        return False


class TokenIssuer:
    """Signs this domain's access tokens with its active key and verifies them against its valid
    keys. The domain is both the authorisation server and the only audience of its tokens, so
    `iss` and `aud` are both the domain's issuer identifier (its public URL)."""

    def __init__(self, keys: SigningKeys, *, issuer: str, lifetime_s: int = 3600, remembered: int = 10_000) -> None:
        self.keys = keys
        self.issuer = issuer
        self.lifetime_s = lifetime_s
        # A client presents the same token for up to an hour; checking its signature once is
        # enough (an EdDSA check costs most of a millisecond here). A remembered token is still
        # refused once it expires or its key is retired.
        self._verified: OrderedDict[str, tuple[Principal, str, float]] = OrderedDict()
        self._remembered = remembered
        self._lock = threading.Lock()

    def issue(self, *, client_id: str, party: str, role: str, scopes: list[str]) -> str:
        key = self.keys.signing_key()
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.issuer, "sub": client_id, "party": party, "role": role,
                  "scope": " ".join(sorted(scopes)), "iat": now, "exp": now + self.lifetime_s}
        return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})

    def verify(self, token: str) -> Principal:
        with self._lock:
            known = self._verified.get(token)
        if known is not None:
            principal, kid, expires = known
            if time.time() < expires and self.keys.verification_key(kid) is not None:
                return principal
            with self._lock:
                self._verified.pop(token, None)
        claims, kid = self._claims(token)
        principal = Principal(client_id=claims["sub"], party=claims.get("party", ""), role=claims.get("role", ""),
                              scopes=frozenset(str(claims.get("scope", "")).split()))
        with self._lock:
            self._verified[token] = (principal, kid, float(claims["exp"]))
            if len(self._verified) > self._remembered:
                self._verified.popitem(last=False)
        return principal

    def _claims(self, token: str) -> tuple[dict, str]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The access token is not a JWT: {exc}") from exc
        if header.get("alg") != ALGORITHM:
            # never let the token choose how it is checked (alg=none, HS256 keyed with our public key)
            raise Unauthorized(f"The access token is signed with '{header.get('alg')}'; this domain signs and "
                               f"accepts {ALGORITHM} only")
        kid = header.get("kid")
        key = self.keys.verification_key(kid) if isinstance(kid, str) else None
        if key is None:
            raise Unauthorized(f"The access token names signing key {kid!r}, which is not a valid key of "
                               f"{self.issuer}: obtain a token from this domain's {TOKEN_PATH}")
        try:
            return jwt.decode(token, key.public_key, algorithms=[ALGORITHM], audience=self.issuer, issuer=self.issuer,
                              options={"require": ["iss", "aud", "exp", "iat", "sub"]}), key.kid
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The access token has expired: request a new one at " + TOKEN_PATH) from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthorized(f"The access token is meant for another audience, not {self.issuer}") from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthorized(f"The access token was not issued by {self.issuer}") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The access token is not valid: {exc}") from exc


class Authenticator:
    """Held by the app (`app.state.auth`) so every router authorises the same way."""

    def __init__(self, registry: ClientRegistry, issuer: TokenIssuer) -> None:
        self.registry = registry
        self.issuer = issuer


_bearer = HTTPBearer(auto_error=False)
_basic = HTTPBasic(auto_error=False)


def _authenticator(request: Request) -> Authenticator:
    return request.app.state.auth


def require(scope: str, *, parties: Collection[str] | None = None):  # noqa: ANN201 - a FastAPI dependency
    """A dependency giving the caller's Principal when its token carries `scope` (and, with
    `parties`, when the caller is one of them: a listener hears only the party it listens to)."""

    def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthorized(
                "Missing bearer token: obtain one with the client credentials grant at " + TOKEN_PATH,
                code="missingCredentials",
                headers={"WWW-Authenticate": "Bearer"},
            )
        principal = _authenticator(request).issuer.verify(credentials.credentials)
        if scope not in principal.scopes:
            raise Forbidden(f"The token of {principal.client_id} does not carry the scope '{scope}' this API needs")
        if parties is not None and principal.party not in parties:
            raise Forbidden(f"{principal.client_id} (party {principal.party}) may not call this API: it serves "
                            f"{', '.join(sorted(parties))} only")
        request.state.principal = principal
        return principal

    return dependency


def token_router() -> APIRouter:
    router = APIRouter(tags=["auth"])

    @router.post(TOKEN_PATH)
    def token(
        request: Request,
        grant_type: str = Form(...),
        client_id: str | None = Form(None),
        client_secret: str | None = Form(None),
        scope: str | None = Form(None),
        basic: HTTPBasicCredentials | None = Depends(_basic),
    ) -> dict:
        if grant_type != "client_credentials":
            raise BadRequest(f"Unsupported grant_type '{grant_type}': only client_credentials is offered")
        cid, secret = (basic.username, basic.password) if basic else (client_id, client_secret)
        if not cid or not secret:
            raise Unauthorized("Give client_id and client_secret (form fields or HTTP Basic)",
                               code="missingCredentials")
        auth = _authenticator(request)
        row = auth.registry.authenticate(cid, secret)
        granted = list(row.scopes)
        if scope:
            wanted = set(scope.split())
            if not wanted <= set(granted):
                raise Forbidden(f"Client {cid} may not have scopes {sorted(wanted - set(granted))}")
            granted = sorted(wanted)
        token = auth.issuer.issue(client_id=cid, party=row.party, role=row.role, scopes=granted)
        return {"access_token": token, "token_type": "Bearer", "expires_in": auth.issuer.lifetime_s,
                "scope": " ".join(granted)}

    return router


JWKS_PATH = "/.well-known/jwks.json"
METADATA_PATH = "/.well-known/oauth-authorization-server"
KEYS_BASE = "/cadenza/keys/v1"


def well_known_router() -> APIRouter:
    """The public half of the domain's authority: its keys (RFC 7517) and how to get a token
    from it (RFC 8414), for anyone who wants to check a token this domain issued."""
    router = APIRouter(tags=["auth"])

    @router.get(JWKS_PATH)
    def jwks(request: Request) -> dict:
        return {"keys": [key.public_jwk for key in _authenticator(request).issuer.keys.valid_keys()]}

    @router.get(METADATA_PATH)
    def metadata(request: Request) -> dict:
        auth = _authenticator(request)
        issuer = auth.issuer.issuer
        return {"issuer": issuer, "token_endpoint": issuer + TOKEN_PATH, "jwks_uri": issuer + JWKS_PATH,
                "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "scopes_supported": auth.registry.scopes(),
                # no authorization endpoint: client credentials need none
                "response_types_supported": []}

    return router


def keys_router() -> APIRouter:
    """The operator's control of the signing keys (`cadenza keys ...`, docs/security.md)."""
    router = APIRouter(prefix=KEYS_BASE, tags=["auth"])

    def _listing(request: Request) -> dict:
        return {"keys": [key.describe() for key in _authenticator(request).issuer.keys.all_keys()]}

    @router.get("/signingKey")
    def list_keys(request: Request, _principal: Principal = Depends(require("admin"))) -> dict:
        return _listing(request)

    @router.post("/rotate")
    def rotate(request: Request, _principal: Principal = Depends(require("admin"))) -> dict:
        _authenticator(request).issuer.keys.rotate()
        return _listing(request)

    @router.post("/retire")
    def retire(request: Request, _principal: Principal = Depends(require("admin"))) -> dict:
        _authenticator(request).issuer.keys.retire()
        return _listing(request)

    return router
