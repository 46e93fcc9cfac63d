"""Each domain of the landscape is its own authority: a token one domain issued is worthless at
another, even for a client of the same name, secret and scopes (docs/security.md)."""

from __future__ import annotations

import httpx
import jwt

from tests.e2e.conftest import Parties


def _bearer(client: httpx.Client) -> str:
    return client.headers["Authorization"].removeprefix("Bearer ")


def test_the_partners_operator_token_is_refused_at_the_service_provider(parties: Parties) -> None:
    sp_url = parties.landscape.url("sp")
    partner_token = _bearer(parties.partner_a)
    # The partner's operator holds every scope the SP's operator holds, and it works at home
    assert parties.partner_a.get("/cadenza/twin/v1/status").status_code == 200
    for path in ("/cadenza/twin/v1/status", "/cadenza/keys/v1/signingKey"):
        refused = httpx.get(f"{sp_url}{path}", headers={"Authorization": f"Bearer {partner_token}"}, timeout=10)
        assert refused.status_code == 401, (path, refused.text)
        assert refused.json()["code"] == "invalidCredentials"
    assert parties.sp.get("/cadenza/keys/v1/signingKey").status_code == 200


def test_every_domain_publishes_its_own_keys_and_issuer(parties: Parties) -> None:
    kids: dict[str, set[str]] = {}
    for name in ("sp", "partner-a", "partner-b"):
        url = parties.landscape.url(name)
        metadata = httpx.get(f"{url}/.well-known/oauth-authorization-server", timeout=10).json()
        assert metadata["issuer"] == url and metadata["jwks_uri"] == f"{url}/.well-known/jwks.json"
        kids[name] = {key["kid"] for key in httpx.get(metadata["jwks_uri"], timeout=10).json()["keys"]}
    assert not kids["sp"] & kids["partner-a"] and not kids["sp"] & kids["partner-b"]
    assert not kids["partner-a"] & kids["partner-b"]
    claims = jwt.decode(_bearer(parties.sp_at_partner_a), options={"verify_signature": False})
    assert claims["iss"] == claims["aud"] == parties.landscape.url("partner-a")
    assert jwt.get_unverified_header(_bearer(parties.sp_at_partner_a))["kid"] in kids["partner-a"]
