"""MEF 55.0.1 §10.2 with a partner that stops answering (issue 9, point 6): Alpha Access's
process is stopped (SIGSTOP: its port accepts connections and never answers) for many times
every call's timeout. Orders that need it are held, their items saying whom they wait for, and
complete by themselves once it runs again, with nothing ordered twice at the partner; an order
for a place Beta Fibre serves too moves there after the configured failover wait.

A landscape of its own: stopping a partner would disturb the shared one's other tests."""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.e2e.conftest import CONTACT, FINAL, INVENTORY, ORDERS, SPRINGFIELD, address, evpl, item, site
from tests.helpers.landscape import DEMO, Landscape, landscape
from tests.helpers.servers import wait_until

PARTNER_ORDERS = "/mefApi/sonata/productOrderingManagement/v10/productOrder"
SHELBYVILLE_BOTH = address("41", "Cedar", "Shelbyville", "80001")  # both partners reach this building
# What the silence must outlast is every call's timeout and several tries of the retry schedule,
# both the partner's settings (PartnerSettings: call_timeout_s, retry_first_s, retry_max_s). The
# landscape sets them short: a silence of eight call timeouts (five tries or so of each waiting
# call) lasts 40 s, not two minutes as with the 15 s default. Not shorter: a running partner
# answering slower than the timeout on the suite's busy cores would hold an order needlessly.
# (With 3 s calls over two minutes of silence, the requests piled up in the stopped partner's
# socket kept it swamped after it ran again: each new one timed out behind them. Their number is
# the silence over a try's length, about five per waiting call here, as with 15 s and 100 s.)
CALL_TIMEOUT_S = 5.0
STOPPED_FOR_S = 8 * CALL_TIMEOUT_S


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Landscape]:
    tmp: Path = tmp_path_factory.mktemp("patience")
    partners = yaml.safe_load((DEMO / "sp.yaml").read_text())["partners"]
    for partner in partners:  # short calls, back-off and failover wait; the patience stays the default (hours)
        partner.update(call_timeout_s=CALL_TIMEOUT_S, retry_first_s=1.0, retry_max_s=4.0, failover_after_s=5.0)
    urls = {name: f"sqlite:///{tmp / name}.db" for name in ("partner-a", "partner-b", "sp")}
    with landscape(tmp, urls, overrides={"sp": {"partners": partners}}) as domains:
        yield domains


@contextmanager
def stopped(domains: Landscape, name: str) -> Iterator[None]:
    process = domains.domains[name].proc
    assert process is not None
    process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        process.send_signal(signal.SIGCONT)


def _get(http: httpx.Client, order_id: str) -> dict[str, Any]:
    return http.get(f"{ORDERS}/productOrder/{order_id}").json()


def _reasons(order: dict[str, Any], state: str) -> list[str]:
    return [c.get("changeReason", "") for i in order["productOrderItem"] for c in i.get("stateChange", [])
            if c["state"] == state]


def _partner_order_keys(at_partner: httpx.Client) -> Counter[str]:
    orders = at_partner.get(PARTNER_ORDERS, params={"limit": 1000}).json()
    return Counter(o.get("externalId") for o in orders)


def _place(acme: httpx.Client, *items: dict[str, Any]) -> str:
    reply = acme.post(f"{ORDERS}/productOrder", json={"relatedContactInformation": CONTACT,
                                                      "productOrderItem": list(items)})
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


def _finished(acme: httpx.Client, order_id: str) -> dict[str, Any]:
    return wait_until(lambda: (o := _get(acme, order_id))["state"] in FINAL and o, timeout=240, interval=0.5,
                      what=f"order {order_id} to finish")


@pytest.mark.timeout(600)  # the landscape's start, the silence and the orders completing
def test_orders_for_a_stopped_partner_are_held_and_complete_once_it_answers_again(running: Landscape) -> None:
    acme = running.client("sp", "acme", "acme-demo-secret")
    operator = running.client("sp", "sp-operator", "operator-demo-secret")
    at_partner = running.client("partner-a", "cadenza-sp", "sp-at-partner-a-secret")
    before = _partner_order_keys(at_partner)

    with stopped(running, "partner-a"):
        springfield = [_place(acme, item("evpl", "evpl", evpl(vlan, vlan), site("site-east-2-1"), SPRINGFIELD))
                       for vlan in (401, 402, 403)]
        shelbyville = _place(acme, item("evpl", "evpl", evpl(404, 404), site("site-east-2-1"), SHELBYVILLE_BOTH))
        for order_id in springfield:
            held = wait_until(lambda oid=order_id: (o := _get(acme, oid))["productOrderItem"][0]["state"] == "held"
                              and o, timeout=120, interval=0.3, what=f"order {order_id}'s item to be held")
            assert held["state"] == "inProgress"  # MEF 123: an order is held only for a charge
            [reason] = _reasons(held, "held")
            assert reason.startswith("waiting for Alpha Access (partner-a): SONATA productOfferingQualification "
                                     "not answered since "), reason

        # Beta Fibre serves Shelbyville too: after the failover wait the segment moves there.
        moved = _finished(acme, shelbyville)
        assert moved["state"] == "completed", moved
        [waiting] = _reasons(moved, "held")
        assert "waiting for Alpha Access (partner-a)" in waiting and "partner-b serves it too" in waiting
        [resumed] = _reasons(moved, "inProgress")[-1:]
        assert "the partner policy moved the segment to partner-b" in resumed, resumed
        trace = operator.get(f"/cadenza/trace/v1/order/{shelbyville}").json()["interactions"]
        assert any("moved the segment to partner-b" in (t.get("detail") or "") for t in trace), trace

        time.sleep(STOPPED_FOR_S)  # the partner stays silent well past every call's timeout ...
        assert all(_get(acme, oid)["productOrderItem"][0]["state"] == "held" for oid in springfield)

    # ... and once it answers, every held order goes on by itself and completes.
    for order_id in springfield:
        done = _finished(acme, order_id)
        assert done["state"] == "completed", done
        changes = [c["state"] for c in done["productOrderItem"][0]["stateChange"]]
        assert changes[changes.index("held"):] == ["held", "inProgress", "completed"], changes
    after = _partner_order_keys(at_partner)
    new = after - before
    assert sum(new.values()) == 3 and set(new.values()) == {1}, new  # one partner order each, none twice


def test_a_disconnect_waits_for_a_stopped_partner_and_completes_when_it_answers(running: Landscape) -> None:
    acme = running.client("sp", "acme", "acme-demo-secret")
    order_id = _place(acme, item("evpl", "evpl", evpl(411, 411), site("site-east-2-1"), SPRINGFIELD))
    assert _finished(acme, order_id)["state"] == "completed"
    [product] = acme.get("/mefApi/cantata/productInventory/v1/product", params={"productOrderId": order_id}).json()

    with stopped(running, "partner-a"):
        removal = _place(acme, {"id": "1", "action": "delete", "product": {"id": product["id"]}})
        # the SOF's LEGATO service order is held while the partner does not answer; the item says why
        held = wait_until(lambda: (o := _get(acme, removal))["productOrderItem"][0]["state"] == "held" and o,
                          timeout=120, interval=0.3, what="the disconnect to be held")
        [reason] = _reasons(held, "held")
        assert reason.startswith("waiting for Alpha Access (partner-a): removal of access segment"), reason

    done = _finished(acme, removal)
    assert done["state"] == "completed", done
    assert acme.get(f"/mefApi/cantata/productInventory/v1/product/{product['id']}").json()["status"] == "terminated"


def test_a_held_order_keeps_waiting_across_a_sigkill_of_the_service_provider(running: Landscape) -> None:
    sp = running.domains["sp"]
    at_partner = running.client("partner-a", "cadenza-sp", "sp-at-partner-a-secret")
    before = _partner_order_keys(at_partner)
    with stopped(running, "partner-a"):
        acme = running.client("sp", "acme", "acme-demo-secret")
        order_id = _place(acme, item("evpl", "evpl", evpl(421, 421), site("site-east-2-1"), SPRINGFIELD))
        wait_until(lambda: _get(acme, order_id)["productOrderItem"][0]["state"] == "held", timeout=120,
                   interval=0.3, what="the item to be held")
        acme.close()
        sp.kill()  # the durable wait is resumed by the next start
        sp.start(sp.tmp_path.parent / "sp.yaml")
        acme = running.client("sp", "acme", "acme-demo-secret")
        assert _get(acme, order_id)["productOrderItem"][0]["state"] == "held"

    done = _finished(acme, order_id)
    assert done["state"] == "completed", done
    new = _partner_order_keys(at_partner) - before
    assert sum(new.values()) == 1 and set(new.values()) == {1}, new


def test_a_customer_cancelling_a_change_held_for_a_stopped_partner_gets_it_cancelled_at_once(
        running: Landscape) -> None:
    acme = running.client("sp", "acme", "acme-demo-secret")
    order_id = _place(acme, item("evpl", "evpl", evpl(431, 431), site("site-east-2-1"), SPRINGFIELD))
    assert _finished(acme, order_id)["state"] == "completed"
    [product] = acme.get(f"{INVENTORY}/product", params={"productOrderId": order_id}).json()

    with stopped(running, "partner-a"):
        change = _place(acme, {"id": "1", "action": "modify", "product": {
            "id": product["id"], "productOffering": {"id": "evpl"},
            "productConfiguration": evpl(431, 431, mbps=300)}})
        held = wait_until(lambda: (o := _get(acme, change))["productOrderItem"][0]["state"] == "held" and o,
                          timeout=120, interval=0.3, what="the change to be held")
        assert _reasons(held, "held")[0].startswith("waiting for Alpha Access (partner-a): bandwidth change of "
                                                    "access segment")
        cancel = acme.post(f"{ORDERS}/cancelProductOrder", json={
            "productOrder": {"productOrderId": change}, "cancellationReason": "not any more",
            "cancellationReasonType": "commercial", "relatedContactInformation": CONTACT})
        assert cancel.status_code == 201, cancel.text
        done = _finished(acme, change)  # while the partner is still stopped: the cancel does not wait for it
        assert done["state"] == "cancelled", done

    kept = acme.get(f"{INVENTORY}/product/{product['id']}").json()
    assert kept["status"] == "active"
    cir = kept["productConfiguration"]["evcEndPointA"]["ingressBandwidthProfilePerClassofServiceName"][0]
    assert cir["bwpFlow"]["cir"]["irValue"] == 100


def test_a_disconnect_over_interlude_waits_for_a_stopped_partner_sof(running: Landscape) -> None:
    acme = running.client("sp", "acme", "acme-demo-secret")
    ogdenville = address("21", "Elm", "Ogdenville", "60001")  # Beta Fibre only, ordered over INTERLUDE
    order_id = _place(acme, item("evpl", "evpl", evpl(441, 441), site("site-east-2-1"), ogdenville))
    assert _finished(acme, order_id)["state"] == "completed"
    [product] = acme.get(f"{INVENTORY}/product", params={"productOrderId": order_id}).json()

    with stopped(running, "partner-b"):
        removal = _place(acme, {"id": "1", "action": "delete", "product": {"id": product["id"]}})
        held = wait_until(lambda: (o := _get(acme, removal))["productOrderItem"][0]["state"] == "held" and o,
                          timeout=120, interval=0.3, what="the disconnect to be held")
        [reason] = _reasons(held, "held")
        assert reason.startswith("waiting for Beta Fibre (partner-b): removal of access segment"), reason

    done = _finished(acme, removal)
    assert done["state"] == "completed", done
    assert acme.get(f"{INVENTORY}/product/{product['id']}").json()["status"] == "terminated"
