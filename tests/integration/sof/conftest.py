"""A Service Provider domain (demo network) with its SOF served over real HTTP.

The SOF reaches the domain's ICMs over PRESTO on the same port, as it would in production.
For INTERLUDE the domain is also its own "partner": partner-a's agreement points back at
this domain, so an off-net end is ordered over real INTERLUDE HTTP from a second SOF order
in the same process (one DBOS per process forbids two domains here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from dbos import DBOS

from cadenza.core.client_credentials import ClientCredentials
from cadenza.interfaces.legato.client import LegatoClient
from cadenza.landscape.config import (
    AddressConfig,
    ClientConfig,
    DomainConfig,
    ListenerCredentialsConfig,
    PartnerConfig,
    SiteConfig,
    load_domain_config,
)
from cadenza.landscape.domain import ProviderDomain
from cadenza.sof import Sof
from cadenza.sof.operational_reading import schedule_name
from tests.helpers.servers import reserve, start_server, wait_until

DEMO = Path(__file__).parents[3] / "src/cadenza/landscape/demo/sp.yaml"
PARTNER_SITE = SiteConfig(id="site-pa-7", name="Partner A customer site", address_id="addr-pa-7",
                          address=AddressConfig(street_nr="7", street_name="Harbour", street_type="Road",
                                                city="Westport", postcode="9001", country="IE"),
                          edge_point="uni-west-2-1")


def sof_config(base_url: str) -> DomainConfig:
    config = load_domain_config(DEMO)
    clients = [*config.clients,
               ClientConfig(client_id="sp-bus", client_secret="bus-demo-secret", party="cadenza-sp-bus",
                            role="internal", scopes=["legato"]),
               ClientConfig(client_id="sp-bus-2", client_secret="bus-demo-secret-2", party="someone-else",
                            role="internal", scopes=["legato"]),
               # the partner SOF (this domain, looped back) delivers its INTERLUDE events to the
               # partner listener with the token of partner-a, the party that listener hears
               ClientConfig(client_id="peer-sof", client_secret="peer-demo-secret", party="cadenza-sp-peer",
                            role="internal", scopes=["interlude"],
                            listener_credentials=ListenerCredentialsConfig(
                                url=base_url, client_id="partner-a", client_secret="partner-a-at-sp-secret"))]
    partners = [PartnerConfig(party="partner-a", name="Partner A (this domain, looped back)", url=base_url,
                              client_id="peer-sof", client_secret="peer-demo-secret", enni="enni-partner-1",
                              partner_enni="enni-partner-2", ordering="interlude", cities=["Westport"])]
    return config.model_copy(update={"clients": clients, "partners": partners, "sites": [PARTNER_SITE]})


@dataclass
class SofLandscape:
    domain: ProviderDomain
    sof: Sof
    base_url: str
    legato: LegatoClient

    def presto(self, network_domain: str, uuid: str) -> dict[str, Any]:
        return self.sof.presto.get_connectivity_service(network_domain, uuid).raw

    def wait_for_order(self, order_id: str, *states: str, timeout: float = 120) -> dict[str, Any]:
        return wait_until(lambda: (o := self.legato.get_service_order(order_id))["state"] in states and o,
                          timeout=timeout, interval=0.2, what=f"order {order_id} to become {states}")

    def client(self, client_id: str, secret: str) -> httpx.Client:
        token = ClientCredentials(self.base_url, client_id, secret)()
        return httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _only_the_tests_read_the_segments(sof: Sof) -> None:
    """A test that reads the segments itself (operational.reconcile) must not find its change
    already read by the SOF's scheduled reading: pause the schedule (an hourly cron would still
    fire at the top of an hour) and let the start-up reading finish."""
    DBOS.pause_schedule(schedule_name(sof.name))
    wait_until(lambda: not DBOS.list_workflows(schedule_name=schedule_name(sof.name),
                                               status=["PENDING", "ENQUEUED"], load_input=False,
                                               load_output=False),
               timeout=60, interval=0.1, what="the SOF's start-up reading of the segments")


@pytest.fixture
def landscape_override() -> Callable[[DomainConfig], DomainConfig]:
    """What a test module changes in the domain's configuration (e.g. a link made small)."""
    return lambda config: config


@pytest.fixture
def sof_landscape(database_url: str, tmp_path: Path,
                  landscape_override: Callable[[DomainConfig], DomainConfig]) -> Iterator[SofLandscape]:
    sock = reserve()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = landscape_override(sof_config(base_url))
    domain = ProviderDomain(config, database_url=database_url, var_dir=tmp_path / "sp", netconf_base_port=0,
                            public_url=base_url)
    app = domain.start()
    assert domain.business is not None
    sof = domain.business.sof  # the SOF the domain itself composed, with its routers and partners
    sof.poll_interval_s = 0.1
    _only_the_tests_read_the_segments(sof)
    server, thread = start_server(app, sock)
    legato = LegatoClient(base_url, ClientCredentials(base_url, "sp-bus", "bus-demo-secret"))
    try:
        yield SofLandscape(domain, sof, base_url, legato)
    finally:
        legato.close()
        server.should_exit = True
        thread.join(timeout=10)
        domain.stop()
