"""A domain's authority for tests that build an app by hand: signing keys held in memory
(the real `KeyStore` keeps them in the domain database) and tokens issued directly."""

from __future__ import annotations

from cadenza.core.auth import Authenticator, ClientRegistry, TokenIssuer
from cadenza.core.errors import Conflict
from cadenza.core.signing_keys import SigningKey, generate_key

ISSUER = "http://test-domain.example"


class MemoryKeys:
    """One Ed25519 key that never rotates: enough for tests of what is not about keys."""

    def __init__(self) -> None:
        self.key = generate_key()

    def signing_key(self) -> SigningKey:
        return self.key

    def verification_key(self, kid: str) -> SigningKey | None:
        return self.key if kid == self.key.kid else None

    def valid_keys(self) -> list[SigningKey]:
        return [self.key]

    def all_keys(self) -> list[SigningKey]:
        return [self.key]

    def rotate(self) -> SigningKey:
        raise Conflict("keys held in memory by a test do not rotate")

    def retire(self) -> SigningKey:
        raise Conflict("keys held in memory by a test do not retire")


def memory_issuer(issuer: str = ISSUER) -> TokenIssuer:
    return TokenIssuer(MemoryKeys(), issuer=issuer)


def authenticator(registry: ClientRegistry, issuer: str = ISSUER) -> Authenticator:
    return Authenticator(registry, memory_issuer(issuer))


def bearer_header(issuer: TokenIssuer, *, party: str, scopes: list[str], role: str = "customer",
                  client_id: str | None = None) -> dict[str, str]:
    token = issuer.issue(client_id=client_id or party, party=party, role=role, scopes=scopes)
    return {"Authorization": f"Bearer {token}"}
