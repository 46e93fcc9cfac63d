"""Many ALLEGRO changes at once (issue 12 point 7), on SQLite and on PostgreSQL: two customers
asking at the same moment for the last 500 Mbit/s of a link get one yes and one refusal that
says the capacity is not there; concurrent changes of one service are never applied side by
side (one is accepted, the others are told the service is being changed); and afterwards no
link carries more than its capacity, by the ICM's own records and by the twin's elements."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cadenza.core.client_credentials import ClientCredentials
from cadenza.icm.rows import LinkCapacityRow, PortUsageRow
from cadenza.interfaces.allegro.http import AllegroError
from cadenza.interfaces.allegro.ordering_client import ServiceOrderingClient, change_item, change_order
from cadenza.interfaces.legato.builders import add_evc_item, evc_configuration, on_net, service_order
from cadenza.interfaces.legato.paths import EVC_TYPE
from cadenza.landscape.config import DomainConfig
from tests.helpers.servers import wait_until
from tests.integration.sof.conftest import SofLandscape

# The direct link between pe-e1 and pe-e2 made small: both services below run over it.
LINK = ("pe-e1:xe-0/1/1", "pe-e2:xe-0/1/0")
LINK_MBPS = 1000
POLICY = {"bandwidth": {"minMbps": 10, "maxMbps": 1000, "stepMbps": 10}, "maxChangesPerDay": 24}


@pytest.fixture
def landscape_override() -> Callable[[DomainConfig], DomainConfig]:
    def narrow(config: DomainConfig) -> DomainConfig:
        domains = [nd.model_copy(update={"links": [
            link.model_copy(update={"capacity_mbps": LINK_MBPS}) if (link.a, link.b) == LINK else link
            for link in nd.links]}) for nd in config.network_domains]
        return config.model_copy(update={"network_domains": domains})
    return narrow


def _service(landscape: SofLandscape, a: str, z: str, vlan: int, customer: str, mbps: int) -> str:
    item = add_evc_item("1", evc_configuration(on_net(a, vlan), on_net(z, vlan), bandwidth_mbps=mbps, control=POLICY))
    item["service"]["relatedContactInformation"] = [{"role": "customer", "organization": customer,
                                                     "name": customer, "emailAddress": "", "number": ""}]
    created = landscape.legato.create_service_order(service_order(item, external_id=f"race-{vlan}"))
    done = landscape.wait_for_order(created["id"], "completed", "failed")
    assert done["state"] == "completed", done
    return created["serviceOrderItem"][0]["service"]["id"]


def _client(landscape: SofLandscape, client_id: str, secret: str) -> ServiceOrderingClient:
    client = ServiceOrderingClient(landscape.base_url, ClientCredentials(landscape.base_url, client_id, secret))
    client.list_orders()  # the token fetched first, so the requests leave together
    return client


def _all_at_once(asks: list[Callable[[], dict[str, Any]]]) -> list[dict[str, Any] | AllegroError]:
    start = threading.Barrier(len(asks))

    def fire(ask: Callable[[], dict[str, Any]]) -> dict[str, Any] | AllegroError:
        start.wait()
        try:
            return ask()
        except AllegroError as exc:
            return exc

    with ThreadPoolExecutor(len(asks)) as pool:
        return list(pool.map(fire, asks))


def _final(client: ServiceOrderingClient, order_id: str) -> dict[str, Any]:
    return wait_until(lambda: (o := client.get_order(order_id))["state"] in ("completed", "failed") and o,
                      timeout=120, interval=0.2, what=f"order {order_id} to end")


def _nothing_oversubscribed(landscape: SofLandscape) -> dict[str, int]:
    """Every link's and edge port's committed bandwidth within its capacity, as the ICM records
    it and as the elements of the twin are configured; the ICM's link figures returned."""
    assert landscape.domain.database is not None
    with landscape.domain.database.read() as session:
        links = {row.link_id: (row.reserved_mbps, row.capacity_mbps)
                 for row in session.scalars(select(LinkCapacityRow))}
        ports = [(row.reserved_mbps, row.speed_mbps) for row in session.scalars(select(PortUsageRow))]
    assert links and all(reserved <= capacity for reserved, capacity in links.values()), links
    assert all(reserved <= speed for reserved, speed in ports), ports
    elements = landscape.domain.twin.twin.elements
    for nd in landscape.domain.config.network_domains:
        for link in nd.links:
            for end in (link.a, link.b):
                element, port = end.split(":", 1)
                fcs = elements[element].running.fcs.values()
                kbps = sum(fc.bandwidth.cir_kbps for fc in fcs if any(ep.port == port for ep in fc.end_points))
                assert kbps <= link.capacity_mbps * 1000, (end, kbps, link.capacity_mbps)
    return {link_id: reserved for link_id, (reserved, _) in links.items()}


def test_two_customers_asking_for_the_last_500_mbps_of_a_link_get_one_yes_and_one_refusal(
        sof_landscape: SofLandscape) -> None:
    acme_service = _service(sof_landscape, "uni-east-1-1", "uni-east-2-1", 610, "acme-corp", 250)
    globex_service = _service(sof_landscape, "uni-east-1-2", "uni-east-2-2", 611, "globex", 250)
    small = [link_id for link_id, reserved in _nothing_oversubscribed(sof_landscape).items() if reserved == 500]
    assert len(small) == 1, "both services run over the small link, 500 of its 1000 Mbit/s free"
    acme = _client(sof_landscape, "acme", "acme-demo-secret")
    globex = _client(sof_landscape, "globex", "globex-demo-secret")
    try:
        answers = _all_at_once([
            lambda: acme.create_order(change_order(change_item("1", acme_service, EVC_TYPE, 750))),
            lambda: globex.create_order(change_order(change_item("1", globex_service, EVC_TYPE, 750)))])
        ends: list[dict[str, Any] | AllegroError] = [
            _final(client, answer["id"]) if isinstance(answer, dict) else answer
            for client, answer in zip((acme, globex), answers, strict=True)]
        yes = [e for e in ends if isinstance(e, dict) and e["state"] == "completed"]
        no = [e for e in ends if e not in yes]
        assert len(yes) == 1 and len(no) == 1, ends
        refusal = no[0]
        if isinstance(refusal, AllegroError):  # refused when asked
            assert refusal.status == 422, refusal.body
            reason = str(refusal.body)
        else:  # accepted, then refused by the network: the order fails saying why
            assert refusal["state"] == "failed", refusal
            reason = str(refusal["serviceOrderItem"][0].get("terminationError") or refusal.get("terminationError"))
        assert "capacity" in reason and "500 Mbit/s" in reason, reason
        winner = acme_service if yes[0]["id"] == (answers[0]["id"] if isinstance(answers[0], dict) else None) \
            else globex_service
        loser = globex_service if winner == acme_service else acme_service
        assert sof_landscape.legato.get_service(winner)["serviceConfiguration"]["cadenzaDesign"]["bandwidthMbps"] == 750
        kept = sof_landscape.legato.get_service(loser)
        assert kept["state"] == "active" and kept["serviceConfiguration"]["cadenzaDesign"]["bandwidthMbps"] == 250
        assert _nothing_oversubscribed(sof_landscape)[small[0]] == LINK_MBPS
    finally:
        acme.close()
        globex.close()


def test_concurrent_changes_of_one_service_are_accepted_one_at_a_time(sof_landscape: SofLandscape) -> None:
    service_id = _service(sof_landscape, "uni-east-1-1", "uni-east-2-1", 612, "acme-corp", 100)
    clients = [_client(sof_landscape, "acme", "acme-demo-secret") for _ in range(4)]
    try:
        answers = _all_at_once([
            (lambda c=c, n=n: c.create_order(change_order(change_item("1", service_id, EVC_TYPE, 200 + 10 * n))))
            for n, c in enumerate(clients)])
        accepted = [a for a in answers if isinstance(a, dict)]
        refused = [a for a in answers if isinstance(a, AllegroError)]
        assert len(accepted) == 1 and len(refused) == 3, answers
        assert all(r.status == 422 and "is being changed by service order" in str(r.body)
                   for r in refused), [r.body for r in refused]
        done = _final(clients[0], accepted[0]["id"])
        assert done["state"] == "completed", done
        asked = accepted[0]["serviceOrderItem"][0]["service"]["serviceConfiguration"]["cadenzaEvcPlacement"]
        design = sof_landscape.legato.get_service(service_id)["serviceConfiguration"]["cadenzaDesign"]
        assert design["bandwidthMbps"] == asked["bandwidthMbps"]
        segment = design["segments"][0]
        assert sof_landscape.sof.presto.get_connectivity_service(
            segment["networkDomain"], segment["uuid"]).bandwidth_mbps == asked["bandwidthMbps"]
        _nothing_oversubscribed(sof_landscape)
    finally:
        for client in clients:
            client.close()


def test_changes_of_one_service_due_at_once_are_applied_in_the_order_they_were_accepted(
        sof_landscape: SofLandscape) -> None:
    service_id = _service(sof_landscape, "uni-east-1-1", "uni-east-2-1", 613, "acme-corp", 100)
    acme = _client(sof_landscape, "acme", "acme-demo-secret")
    due = datetime.now(UTC) + timedelta(seconds=4)
    try:
        placed = [acme.create_order(change_order(change_item("1", service_id, EVC_TYPE, mbps), start=due))
                  for mbps in (300, 400, 500)]
        ends = [_final(acme, order["id"]) for order in placed]
        assert [e["state"] for e in ends] == ["completed"] * 3, ends
        completions = [e["completionDate"] for e in ends]
        assert completions == sorted(completions), completions
        design = sof_landscape.legato.get_service(service_id)["serviceConfiguration"]["cadenzaDesign"]
        assert design["bandwidthMbps"] == 500
    finally:
        acme.close()
