"""Two customers competing for the last capacity of a link over ALLEGRO (issue 12 point 7), as
they drive it against the running landscape: the metro link pe-e1 - pe-e2 is made 1,000 Mbit/s
(an override of the demo's sp.yaml); acme and globex each buy an on-net EVPL over it at
250 Mbit/s over CANTATA, leaving 500 Mbit/s; both then ask at the same moment for +500 Mbit/s.
Exactly one order completes, the other fails saying the capacity is not there, the elements of
the twin police exactly what was granted, and no link carries more than its capacity."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import yaml

from cadenza.interfaces.allegro.inventory_paths import INVENTORY_BASE
from cadenza.interfaces.allegro.ordering_client import change_item, change_order
from cadenza.interfaces.allegro.ordering_paths import ORDERING_BASE
from tests.e2e.conftest import Parties, evpl, item, site
from tests.helpers.landscape import DEMO
from tests.helpers.servers import wait_until

LANDSCAPE_PARTNERS: tuple[str, ...] = ()  # on-net only: no partner domain to start

LINK = ("pe-e1:xe-0/1/1", "pe-e2:xe-0/1/0")  # the direct link of the two PEs both EVPLs run between
LINK_MBPS = 1000


def _narrowed() -> list[dict[str, Any]]:
    """The demo's network domains with LINK made small (the override replaces the whole key)."""
    domains = yaml.safe_load((DEMO / "sp.yaml").read_text())["network_domains"]
    links = [link for nd in domains for link in nd.get("links", []) if (link["a"], link["b"]) == LINK]
    assert len(links) == 1, "the demo topology no longer has the link this module narrows"
    links[0]["capacity_mbps"] = LINK_MBPS
    return domains


LANDSCAPE_OVERRIDES = {"sp": {"network_domains": _narrowed()}}


def _status(operator: httpx.Client) -> dict[str, Any]:
    return operator.get("/cadenza/twin/v1/status").json()


def _cir_mbps(status: dict[str, Any], constructs: list[str]) -> set[int]:
    """The committed rates the twin's elements police on `constructs` (element/construct id)."""
    rates = {f"{e['name']}/{fc['id']}": fc["bandwidth-profile"]["cir-kbps"] // 1000 for e in status["elements"]
             for fc in e["forwardingConstructs"]}
    return {rates[key] for key in constructs}


def _carried_mbps(status: dict[str, Any]) -> dict[str, tuple[float, int]]:
    """Each end of each link of the twin: the committed rate its element's constructs police on
    that port, and the link's capacity."""
    elements = {e["name"]: e for e in status["elements"]}
    carried: dict[str, tuple[float, int]] = {}
    for link in status["links"]:
        for end in (link["a"], link["b"]):
            name, port = end.split(":", 1)
            kbps = sum(fc["bandwidth-profile"]["cir-kbps"] for fc in elements[name]["forwardingConstructs"]
                       if any(ep["port"] == port for ep in fc["end-point"]))
            carried[end] = (kbps / 1000, link["capacityMbps"])
    return carried


def _buy(parties: Parties, customer: httpx.Client, a: str, z: str, vlan: int) -> dict[str, Any]:
    """An on-net EVPL of `customer`'s at 250 Mbit/s: its ALLEGRO service and the constructs it made."""
    before = {f"{e['name']}/{fc['id']}" for e in _status(parties.sp)["elements"] for fc in e["forwardingConstructs"]}
    done = parties.wait(parties.order(item("1", "evpl", evpl(vlan, vlan, mbps=250), site(a), site(z)),
                                      customer=customer)["id"], customer=customer)
    assert done["state"] == "completed", done
    services = customer.get(f"{INVENTORY_BASE}/service", params={"state": "active"}).json()
    service = next(s for s in services if s["serviceConfiguration"].get("identifier") == f"{done['id']}/1")
    after = {f"{e['name']}/{fc['id']}" for e in _status(parties.sp)["elements"] for fc in e["forwardingConstructs"]}
    constructs = sorted(after - before)
    assert constructs, "the EVPL configured no element"
    return {"id": service["id"], "type": service["serviceConfiguration"]["@type"], "constructs": constructs}


@pytest.fixture(scope="module")
def evpls(parties: Parties) -> dict[str, dict[str, Any]]:
    return {"acme": _buy(parties, parties.acme, "site-east-1-1", "site-east-2-1", 640),
            "globex": _buy(parties, parties.globex, "site-east-1-2", "site-east-2-2", 641)}


def test_two_customers_asking_for_the_last_500_mbps_of_a_link_get_one_yes_and_one_refusal(
        parties: Parties, evpls: dict[str, dict[str, Any]]) -> None:
    customers = {"acme": parties.acme, "globex": parties.globex}
    before = _carried_mbps(_status(parties.sp))
    # both EVPLs cross the small link: 500 of its 1000 Mbit/s are taken, 500 left
    assert before[LINK[0]] == (500, LINK_MBPS) and before[LINK[1]] == (500, LINK_MBPS), before

    start = threading.Barrier(len(customers))

    def ask(name: str) -> httpx.Response:
        service = evpls[name]
        body = change_order(change_item("1", service["id"], service["type"], 750))
        start.wait()  # the two requests leave together
        return customers[name].post(f"{ORDERING_BASE}/serviceOrder", json=body)

    with ThreadPoolExecutor(len(customers)) as pool:
        replies = dict(zip(customers, pool.map(ask, customers), strict=True))
    # nothing is reserved when a change is accepted (docs/allegro-profile.md): both are taken
    assert all(r.status_code == 201 for r in replies.values()), {n: r.text for n, r in replies.items()}

    def final(name: str) -> dict[str, Any]:
        order_id = replies[name].json()["id"]
        return wait_until(lambda: (o := customers[name].get(f"{ORDERING_BASE}/serviceOrder/{order_id}").json())
                          ["state"] in ("completed", "failed") and o, timeout=90, interval=0.3,
                          what=f"{name}'s order {order_id} to finish")

    ends = {name: final(name) for name in customers}
    winners = [name for name, order in ends.items() if order["state"] == "completed"]
    losers = [name for name, order in ends.items() if order["state"] == "failed"]
    assert len(winners) == 1 and len(losers) == 1, {n: o["state"] for n, o in ends.items()}
    winner, loser = winners[0], losers[0]
    refused = ends[loser]
    reason = str(refused["serviceOrderItem"][0].get("terminationError") or refused.get("terminationError"))
    assert "capacity" in reason and LINK[0] in reason and "500 Mbit/s more" in reason, reason

    # the twin's elements police what was granted, and the loser's service kept its rate
    status = _status(parties.sp)
    assert _cir_mbps(status, evpls[winner]["constructs"]) == {750}
    assert _cir_mbps(status, evpls[loser]["constructs"]) == {250}
    carried = _carried_mbps(status)
    assert carried[LINK[0]] == (LINK_MBPS, LINK_MBPS), carried
    assert all(mbps <= capacity for mbps, capacity in carried.values()), carried

    # and each customer reads over ALLEGRO what it now has
    for name, mbps in ((winner, 750), (loser, 250)):
        service = customers[name].get(f"{INVENTORY_BASE}/service/{evpls[name]['id']}").json()
        assert service["state"] == "active", service
        bounds = customers[name].get(f"{INVENTORY_BASE}/service/{evpls[name]['id']}/cadenzaControlPolicy").json()
        assert bounds["bandwidthMbps"] == mbps, (name, bounds)
