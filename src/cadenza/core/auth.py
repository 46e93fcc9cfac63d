"""OAuth2 client credentials, JWTs carrying party and scopes, and the one authorisation
dependency every router uses.

A token is an HS256 JWT: `sub` (client id), `party`, `role`, `scope` (space separated).
Routers declare the scope they need with `Depends(require("presto"))` and receive the
`Principal`; every read and write is then filtered by `principal.party` in the entity.
"""

from __future__ import annotations

import time
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

__all__ = ["Principal", "ClientRegistry", "TokenIssuer", "Authenticator", "require", "token_router"]

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


def _verifies(secret_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash, secret)
    except VerificationError:
        return False


class TokenIssuer:
    def __init__(self, secret: str, *, issuer: str, lifetime_s: int = 3600) -> None:
        self._secret = secret
        self.issuer = issuer
        self.lifetime_s = lifetime_s

    def issue(self, *, client_id: str, party: str, role: str, scopes: list[str]) -> str:
        now = int(time.time())
        claims = {"sub": client_id, "party": party, "role": role, "scope": " ".join(sorted(scopes)),
                  "iss": self.issuer, "iat": now, "exp": now + self.lifetime_s}
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The access token has expired: request a new one at " + TOKEN_PATH) from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The access token is not valid: {exc}") from exc
        return Principal(client_id=claims["sub"], party=claims.get("party", ""), role=claims.get("role", ""),
                         scopes=frozenset(claims.get("scope", "").split()))


class Authenticator:
    """Held by the app (`app.state.auth`) so every router authorises the same way."""

    def __init__(self, registry: ClientRegistry, issuer: TokenIssuer) -> None:
        self.registry = registry
        self.issuer = issuer


_bearer = HTTPBearer(auto_error=False)
_basic = HTTPBasic(auto_error=False)


def _authenticator(request: Request) -> Authenticator:
    return request.app.state.auth


def require(scope: str):  # noqa: ANN201 - returns a FastAPI dependency
    """A dependency giving the caller's Principal when its token carries `scope`."""

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
