"""An off-net order whose partner never answers is held, its item saying which partner it waits
for, and fails only once the patience the partner's configuration sets is spent, with that
reason on the item (here a patience of seconds: the demo's default is hours)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cadenza.core.client_credentials import ClientCredentials
from cadenza.core.notifications.listener import listener_router
from cadenza.landscape.config import load_domain_config
from cadenza.landscape.domain import ProviderDomain
from tests.e2e.conftest import CONTACT, ORDERS, SPRINGFIELD, evpl, item, site
from tests.helpers.servers import reserve, serve, start_server, wait_until

DEMO = Path(__file__).parents[3] / "src/cadenza/landscape/demo/sp.yaml"


@pytest.fixture(params=[4.0])
def sp_with_silent_partners(request: pytest.FixtureRequest, database_url: str, tmp_path: Path
                            ) -> Iterator[httpx.Client]:
    silent = reserve()  # bound, never listening: every call to the partners is refused a connection
    config = load_domain_config(DEMO)
    config = config.model_copy(update={"partners": [p.model_copy(update={
        "url": f"http://127.0.0.1:{silent.getsockname()[1]}", "patience_s": request.param, "retry_first_s": 0.2,
        "retry_max_s": 1.0}) for p in config.partners]})
    sock = reserve()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    domain = ProviderDomain(config, database_url=database_url, var_dir=tmp_path / "sp", netconf_base_port=0,
                            public_url=base_url)
    server, thread = start_server(domain.start(), sock)
    token = ClientCredentials(base_url, "acme", "acme-demo-secret")()
    acme = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    try:
        yield acme
    finally:
        acme.close()
        server.should_exit = True
        thread.join(timeout=10)
        domain.stop()
        silent.close()


def _changes(order: dict[str, Any], state: str) -> list[str]:
    return [c.get("changeReason", "") for i in order["productOrderItem"] for c in i.get("stateChange", [])
            if c["state"] == state]


def test_an_order_whose_partner_never_answers_is_held_then_fails_with_the_reason_after_the_patience(
        sp_with_silent_partners: httpx.Client) -> None:
    acme = sp_with_silent_partners
    events: list[dict[str, Any]] = []
    listener = FastAPI()
    listener.include_router(listener_router("/acme/mefApi/cantata/productOrderingNotification/v5",
                                            lambda _type, event: events.append(event)))
    with serve(listener) as url:
        hub = acme.post(f"{ORDERS}/hub", json={"callback": f"{url}/acme"})
        assert hub.status_code == 201, hub.text
        done = _held_then_failed(acme)
        item_changes = [c for c in done["productOrderItem"][0]["stateChange"] if c["state"] != "acknowledged"]
        # every move of the item, into held and out of it, was published to the customer's listener
        wait_until(lambda: len([e for e in events if e["eventType"] == "productOrderItemStateChangeEvent"
                                and e["event"]["id"] == done["id"]]) == len(item_changes),
                   timeout=30, what="an item state change event per transition")


def _held_then_failed(acme: httpx.Client) -> dict[str, Any]:
    placed = acme.post(f"{ORDERS}/productOrder", json={"relatedContactInformation": CONTACT, "productOrderItem": [
        item("evpl", "evpl", evpl(301, 301), site("site-east-2-1"), SPRINGFIELD)]})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]

    held = wait_until(lambda: (o := acme.get(f"{ORDERS}/productOrder/{order_id}").json())["productOrderItem"][0][
        "state"] == "held" and o, timeout=60, interval=0.1, what="the item to be held")
    assert held["state"] == "inProgress"  # MEF 123: the order has no held state but for charges
    [reason] = _changes(held, "held")
    assert reason.startswith("waiting for Alpha Access (partner-a): SONATA productOfferingQualification not "
                             "answered since "), reason

    done = wait_until(lambda: (o := acme.get(f"{ORDERS}/productOrder/{order_id}").json())["state"] in (
        "failed", "completed") and o, timeout=90, interval=0.2, what="the order to finish")
    assert done["state"] == "failed"
    the_item = done["productOrderItem"][0]
    assert the_item["state"] == "failed"
    [failure] = _changes(done, "failed")
    assert "Alpha Access (partner-a) did not answer SONATA productOfferingQualification" in failure, failure
    assert "gave up after 4 s" in failure
    return done


@pytest.mark.parametrize("sp_with_silent_partners", [3600.0], indirect=True)
def test_a_customer_cancelling_a_held_order_does_not_wait_for_the_partner(
        sp_with_silent_partners: httpx.Client) -> None:
    acme = sp_with_silent_partners
    placed = acme.post(f"{ORDERS}/productOrder", json={"relatedContactInformation": CONTACT, "productOrderItem": [
        item("evpl", "evpl", evpl(302, 302), site("site-east-2-1"), SPRINGFIELD)]})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    wait_until(lambda: acme.get(f"{ORDERS}/productOrder/{order_id}").json()["productOrderItem"][0]["state"] == "held",
               timeout=60, interval=0.1, what="the item to be held")
    cancel = acme.post(f"{ORDERS}/cancelProductOrder", json={
        "productOrder": {"productOrderId": order_id}, "cancellationReason": "not any more",
        "cancellationReasonType": "commercial", "relatedContactInformation": CONTACT})
    assert cancel.status_code == 201, cancel.text
    done = wait_until(lambda: (o := acme.get(f"{ORDERS}/productOrder/{order_id}").json())["state"] in (
        "cancelled", "failed", "completed") and o, timeout=60, interval=0.2, what="the order to finish")
    assert done["state"] == "cancelled", done  # an hour's patience, yet the cancel ended the wait
