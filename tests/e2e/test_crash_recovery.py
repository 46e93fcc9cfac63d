"""The Service Provider's process is killed (SIGKILL) with 20 orders in flight: after a restart
every order completes, nothing was ordered twice at a partner and no element was configured
twice."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.conftest import CONTACT, FINAL, ORDERS, address, evpl, item, site
from tests.helpers.landscape import landscape
from tests.helpers.servers import wait_until

pytestmark = pytest.mark.slow

FAR_ENDS = [None, address("11", "Evergreen", "Springfield", "50001"), address("21", "Elm", "Ogdenville", "60001"),
            address("41", "Cedar", "Shelbyville", "80001")]


def commits_match_constructs(operator) -> None:  # noqa: ANN001 - an httpx client
    """Each forwarding construct was written once: the constructs an element's effective commits
    wrote equal the constructs it holds (only additions happened since it started empty)."""
    for element in operator.get("/cadenza/twin/v1/status").json()["elements"]:
        assert element["writes"] == len(element["forwardingConstructs"]), element["name"]


def test_twenty_orders_in_flight_survive_a_sigkill_of_the_service_provider(tmp_path: Path) -> None:
    urls = {name: f"sqlite:///{tmp_path / name}.db" for name in ("partner-a", "partner-b", "sp")}
    with landscape(tmp_path, urls) as running:
        acme = running.client("sp", "acme", "acme-demo-secret")
        sites = [f"site-{area}-{n}-{p}" for area in ("east", "west") for n in range(1, 5) for p in (1, 2)]
        order_ids = []
        for n in range(20):
            far = FAR_ENDS[n % len(FAR_ENDS)]
            ends = (site(sites[n % 16]), far or site(sites[(n + 5) % 16]))
            reply = acme.post(f"{ORDERS}/productOrder", json={"relatedContactInformation": CONTACT,
                                                              "productOrderItem": [item("1", "evpl",
                                                                                        evpl(500 + n, 500 + n, 10),
                                                                                        *ends)]})
            assert reply.status_code == 201, reply.text
            order_ids.append(reply.json()["id"])

        sp = running.domains["sp"]
        sp.kill()
        sp.start(tmp_path / "sp.yaml")
        acme = running.client("sp", "acme", "acme-demo-secret")

        def all_final() -> list[dict] | None:
            orders = [acme.get(f"{ORDERS}/productOrder/{i}").json() for i in order_ids]
            return orders if all(o["state"] in FINAL for o in orders) else None

        orders = wait_until(all_final, timeout=300, interval=1.0, what="20 orders to finish after the restart")
        assert [o["state"] for o in orders] == ["completed"] * 20, [
            (o["state"], o.get("stateChange", [{}])[-1].get("changeReason")) for o in orders]

        buyer_a = running.client("partner-a", "cadenza-sp", "sp-at-partner-a-secret")
        placed = buyer_a.get("/mefApi/sonata/productOrderingManagement/v10/productOrder",
                             params={"limit": 1000}).json()
        assert placed and max(Counter(o["externalId"] for o in placed).values()) == 1
        buyer_b = running.client("partner-b", "cadenza-sp", "sp-at-partner-b-secret")
        segments = buyer_b.get("/mefApi/interlude/serviceOrderingManagement/v1/serviceOrder",
                               params={"limit": 1000}).json()
        assert segments and max(Counter(o["externalId"] for o in segments).values()) == 1

        for name, client_id in (("sp", "sp-operator"), ("partner-a", "partner-a-operator"),
                                ("partner-b", "partner-b-operator")):
            commits_match_constructs(running.client(name, client_id, "operator-demo-secret"))
