"""A Service Provider domain (demo network, NETCONF elements) served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from ncclient import manager as ncclient_manager

from cadenza.ecm.xmlcodec import parse_data
from cadenza.interfaces.adagio.contract import ForwardingConstruct
from cadenza.landscape.config import DomainConfig, load_domain_config
from cadenza.landscape.domain import ProviderDomain
from tests.helpers.servers import reserve, serve, wait_until

DEMO = Path(__file__).parents[3] / "src/cadenza/landscape/demo/sp.yaml"
OPERATIONS = "/presto/metro/restconf/operations"


@dataclass
class Landscape:
    domain: ProviderDomain
    http: httpx.Client

    def op(self, name: str, payload: dict | None = None) -> httpx.Response:
        return self.http.post(f"{OPERATIONS}/{name}/", json=payload if payload is not None else {})

    def service(self, uuid: str) -> dict:
        reply = self.op("get-connectivity-service-details", {"input": {"service-id-or-name": uuid}})
        assert reply.status_code == 200, reply.text
        return reply.json()["output"]["service"]

    def wait_for_state(self, uuid: str, *states: str, timeout: float = 60) -> dict:
        return wait_until(lambda: (s := self.service(uuid))["cadenza-activation"]["state"] in states and s,
                          timeout=timeout, what=f"{uuid} to become {states}")

    def running_config(self, element: str) -> dict[str, ForwardingConstruct]:
        """The element's running configuration, read over NETCONF with a fresh ncclient session."""
        port = self.domain.twin.ports[element]
        with ncclient_manager.connect(host="127.0.0.1", port=port, username="cadenza", password="cadenza",
                                      hostkey_verify=False, allow_agent=False, look_for_keys=False,
                                      timeout=10) as session:
            return dict(parse_data(session.get_config(source="running").data_ele).fcs)


def token(base_url: str, client_id: str, secret: str) -> str:
    reply = httpx.post(f"{base_url}/oauth2/token", data={"grant_type": "client_credentials",
                                                        "client_id": client_id, "client_secret": secret})
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


@contextmanager
def running(config: DomainConfig, database_url: str, var_dir: Path) -> Iterator[Landscape]:
    """The domain served over real HTTP, with an operator's client."""
    sock = reserve()
    domain = ProviderDomain(config, database_url=database_url, var_dir=var_dir, netconf_base_port=0,
                            public_url=f"http://127.0.0.1:{sock.getsockname()[1]}")
    app = domain.start()
    try:
        with serve(app, sock) as base_url:
            bearer = token(base_url, "sp-operator", "operator-demo-secret")
            with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {bearer}"},
                              timeout=30) as http:
                yield Landscape(domain, http)
    finally:
        domain.stop()


@pytest.fixture
def landscape(database_url: str, tmp_path: Path) -> Iterator[Landscape]:
    with running(load_domain_config(DEMO), database_url, tmp_path / "sp") as landscape:
        yield landscape
