"""A Service Provider domain (demo network, DBOS and all) served over real HTTP for the trouble
ticket tests, with a short confirmation period, a SONATA buyer (a provider buying from this
domain, as the SP buys from its partners: the partner side of SONATA trouble tickets) and
products of its customers to open tickets on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from cadenza.bus.product_inventory import new_product
from cadenza.core.client_credentials import ClientCredentials
from cadenza.core.db import Database
from cadenza.landscape.config import ClientConfig
from cadenza.landscape.domain import ProviderDomain
from tests.helpers.servers import reserve, start_server
from tests.integration.sof.conftest import sof_config

__all__ = ["TroubleDomain", "trouble_domain", "running_domain", "CONFIRMATION_S"]

CONFIRMATION_S = 3.0
BUYER = ClientConfig(client_id="provider-x", client_secret="provider-x-secret", party="provider-x", role="buyer",
                     scopes=["sonata"])


@dataclass
class TroubleDomain:
    domain: ProviderDomain
    base_url: str
    products: dict[str, str] = field(default_factory=dict)  # party -> the id of a product of its own

    @property
    def database(self) -> Database:
        assert self.domain.business is not None
        return self.domain.business.bus.database

    def client(self, client_id: str, secret: str) -> httpx.Client:
        token = ClientCredentials(self.base_url, client_id, secret)()
        return httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _product(database: Database, family: str, owner: str, base: str) -> str:
    item = {"id": "1", "product": {"productOffering": {"id": "evpl"}, "productConfiguration": {}, "place": []}}
    with database.transaction() as session:
        return new_product(session, family=family, owner=owner, base=base, order_id=f"o-{owner}", item=item).id


@contextmanager
def running_domain(tmp: Path, database_url: str, *, products: bool = True) -> Iterator[TroubleDomain]:
    """The domain on `database_url` (its state under `tmp`), served until the block ends; started
    again on the same database and `tmp` it carries on where it was."""
    sock = reserve()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = sof_config(base_url)
    config = config.model_copy(update={"clients": [*config.clients, BUYER], "ticket_confirmation_s": CONFIRMATION_S})
    domain = ProviderDomain(config, database_url=database_url, var_dir=tmp / "sp", netconf_base_port=0,
                            public_url=base_url)
    app = domain.start()
    server, thread = start_server(app, sock)
    served = TroubleDomain(domain, base_url)
    if products:
        for party in ("acme-corp", "globex"):
            served.products[party] = _product(served.database, "cantata", party,
                                              "/mefApi/cantata/productInventory/v1")
        served.products["provider-x"] = _product(served.database, "sonata", "provider-x",
                                                 "/mefApi/sonata/productInventory/v7")
    try:
        yield served
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        domain.stop()


@pytest.fixture(scope="module")
def trouble_domain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TroubleDomain]:
    tmp: Path = tmp_path_factory.mktemp("trouble")
    with running_domain(tmp, f"sqlite:///{tmp / 'domain.db'}") as served:
        yield served
