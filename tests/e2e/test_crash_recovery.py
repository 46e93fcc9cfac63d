"""The Service Provider's process is killed (SIGKILL) with 20 orders in flight: after a restart
every order completes, nothing was ordered twice at a partner and no element was configured
twice. And killed in the middle of a customer's change of an off-net service (MEF 55.0.1 §10.3):
after a restart the change is whole in both domains, never half applied."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from cadenza.interfaces.allegro.inventory_paths import INVENTORY_BASE as ALLEGRO_INVENTORY
from cadenza.interfaces.allegro.ordering_client import change_item, change_order
from cadenza.interfaces.allegro.ordering_paths import ORDERING_BASE as ALLEGRO_ORDERS
from tests.e2e.conftest import CONTACT, FINAL, ORDERS, address, evpl, final_orders, item, site
from tests.helpers.landscape import Landscape, landscape
from tests.helpers.servers import wait_until

pytestmark = pytest.mark.slow

INTERLUDE_ORDERS = "/mefApi/interlude/serviceOrderingManagement/v1"
FAR_ENDS = [None, address("11", "Evergreen", "Springfield", "50001"), address("21", "Elm", "Ogdenville", "60001"),
            address("41", "Cedar", "Shelbyville", "80001")]


def twin_counts(operator) -> dict[str, tuple[int, int]]:  # noqa: ANN001 - an httpx client
    """Per element: its effective commits so far and the forwarding constructs it holds."""
    return {e["name"]: (e["writes"], len(e["forwardingConstructs"]))
            for e in operator.get("/cadenza/twin/v1/status").json()["elements"]}


def commits_match_constructs(operator, before: dict[str, tuple[int, int]] | None = None) -> None:  # noqa: ANN001
    """Each forwarding construct was written once: the effective commits of an element since
    `before` (default: since it started empty) equal the constructs it gained meanwhile (only
    additions happened meanwhile)."""
    for name, (writes, constructs) in twin_counts(operator).items():
        writes_before, constructs_before = (before or {}).get(name, (0, 0))
        assert writes - writes_before == constructs - constructs_before, name


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Landscape]:
    """One landscape for the module's tests: each kills and restarts the SP, which is what it
    tests, and looks only at the orders, constructs and partner orders it made."""
    tmp: Path = tmp_path_factory.mktemp("crash")
    urls = {name: f"sqlite:///{tmp / name}.db" for name in ("partner-a", "partner-b", "sp")}
    with landscape(tmp, urls) as domains:
        yield domains


_OPERATORS = (("sp", "sp-operator"), ("partner-a", "partner-a-operator"), ("partner-b", "partner-b-operator"))


def _restart_sp(running: Landscape) -> None:
    sp = running.domains["sp"]
    sp.kill()
    sp.start(sp.tmp_path.parent / "sp.yaml")


def test_twenty_orders_in_flight_survive_a_sigkill_of_the_service_provider(running: Landscape) -> None:
    operators = {name: running.client(name, client_id, "operator-demo-secret") for name, client_id in _OPERATORS}
    before = {name: twin_counts(operator) for name, operator in operators.items()}
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

    _restart_sp(running)
    acme = running.client("sp", "acme", "acme-demo-secret")

    orders = final_orders(acme, order_ids, timeout=300)
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

    for name, client_id in _OPERATORS:
        commits_match_constructs(running.client(name, client_id, "operator-demo-secret"), before[name])
    for client in (acme, buyer_a, buyer_b, *operators.values()):
        client.close()


def _cir_kbps(operator, keys: list[str]) -> set[int]:  # noqa: ANN001 - an httpx client
    status = operator.get("/cadenza/twin/v1/status").json()
    constructs = {f"{e['name']}/{fc['id']}": fc for e in status["elements"] for fc in e["forwardingConstructs"]}
    return {constructs[key]["bandwidth-profile"]["cir-kbps"] for key in keys}


def _construct_keys(operator) -> set[str]:  # noqa: ANN001 - an httpx client
    status = operator.get("/cadenza/twin/v1/status").json()
    return {f"{e['name']}/{fc['id']}" for e in status["elements"] for fc in e["forwardingConstructs"]}


def test_a_sigkill_in_the_middle_of_a_cross_domain_change_leaves_it_whole_after_the_restart(
        running: Landscape) -> None:
    """acme raises an off-net EVPL (Beta Fibre's segment over INTERLUDE) from 100 to 300 Mbit/s
    over ALLEGRO; the SP is killed as soon as Beta Fibre has the change of its segment, before
    the SP changed its own. After the restart the change ends completed with both domains at 300
    Mbit/s or failed with both at 100 (either is whole), never half applied, and the partner was
    asked once."""
    acme = running.client("sp", "acme", "acme-demo-secret")
    sp_twin = running.client("sp", "sp-operator", "operator-demo-secret")
    partner_twin = running.client("partner-b", "partner-b-operator", "operator-demo-secret")
    at_partner = running.client("partner-b", "cadenza-sp", "sp-at-partner-b-secret")
    before_sp, before_partner = _construct_keys(sp_twin), _construct_keys(partner_twin)
    ogdenville = address("22", "Elm", "Ogdenville", "60002")  # Beta Fibre's, bought over INTERLUDE
    reply = acme.post(f"{ORDERS}/productOrder", json={"relatedContactInformation": CONTACT, "productOrderItem": [
        item("1", "evpl", evpl(730, 730, 100), site("site-east-3-2"), ogdenville)]})
    assert reply.status_code == 201, reply.text
    product_order = reply.json()["id"]
    bought = wait_until(lambda: (o := acme.get(f"{ORDERS}/productOrder/{product_order}").json())["state"] in FINAL
                        and o, timeout=120, what="the EVPL to be delivered")
    assert bought["state"] == "completed", bought
    service = next(s for s in acme.get(f"{ALLEGRO_INVENTORY}/service", params={"state": "active"}).json()
                   if s["serviceConfiguration"].get("identifier") == f"{product_order}/1")
    sp_keys = sorted(_construct_keys(sp_twin) - before_sp)
    partner_keys = sorted(_construct_keys(partner_twin) - before_partner)
    assert sp_keys and partner_keys

    def partner_changes() -> list[dict]:
        orders = at_partner.get(f"{INTERLUDE_ORDERS}/serviceOrder", params={"limit": 1000}).json()
        return [o for o in orders if (o.get("externalId") or "").endswith("-modify")]

    change = acme.post(f"{ALLEGRO_ORDERS}/serviceOrder", json=change_order(
        change_item("1", service["id"], service["serviceConfiguration"]["@type"], 300)))
    assert change.status_code == 201, change.text
    wait_until(partner_changes, timeout=60, interval=0.02, what="Beta Fibre to have the change of its segment")
    # half way: the partner has been asked while the SP's own elements still police 100 Mbit/s
    assert _cir_kbps(sp_twin, sp_keys) == {100_000}
    _restart_sp(running)
    acme = running.client("sp", "acme", "acme-demo-secret")
    sp_twin = running.client("sp", "sp-operator", "operator-demo-secret")

    done = wait_until(lambda: (o := acme.get(f"{ALLEGRO_ORDERS}/serviceOrder/{change.json()['id']}").json())[
        "state"] in ("completed", "failed") and o, timeout=180, interval=0.5, what="the change after the restart")
    rate = 300 if done["state"] == "completed" else 100
    print(f"the change ended {done['state']} after the restart")  # noqa: T201 - which whole it is
    assert _cir_kbps(sp_twin, sp_keys) == {rate * 1000}, done
    assert wait_until(lambda: _cir_kbps(partner_twin, partner_keys) == {rate * 1000}, timeout=60,
                      what=f"Beta Fibre's segment at {rate} Mbit/s")
    shown = acme.get(f"{ALLEGRO_INVENTORY}/service/{service['id']}").json()
    assert shown["state"] == "active" and shown["serviceConfiguration"]["cadenzaEvcPlacement"][
        "bandwidthMbps"] == rate, shown
    assert len(partner_changes()) == 1  # asked once at the partner, whatever the restart replayed
    for client in (acme, sp_twin, partner_twin, at_partner):
        client.close()
