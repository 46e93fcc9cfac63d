"""Provider domains reduced to what POQ and quote need (sites, partners, catalog, auth), each
served on a real port, so a buyer domain reaches its partners over SONATA as in production.

Why not `ProviderDomain`: a buyer and its partners must run side by side in this one test
process, and a whole domain runs DBOS, which allows one instance per process. These domains
are built from the same parts and share the one DBOS instance the buyer's domain launches on
its database: their durable work (deferred assessments, partner asks) finds its domain by
name, as after a restart; the e2e tests run the complete domains, each in a process of its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from fastapi import FastAPI

from cadenza.bus.api.poq import poq_router
from cadenza.bus.api.quote import quote_router
from cadenza.bus.catalog import Catalog
from cadenza.bus.partner_asks import DurablePartnerAsks
from cadenza.bus.partners import PartnerDirectory
from cadenza.bus.poq import Qualifications
from cadenza.bus.quote import Quotes
from cadenza.bus.serviceability import Serviceability
from cadenza.core.auth import ClientRegistry, token_router
from cadenza.core.db import Database
from cadenza.core.errors import install_error_handlers
from cadenza.core.notifications.store import HubStore
from cadenza.core.workflows import launch_workflows, shutdown_workflows
from cadenza.landscape.config import AddressConfig, PartnerConfig, SiteConfig
from cadenza.landscape.database import migrate
from tests.helpers.auth import authenticator
from tests.helpers.servers import serve

SP = "cadenza-sp"
BUYER_SECRET = "sp-at-partner-secret"


def address(nr: str, street: str, city: str, postcode: str) -> AddressConfig:
    return AddressConfig(street_nr=nr, street_name=street, street_type="Street", city=city, postcode=postcode,
                         country="US")


def site(site_id: str, addr: AddressConfig, *, edge_point: str | None, customer: str | None = None) -> SiteConfig:
    return SiteConfig(id=site_id, name=site_id, address_id=f"addr-{site_id}", address=addr, edge_point=edge_point,
                      customer=customer)


@dataclass
class Domain:
    party: str
    url: str
    database: Database
    quotes: dict[str, Quotes] = field(default_factory=dict)

    def client(self, client_id: str, secret: str) -> httpx.Client:
        reply = httpx.post(f"{self.url}/oauth2/token", data={"grant_type": "client_credentials",
                                                            "client_id": client_id, "client_secret": secret})
        assert reply.status_code == 200, reply.text
        return httpx.Client(base_url=self.url, timeout=30,
                            headers={"Authorization": f"Bearer {reply.json()['access_token']}"})


def open_database(url: str) -> Database:
    database = Database(url)
    migrate(database)
    return database


def build_app(database: Database, *, party: str, sites: list[SiteConfig], partners: list[PartnerConfig],
              clients: list[tuple[str, str, str, str, list[str]]], price_factor: float = 1.0
              ) -> tuple[FastAPI, dict[str, Quotes], PartnerDirectory]:
    registry = ClientRegistry(database)
    for client_id, secret, client_party, role, scopes in clients:
        registry.register(client_id, secret, party=client_party, role=role, scopes=scopes)
    app = FastAPI()
    install_error_handlers(app)
    app.state.auth = authenticator(registry, issuer=f"http://{party}.example")
    app.include_router(token_router())
    catalog = Catalog(price_factor=price_factor)
    directory = PartnerDirectory(partners, buyer_name=party, buyer_party=party)
    service = Serviceability(sites, directory, currency=catalog.currency, asks=DurablePartnerAsks(party, directory))
    hubs = HubStore(database)
    quotes: dict[str, Quotes] = {}
    for family in ("cantata", "sonata"):
        app.include_router(poq_router(Qualifications(database, service, catalog, family=family, domain=party), hubs))
        quotes[family] = Quotes(database, service, catalog, family=family, domain=party)
        app.include_router(quote_router(quotes[family], hubs))
    return app, quotes, directory


@contextmanager
def partner_domain(db_url: str, *, party: str, price_factor: float, sites: list[SiteConfig]) -> Iterator[Domain]:
    database = open_database(db_url)
    app, quotes, _ = build_app(database, party=party, sites=sites, partners=[], price_factor=price_factor,
                               clients=[(SP, BUYER_SECRET, SP, "buyer", ["sonata"]),
                                        (f"{party}-operator", "operator-secret", party, "operator", ["sonata"])])
    try:
        with serve(app) as url:
            yield Domain(party, url, database, quotes)
    finally:
        database.dispose()


@contextmanager
def sp_domain(database: Database, *, sites: list[SiteConfig], partners: list[Domain], cities: list[str]
              ) -> Iterator[Domain]:
    configs = [PartnerConfig(party=p.party, name=p.party.title(), url=p.url, client_id=SP, client_secret=BUYER_SECRET,
                             enni=f"enni-{p.party}", partner_enni="enni-sp", cities=cities) for p in partners]
    app, quotes, directory = build_app(database, party=SP, sites=sites, partners=configs, clients=[
        ("acme", "acme-secret-1", "acme", "customer", ["cantata"]),
        ("globex", "globex-secret-1", "globex", "customer", ["cantata"])])
    with ExitStack() as stack:
        stack.callback(directory.close)
        launch_workflows(f"cadenza-{SP}-poq-test", database.url)
        stack.callback(shutdown_workflows)
        url = stack.enter_context(serve(app))
        yield Domain(SP, url, database, quotes)


def tmp_sqlite(tmp_path: Path, name: str) -> str:
    return f"sqlite:///{tmp_path / (name + '.db')}"

