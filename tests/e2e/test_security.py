"""Each domain of the landscape is its own authority: a token one domain issued is worthless at
another, even for a client of the same name, secret and scopes (docs/security.md)."""

from __future__ import annotations

import httpx
import jwt
from sqlalchemy import create_engine, select

from cadenza.core.notifications.rows import OutboxEventRow
from tests.e2e.conftest import Parties, address, evpl, item, site
from tests.helpers.servers import wait_until


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


def _deliveries_to(database_url: str, origin: str) -> list[tuple[str, bool, str | None]]:
    """(api, delivered, last error) of every event a domain's outbox holds for listeners at `origin`."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(OutboxEventRow.api, OutboxEventRow.delivered_at,
                                             OutboxEventRow.last_error)
                                      .where(OutboxEventRow.target_url.startswith(origin + "/"))).all()
    finally:
        engine.dispose()
    return [(api, delivered is not None, error) for api, delivered, error in rows]


def test_partners_deliver_their_events_with_a_token_the_service_provider_issued(parties: Parties, vlan: int) -> None:
    """The SP's listeners need a token of the SP with the `notify` scope: each partner fetches one
    with the credentials the SP gave it, and every event it sends is accepted."""
    for n, far in enumerate((address("12", "Evergreen", "Springfield", "50002"),
                             address("22", "Elm", "Ogdenville", "60002"))):
        order = parties.order(item("1", "evpl", evpl(vlan + n, vlan + n), site("site-west-4-1"), far))
        assert parties.wait(order["id"])["state"] == "completed"
    sp = parties.landscape.url("sp")
    for partner in ("partner-a", "partner-b"):
        database_url = parties.landscape.domains[partner].database_url

        def all_delivered(url: str = database_url) -> list | None:
            rows = _deliveries_to(url, sp)
            return rows if rows and all(delivered for _, delivered, _ in rows) else None

        rows = wait_until(all_delivered, timeout=60, what=f"{partner}'s events to reach the SP")
        assert not [error for _, _, error in rows if error and ("HTTP 401" in error or "HTTP 403" in error)]
    # and the SP's own outbox reached the SP's own listeners (SOF hearing its ICMs, BUS its SOF)
    own = wait_until(lambda: (r := _deliveries_to(parties.landscape.domains["sp"].database_url, sp))
                     and all(d for _, d, _ in r) and r, timeout=60, what="the SP's events to reach its listeners")
    assert {api for api, _, _ in own} >= {"legato.serviceOrder"}


def test_a_listener_hears_only_the_party_it_listens_to(parties: Parties) -> None:
    sp = parties.landscape.url("sp")
    path = ("/cadenza/bus/sonata/partner-a/mefApi/sonata/productOrderingNotification/v10/listener/"
            "productOrderStateChangeEvent")
    event = {"eventId": "forged", "eventTime": "2026-12-01T00:00:00Z", "eventType": "productOrderStateChangeEvent",
             "event": {"id": "no-such-order"}}
    assert httpx.post(f"{sp}{path}", json=event, timeout=10).status_code == 401
    with parties.landscape.client("sp", "partner-b", "partner-b-at-sp-secret") as partner_b:
        refused = partner_b.post(path, json=event)
        assert refused.status_code == 403 and "partner-a" in refused.json()["reason"]
    assert parties.acme.post(path, json=event).status_code == 403  # a customer holds no notify scope
