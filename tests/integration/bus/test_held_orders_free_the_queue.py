"""Orders held for a partner that does not answer give back their place in the BUS orders
queue: with room for two orders at a time and three held for a stopped partner, an on-net order
still completes meanwhile; the held ones complete once the partner answers, each ordered from
it once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from dbos import DBOS

from cadenza.bus import fulfilment
from cadenza.core.client_credentials import ClientCredentials
from cadenza.landscape.config import load_domain_config
from cadenza.landscape.domain import ProviderDomain
from tests.e2e.conftest import CONTACT, ORDERS, SPRINGFIELD, epl, evpl, item, site
from tests.helpers.domains import DomainProcess
from tests.helpers.servers import reserve, start_server, wait_until

DEMO = Path(__file__).parents[3] / "src/cadenza/landscape/demo"
CONCURRENCY = 2
HELD = 3


@pytest.fixture
def sp_and_partner(database_url: str, tmp_path: Path
                   ) -> Iterator[tuple[httpx.Client, DomainProcess, ProviderDomain]]:
    """The SP, its queue two orders wide, and partner-a not started yet (its port held, so a
    call to it is refused a connection, as from a stopped partner); the test starts it."""
    partner_port = reserve()
    sock = reserve()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    partner = DomainProcess(tmp_path / "partner-a", f"sqlite:///{tmp_path / 'partner-a.db'}",
                            port=partner_port.getsockname()[1])
    config = load_domain_config(DEMO / "sp.yaml")
    config = config.model_copy(update={"order_queue_concurrency": CONCURRENCY, "partners": [p.model_copy(update={
        "url": partner.url, "patience_s": 3600.0, "retry_first_s": 0.2, "retry_max_s": 1.0})
        for p in config.partners if p.party == "partner-a"]})
    domain = ProviderDomain(config, database_url=database_url, var_dir=tmp_path / "sp", netconf_base_port=0,
                            public_url=base_url)
    server, thread = start_server(domain.start(), sock)
    token = ClientCredentials(base_url, "acme", "acme-demo-secret")()
    acme = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    partner_config = yaml.safe_load((DEMO / "partner-a.yaml").read_text())
    partner_config["port"] = partner.port
    for client in partner_config["clients"]:
        if client.get("listener_credentials"):
            client["listener_credentials"]["url"] = base_url
    partner.tmp_path.mkdir(parents=True)
    (tmp_path / "partner-a.yaml").write_text(yaml.safe_dump(partner_config))
    partner.held = partner_port  # type: ignore[attr-defined]
    try:
        yield acme, partner, domain
    finally:
        acme.close()
        partner.stop()
        partner_port.close()
        server.should_exit = True
        thread.join(timeout=10)
        domain.stop()


def _place(acme: httpx.Client, *items: dict[str, Any]) -> str:
    placed = acme.post(f"{ORDERS}/productOrder", json={"relatedContactInformation": CONTACT,
                                                       "productOrderItem": list(items)})
    assert placed.status_code == 201, placed.text
    return placed.json()["id"]


def _order(acme: httpx.Client, order_id: str) -> dict[str, Any]:
    return acme.get(f"{ORDERS}/productOrder/{order_id}").json()


def test_held_orders_take_no_place_in_the_queue_and_complete_when_the_partner_answers(
        sp_and_partner: tuple[httpx.Client, DomainProcess, ProviderDomain], tmp_path: Path) -> None:
    acme, partner, domain = sp_and_partner
    held = [_place(acme, item("evpl", "evpl", evpl(400 + n, 400 + n), site("site-east-2-1"), SPRINGFIELD))
            for n in range(HELD)]
    for order_id in held:
        wait_until(lambda o=order_id: _order(acme, o)["productOrderItem"][0]["state"] == "held", timeout=60,
                   interval=0.2, what=f"order {order_id} to be held")
    # each held order's queued workflow has ended, leaving a waiter outside the queue
    for order_id in held:
        root = fulfilment.workflow_id(order_id)
        wait_until(lambda r=root: DBOS.get_workflow_status(r).status == "SUCCESS", timeout=30,
                   what=f"{root} to give back its place")
        assert DBOS.get_workflow_status(f"{root}-held-1").queue_name is None
    assert domain.business is not None
    domain.business.after_launch()  # what a restart does: each held order's waiter is found, none added
    for order_id in held:
        assert DBOS.get_workflow_status(f"{fulfilment.workflow_id(order_id)}-held-1-restart-1") is None

    on_net = _place(acme, item("epl", "epl", epl(100), site("site-east-1-1"), site("site-west-1-1")))
    done = wait_until(lambda: (o := _order(acme, on_net))["state"] in ("completed", "failed") and o, timeout=120,
                      interval=0.3, what="the on-net order to finish while three are held")
    assert done["state"] == "completed", done
    assert all(_order(acme, o)["productOrderItem"][0]["state"] == "held" for o in held)

    partner.held.close()  # type: ignore[attr-defined]
    partner.start(tmp_path / "partner-a.yaml")
    for order_id in held:
        finished = wait_until(lambda o=order_id: (r := _order(acme, o))["state"] in ("completed", "failed") and r,
                              timeout=240, interval=0.5, what=f"held order {order_id} to finish")
        assert finished["state"] == "completed", finished
        states = [c["state"] for c in finished["productOrderItem"][0]["stateChange"]]
        assert "held" in states and states[-1] == "completed", states
    with httpx.Client(base_url=partner.url, timeout=30, headers={"Authorization": "Bearer " + ClientCredentials(
            partner.url, "cadenza-sp", "sp-at-partner-a-secret")()}) as sp_at_partner:
        ordered = sp_at_partner.get("/mefApi/sonata/productOrderingManagement/v10/productOrder").json()
    assert len(ordered) == HELD, "each held order is ordered from the partner once"
