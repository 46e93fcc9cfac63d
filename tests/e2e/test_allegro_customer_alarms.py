"""A customer's product over the whole landscape: ordered over CANTATA, its EVC is the
customer's at the SOF (the BUS names the customer on the LEGATO item), so a link failing under
it raises an alarm the customer reads over ALLEGRO and another customer does not see; the
repair clears it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cadenza.interfaces.allegro.alarm_paths import ALARM_BASE
from cadenza.interfaces.legato.paths import INVENTORY_BASE, ORDERING_BASE
from tests.e2e.conftest import Parties, evpl, item, site
from tests.helpers.servers import wait_until

LANDSCAPE_PARTNERS: tuple[str, ...] = ()  # on-net only: no partner domain to start


@pytest.fixture(scope="module")
def sof(parties: Parties) -> httpx.Client:
    client = parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp")
    parties.clients.append(client)
    return client


def _alarms(customer: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    reply = customer.get(f"{ALARM_BASE}/alarm", params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _link_on_route(parties: Parties, service: dict[str, Any]) -> tuple[str, str]:
    segment = service["serviceConfiguration"]["cadenzaDesign"]["segments"][0]
    reply = parties.sp.post(f"/presto/{segment['networkDomain']}/restconf/operations/get-connectivity-service-details/",
                            json={"input": {"service-id-or-name": segment["uuid"]}})
    assert reply.status_code == 200, reply.text
    a, b = sorted(reply.json()["output"]["service"]["cadenza-activation"]["s-vlans"])[0].split("|")
    return a, b


def test_a_link_failure_under_a_customers_product_is_an_alarm_only_that_customer_reads(
        parties: Parties, sof: httpx.Client, vlan: int) -> None:
    done = parties.wait(parties.order(item("1", "evpl", evpl(vlan, vlan), site("site-east-1-1"),
                                           site("site-west-1-1")))["id"])
    assert done["state"] == "completed", done["stateChange"]
    ordered = sof.get(f"{ORDERING_BASE}/serviceOrder", params={"externalId": f"{done['id']}/1"}).json()
    service_id = ordered[0]["serviceOrderItem"][0]["service"]["id"]
    contacts = ordered[0]["serviceOrderItem"][0]["service"]["relatedContactInformation"]
    assert [(c["role"], c["organization"]) for c in contacts] == [("customer", "acme-corp")]
    service = sof.get(f"{INVENTORY_BASE}/service/{service_id}").json()
    a, b = _link_on_route(parties, service)
    reply = parties.sp.post("/cadenza/twin/v1/links/fail", json={"a": a, "b": b})
    assert reply.status_code == 200, reply.text
    try:
        raised = wait_until(lambda: _alarms(parties.acme, affectedServiceId=service_id, state="unAcknowledged"),
                            timeout=60, what="acme's alarm")
        assert len(raised) == 1 and raised[0]["perceivedSeverity"] == "critical"
        assert _alarms(parties.globex, affectedServiceId=service_id) == []
        hidden = parties.globex.get(f"{ALARM_BASE}/alarm/{raised[0]['id']}")
        assert hidden.status_code == 404, hidden.text
    finally:
        reply = parties.sp.post("/cadenza/twin/v1/links/restore", json={"a": a, "b": b})
        assert reply.status_code == 200, reply.text
    cleared = wait_until(lambda: _alarms(parties.acme, affectedServiceId=service_id, state="cleared"),
                         timeout=60, what="acme's alarm to clear")
    assert [alarm["id"] for alarm in cleared] == [raised[0]["id"]]
