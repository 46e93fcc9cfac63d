"""Each domain is its own authority: its own Ed25519 keys in its database, published as a JWKS,
tokens bound to it by `iss`, `aud` and `kid`, and keys rotated without refusing live tokens."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from cadenza.core.auth import (
    Authenticator,
    ClientRegistry,
    Principal,
    TokenIssuer,
    keys_router,
    require,
    token_router,
    well_known_router,
)
from cadenza.core.auth_rows import SigningKeyRow
from cadenza.core.db import Database
from cadenza.core.errors import Unauthorized, install_error_handlers
from cadenza.core.notifications import HubStore
from cadenza.core.notifications.callback import CallbackError
from cadenza.core.notifications.listener_credentials import ListenerAccess, ListenerCredentials
from cadenza.core.signing_keys import ACTIVE, PREVIOUS, KeyStore, generate_key
from cadenza.landscape.database import migrate
from tests.helpers.servers import serve

SP, PARTNER = "http://sp.example:8080", "http://partner-a.example:8081"


def domain_app(database: Database, issuer: str) -> FastAPI:
    registry = ClientRegistry(database)
    registry.register("operator", "operator-secret", party="op", role="operator", scopes=["admin", "presto"])
    registry.register("acme", "acme-secret", party="acme", role="customer", scopes=["cantata"])
    keys = KeyStore(database)
    keys.ensure()
    app = FastAPI()
    app.state.auth = Authenticator(registry, TokenIssuer(keys, issuer=issuer))
    install_error_handlers(app)
    for router in (token_router(), well_known_router(), keys_router()):
        app.include_router(router)

    @app.get("/whoami")
    def whoami(principal: Principal = Depends(require("presto"))) -> dict:
        return {"client": principal.client_id, "party": principal.party}

    return app


def token(client: TestClient, client_id: str = "operator", secret: str = "operator-secret") -> str:
    reply = client.post("/oauth2/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                               "client_secret": secret})
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


def call(client: TestClient, bearer: str) -> tuple[int, dict]:
    reply = client.get("/whoami", headers={"Authorization": f"Bearer {bearer}"})
    return reply.status_code, reply.json()


@pytest.fixture
def sp(database: Database) -> TestClient:
    return TestClient(domain_app(database, SP))


@pytest.fixture
def partner(tmp_path: Path) -> Iterator[TestClient]:
    database = Database(f"sqlite:///{tmp_path / 'partner.db'}")
    migrate(database)
    yield TestClient(domain_app(database, PARTNER))
    database.dispose()


def test_a_token_carries_kid_iss_aud_and_the_callers_claims(sp: TestClient) -> None:
    issued = token(sp)
    header = jwt.get_unverified_header(issued)
    claims = jwt.decode(issued, options={"verify_signature": False})
    assert header["alg"] == "EdDSA" and header["kid"] in {k["kid"] for k in sp.get("/.well-known/jwks.json").json()[
        "keys"]}
    assert (claims["iss"], claims["aud"], claims["sub"], claims["party"], claims["role"]) == (
        SP, SP, "operator", "op", "operator")
    assert claims["scope"] == "admin presto" and claims["exp"] > claims["iat"]
    assert call(sp, issued) == (200, {"client": "operator", "party": "op"})


def test_a_token_of_one_domain_is_refused_by_another(sp: TestClient, partner: TestClient) -> None:
    # the same client id, secret and scopes at both domains: only the authority differs
    status, body = call(sp, token(partner))
    assert status == 401 and body["code"] == "invalidCredentials"
    assert "not a valid key of http://sp.example:8080" in body["reason"]
    assert call(partner, token(partner))[0] == 200


def test_the_jwks_and_the_metadata_say_how_to_get_and_check_a_token(sp: TestClient) -> None:
    jwks = sp.get("/.well-known/jwks.json")
    assert jwks.status_code == 200
    (key,) = jwks.json()["keys"]
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    assert "d" not in key  # the private part never leaves the domain
    issued = token(sp)
    public = jwt.PyJWK.from_dict(key).key
    assert jwt.decode(issued, public, algorithms=["EdDSA"], audience=SP, issuer=SP)["sub"] == "operator"
    metadata = sp.get("/.well-known/oauth-authorization-server").json()
    assert metadata["issuer"] == SP
    assert metadata["token_endpoint"] == f"{SP}/oauth2/token"
    assert metadata["jwks_uri"] == f"{SP}/.well-known/jwks.json"
    assert metadata["grant_types_supported"] == ["client_credentials"]
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"}
    assert metadata["scopes_supported"] == ["admin", "cantata", "presto"]


def _signed(sp: TestClient, database: Database, **changes: object) -> str:
    """A token signed with the SP's own active key, with some claims changed."""
    key = KeyStore(database).signing_key()
    now = int(time.time())
    claims = {"iss": SP, "aud": SP, "sub": "operator", "party": "op", "role": "operator", "scope": "presto",
              "iat": now, "exp": now + 60, **changes}
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key.private_key, algorithm="EdDSA",
                      headers={"kid": key.kid})


@pytest.mark.parametrize(("changes", "says"), [
    ({"aud": PARTNER}, "another audience"),
    ({"iss": PARTNER}, "not issued by"),
    ({"exp": int(time.time()) - 10}, "expired"),
    ({"aud": None}, "aud"),
    ({"iss": None}, "iss"),
    ({"exp": None}, "exp"),
])
def test_a_token_of_the_right_key_with_wrong_claims_is_refused(sp: TestClient, database: Database,
                                                                 changes: dict, says: str) -> None:
    status, body = call(sp, _signed(sp, database, **changes))
    assert status == 401 and says in body["reason"], body


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unsigned_parts(header: dict, claims: dict) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())


def test_unknown_kid_alg_none_and_hs256_keyed_with_the_public_key_are_refused(sp: TestClient,
                                                                               database: Database) -> None:
    good = _signed(sp, database)
    claims = jwt.decode(good, options={"verify_signature": False})
    kid = jwt.get_unverified_header(good)["kid"]

    unknown = _unsigned_parts({"alg": "EdDSA", "kid": "no-such-key"}, claims) + "." + good.split(".")[2]
    assert call(sp, unknown)[0] == 401
    none = _unsigned_parts({"alg": "none", "kid": kid}, claims) + "."
    status, body = call(sp, none)
    assert status == 401 and "EdDSA only" in body["reason"]
    # The classic confusion: an HMAC keyed with what the JWKS publishes
    public = KeyStore(database).signing_key().public_key
    for secret in (public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
                   public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)):
        unsigned = _unsigned_parts({"alg": "HS256", "kid": kid}, claims)
        forged = unsigned + "." + _b64(hmac.new(secret, unsigned.encode(), hashlib.sha256).digest())
        assert call(sp, forged)[0] == 401
    tampered = good.rsplit(".", 1)[0][:-2] + "xx." + good.rsplit(".", 1)[1]
    assert call(sp, tampered)[0] == 401
    assert call(sp, good)[0] == 200


def test_rotation_keeps_the_previous_key_valid_until_it_is_retired(sp: TestClient) -> None:
    admin = {"Authorization": f"Bearer {token(sp)}"}
    before = token(sp)
    rotated = sp.post("/cadenza/keys/v1/rotate", headers=admin)
    assert rotated.status_code == 200, rotated.text
    states = {k["kid"]: k["state"] for k in rotated.json()["keys"]}
    assert sorted(states.values()) == [ACTIVE, PREVIOUS]
    old_kid = jwt.get_unverified_header(before)["kid"]
    assert states[old_kid] == PREVIOUS
    assert {k["kid"] for k in sp.get("/.well-known/jwks.json").json()["keys"]} == set(states)

    after = token(sp)
    assert jwt.get_unverified_header(after)["kid"] != old_kid  # the new key signs
    assert call(sp, before)[0] == 200 and call(sp, after)[0] == 200
    again = sp.post("/cadenza/keys/v1/rotate", headers=admin)
    assert again.status_code == 409 and "retire it first" in again.json()["reason"]

    retired = sp.post("/cadenza/keys/v1/retire", headers=admin)
    assert retired.status_code == 200
    assert {k["kid"]: k["state"] for k in retired.json()["keys"]}[old_kid] == "retired"
    assert call(sp, before)[0] == 401
    assert call(sp, after)[0] == 200
    assert [k["kid"] for k in sp.get("/.well-known/jwks.json").json()["keys"]] == [
        jwt.get_unverified_header(after)["kid"]]
    nothing = sp.post("/cadenza/keys/v1/retire", headers={"Authorization": f"Bearer {after}"})
    assert nothing.status_code == 409


def test_only_an_admin_token_rotates_keys(sp: TestClient) -> None:
    customer = {"Authorization": f"Bearer {token(sp, 'acme', 'acme-secret')}"}
    assert sp.post("/cadenza/keys/v1/rotate", headers=customer).status_code == 403
    assert sp.post("/cadenza/keys/v1/rotate").status_code == 401
    assert sp.get("/cadenza/keys/v1/signingKey", headers=customer).status_code == 403


def test_a_restarted_domain_keeps_its_key_and_the_tokens_it_issued(database: Database) -> None:
    first = TestClient(domain_app(database, SP))
    issued = token(first)
    restarted = TestClient(domain_app(database, SP))  # a new process: keys read from the database again
    assert call(restarted, issued)[0] == 200
    assert len(restarted.get("/.well-known/jwks.json").json()["keys"]) == 1


def test_another_worker_of_the_domain_verifies_a_key_it_has_not_seen_yet(database: Database) -> None:
    worker_a, worker_b = KeyStore(database), KeyStore(database)
    worker_a.ensure()
    worker_b.ensure()
    new = worker_a.rotate()
    assert worker_b.verification_key(new.kid) is not None


def test_events_are_delivered_with_a_token_of_the_listeners_domain(database: Database, tmp_path: Path) -> None:
    """The seller's outbox presents, to the buyer's subscription at the buyer's listener, a token
    the buyer's domain issued with the credentials the buyer gave it; to its own subscriptions at
    its own listeners, a token of its own; the token follows who subscribed, not where to."""
    buyer_db = Database(f"sqlite:///{tmp_path / 'buyer.db'}")
    migrate(buyer_db)
    buyer_app = domain_app(buyer_db, "http://placeholder")  # the issuer is fixed once the port is known
    ClientRegistry(buyer_db).register("seller-at-buyer", "seller-secret", party="seller", role="seller",
                                      scopes=["notify"])
    with serve(buyer_app) as buyer_url:
        buyer_app.state.auth.issuer.issuer = buyer_url
        hubs = HubStore(database)

        def subscription(party: str, callback: str) -> str:
            return hubs.subscribe(api="sonata.productOrder", party=party, callback=callback, query=None,
                                  event_types=[]).id

        buyers = subscription("buyer", f"{buyer_url}/listener")
        seller = TokenIssuer(KeyStore(database), issuer=SP)
        credentials = ListenerCredentials(
            database, own_url=SP, own_party="sp", own_token_lifetime_s=60,
            credentials={"buyer": ListenerAccess(buyer_url, "seller-at-buyer", "seller-secret")},
            own_token=lambda: seller.issue(client_id="sp-outbox", party="sp", role="internal", scopes=["notify"]))
        at_buyer = asyncio.run(credentials(f"{buyer_url}/listener/productOrderStateChangeEvent", buyers))
        principal = buyer_app.state.auth.issuer.verify(at_buyer["Authorization"].removeprefix("Bearer "))
        assert (principal.client_id, principal.party, principal.scopes) == ("seller-at-buyer", "seller",
                                                                            frozenset({"notify"}))
        own = subscription("sp", f"{SP}/cadenza/sof/presto")
        at_home = asyncio.run(credentials(f"{SP}/cadenza/sof/presto/listener/x", own))
        assert seller.verify(at_home["Authorization"].removeprefix("Bearer ")).scopes == {"notify"}
        # a customer's listener: nobody gave us credentials there, so no token is sent
        customers = subscription("acme", "http://customer.example")
        assert asyncio.run(credentials("http://customer.example/listener/x", customers)) == {}
        # a customer's subscription pointing at the buyer's or our own listener gets no token of either
        assert asyncio.run(credentials(f"{buyer_url}/listener/x", customers)) == {}
        assert asyncio.run(credentials(f"{SP}/cadenza/sof/presto/listener/x", customers)) == {}
        # nor does the buyer's own subscription anywhere but at the buyer's domain
        assert asyncio.run(credentials(f"{SP}/cadenza/sof/presto/listener/x", buyers)) == {}
        # and the hub refuses such callbacks at registration
        for party, callback in (("acme", f"{SP}/cadenza/sof/presto"), ("acme", buyer_url),
                                ("buyer", "http://elsewhere.example")):
            with pytest.raises(CallbackError):
                credentials.admit(party, callback)
        credentials.admit("buyer", f"{buyer_url}/listener")
        credentials.admit("acme", "http://customer.example")
    buyer_db.dispose()


def test_an_own_token_refused_at_home_is_issued_anew_at_once(database: Database) -> None:
    """After a rotation and retirement, the outbox's cached own token is refused by its own
    listeners: the 401 drops it, so the next delivery carries a token of the new key."""
    keys = KeyStore(database)
    seller = TokenIssuer(keys, issuer=SP)
    credentials = ListenerCredentials(
        database, own_url=SP, own_party="sp", own_token_lifetime_s=3600, credentials={},
        own_token=lambda: seller.issue(client_id="sp-outbox", party="sp", role="internal", scopes=["notify"]))
    listener = f"{SP}/cadenza/sof/presto/listener/x"
    own = HubStore(database).subscribe(api="presto.metro", party="sp", callback=f"{SP}/cadenza/sof/presto",
                                       query=None, event_types=[]).id
    before = asyncio.run(credentials(listener, own))["Authorization"].removeprefix("Bearer ")
    keys.rotate()
    keys.retire()
    with pytest.raises(Unauthorized):
        seller.verify(before)
    assert asyncio.run(credentials(listener, own))["Authorization"].removeprefix("Bearer ") == before  # cached
    credentials.refused(listener, own)
    after = asyncio.run(credentials(listener, own))["Authorization"].removeprefix("Bearer ")
    assert after != before and seller.verify(after).scopes == {"notify"}


def test_two_processes_creating_the_first_key_at_once_cannot_both_make_it_active(database: Database) -> None:
    first = KeyStore(database).ensure()
    rival = generate_key()
    with pytest.raises(IntegrityError), database.transaction() as session:
        session.add(SigningKeyRow(kid=rival.kid, alg="EdDSA", state=ACTIVE, private_pem="-",
                                  public_jwk=rival.public_jwk, created_at=rival.created_at, retired_at=None))
    assert KeyStore(database).ensure().kid == first.kid
