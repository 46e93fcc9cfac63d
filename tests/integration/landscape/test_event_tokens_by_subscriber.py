"""The token an event is delivered with follows the party that subscribed, not the callback's
address: through the public hub API of a Service Provider domain, a subscriber cannot point its
callback at another party's listener (nor at the SP's own) to have the SP deliver there with
that party's credentials, and a buyer that gave the SP listener credentials gets its events
with a token of its own domain, fetched with those credentials, and no other."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from cadenza.core.auth import Authenticator, ClientRegistry, Principal, TokenIssuer, token_router
from cadenza.core.client_credentials import ClientCredentials
from cadenza.core.db import Database
from cadenza.core.errors import install_error_handlers
from cadenza.core.signing_keys import KeyStore
from cadenza.interfaces.sonata.paths import poq_base
from cadenza.landscape.config import ClientConfig, ListenerCredentialsConfig, load_domain_config
from cadenza.landscape.database import migrate
from cadenza.landscape.domain import ProviderDomain
from tests.helpers.servers import reserve, serve, start_server, wait_until

DEMO = Path(__file__).parents[3] / "src/cadenza/landscape/demo/sp.yaml"
HUB = poq_base("sonata") + "/hub"
POQ = poq_base("sonata") + "/productOfferingQualification"
CONTACT = [{"role": "buyerContactInformation", "name": "Road Runner", "emailAddress": "rr@delta.example",
            "number": "+1-555-0102"}]


@dataclass
class BuyerDomain:
    """Another provider buying from the SP: its own token endpoint, and a listener that keeps
    who each event came with."""

    url: str
    issuer: TokenIssuer
    heard: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (Authorization, event)

    def principal(self, authorization: str) -> Principal:
        return self.issuer.verify(authorization.removeprefix("Bearer "))


@pytest.fixture
def buyer(tmp_path: Path) -> Iterator[BuyerDomain]:
    database = Database(f"sqlite:///{tmp_path / 'delta.db'}")
    migrate(database)
    registry = ClientRegistry(database)
    registry.register("sp-at-delta", "sp-at-delta-secret", party="cadenza-sp", role="seller", scopes=["notify"])
    sock = reserve()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    keys = KeyStore(database)
    keys.ensure()
    app = FastAPI()
    issuer = TokenIssuer(keys, issuer=url)
    app.state.auth = Authenticator(registry, issuer)
    install_error_handlers(app)
    app.include_router(token_router())
    domain = BuyerDomain(url, issuer)

    @app.post("/{listener_path:path}", status_code=204)
    async def listener(listener_path: str, request: Request) -> None:
        domain.heard.append((request.headers.get("authorization", ""), await request.json()))

    with serve(app, sock):
        yield domain
    database.dispose()


@pytest.fixture
def sp(buyer: BuyerDomain, database_url: str, tmp_path: Path) -> Iterator[str]:
    config = load_domain_config(DEMO)
    clients = [*config.clients,
               # partner-a also buys from the SP over SONATA (it sells to it in the demo)
               ClientConfig(client_id="partner-a-buyer", client_secret="partner-a-buyer-secret", party="partner-a",
                            role="buyer", scopes=["sonata"]),
               ClientConfig(client_id="delta", client_secret="delta-at-sp-secret", party="delta-net", role="buyer",
                            scopes=["sonata"], listener_credentials=ListenerCredentialsConfig(
                                url=buyer.url, client_id="sp-at-delta", client_secret="sp-at-delta-secret"))]
    sock = reserve()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    domain = ProviderDomain(config.model_copy(update={"clients": clients}), database_url=database_url,
                            var_dir=tmp_path / "sp", netconf_base_port=0, public_url=base_url)
    server, thread = start_server(domain.start(), sock)
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        domain.stop()


def _client(base_url: str, client_id: str, secret: str) -> httpx.Client:
    token = ClientCredentials(base_url, client_id, secret)()
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _refused(reply: httpx.Response, *words: str) -> str:
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert body["code"] == "invalidBody" and body["reason"].startswith("/callback: "), body
    for word in words:
        assert word in body["reason"], body
    return body["reason"]


def test_a_subscriber_cannot_have_events_delivered_at_another_partys_listener(sp: str, buyer: BuyerDomain) -> None:
    with _client(sp, "partner-a-buyer", "partner-a-buyer-secret") as partner_a:
        # the SP's own listener: the SP would have presented its own token there
        _refused(partner_a.post(HUB, json={"callback": f"{sp}/cadenza/bus/legato"}), "http://127.0.0.1:8081",
                 "registered for your listeners")
        # the buyer's listener: the SP would have presented the buyer's credentials' token there
        _refused(partner_a.post(HUB, json={"callback": buyer.url}), buyer.url)
    with _client(sp, "acme", "acme-demo-secret") as acme:
        hub = poq_base("cantata") + "/hub"
        _refused(acme.post(hub, json={"callback": f"{sp}/cadenza/sof/presto"}), "this provider's own listeners")
        _refused(acme.post(hub, json={"callback": f"{buyer.url}/x"}), "another party (delta-net)")
        assert acme.post(hub, json={"callback": "http://acme.example/listen"}).status_code == 201
    with _client(sp, "delta", "delta-at-sp-secret") as delta:
        _refused(delta.post(HUB, json={"callback": f"{sp}/cadenza/bus/legato"}), buyer.url)


def test_a_buyers_events_carry_a_token_of_its_own_domain_fetched_with_its_credentials(
        sp: str, buyer: BuyerDomain) -> None:
    with _client(sp, "delta", "delta-at-sp-secret") as delta:
        assert delta.post(HUB, json={"callback": buyer.url}).status_code == 201
        placed = delta.post(POQ, json={
            "instantSyncQualification": True, "relatedContactInformation": CONTACT,
            "productOfferingQualificationItem": [{"id": "1", "action": "add", "product": {
                "productOffering": {"id": "operator-uni"},
                "place": [{"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION", "id": "site-east-1-1"}]}}]})
        assert placed.status_code == 201, placed.text
    wait_until(lambda: any(event["event"]["id"] == placed.json()["id"] for _, event in buyer.heard), timeout=30,
               what="the buyer's listener to hear of its POQ")
    for authorization, _event in buyer.heard:
        principal = buyer.principal(authorization)  # signed by the buyer's domain, not by the SP
        assert (principal.client_id, principal.party) == ("sp-at-delta", "cadenza-sp")
