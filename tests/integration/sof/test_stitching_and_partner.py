"""An EVC from a metro UNI to a partner: stitched across metro and core over an INNI pair,
the partner's access segment ordered over INTERLUDE (this domain plays the partner too),
tested end to end; then its bandwidth changed everywhere and the service disconnected."""

from __future__ import annotations

from cadenza.core.client_credentials import ClientCredentials
from cadenza.interfaces.interlude.client import InterludeClient
from cadenza.interfaces.legato.builders import (
    add_evc_item,
    delete_item,
    evc_configuration,
    modify_item,
    off_net,
    on_net,
    ovc_access_configuration,
    service_order,
)
from cadenza.interfaces.legato.paths import INVENTORY_SPEC_FILE, ORDER_SPEC_FILE
from cadenza.sof.interlude_access import InterludeAccess
from cadenza.sof.partner_access import AccessRequest
from tests.helpers.servers import wait_until
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.openapi import assert_valid
from tests.integration.sof.test_legato_on_net import assert_nothing_left


def test_an_evc_to_a_partner_site_is_stitched_across_metro_and_core_and_ordered_over_interlude(
        sof_landscape: SofLandscape) -> None:
    order = service_order(add_evc_item("evc", evc_configuration(
        on_net("uni-east-3-1", 310), off_net("partner-a", site_id="site-pa-7", ce_vlan=410), bandwidth_mbps=200)))
    created = sof_landscape.legato.create_service_order(order)
    done = sof_landscape.wait_for_order(created["id"], "completed", "failed")
    assert done["state"] == "completed", done
    service = sof_landscape.legato.get_service(created["serviceOrderItem"][0]["service"]["id"])
    assert_valid(INVENTORY_SPEC_FILE, "Service", service)
    design = service["serviceConfiguration"]["cadenzaDesign"]

    metro, core = design["segments"]
    assert (metro["networkDomain"], core["networkDomain"]) == ("metro", "core")
    junction = design["junctions"][0]
    assert metro["z"] == {"edgePoint": junction["exit"], "vlan": junction["vlan"]}
    assert core["a"] == {"edgePoint": junction["entry"], "vlan": junction["vlan"]}
    assert junction["entry"] == "inni-core-" + junction["exit"].removeprefix("inni-")
    assert core["z"]["edgePoint"] == "enni-partner-1"
    s_vlan = core["z"]["vlan"]
    assert design["partner"]["sVlan"] == s_vlan and design["partner"]["reference"]
    for segment in (metro, core):
        assert sof_landscape.presto(segment["networkDomain"], segment["uuid"])["cadenza-activation"][
            "state"] == "installed"

    # the partner side: its own access service from the site's UNI to its ENNI on our S-VLAN
    with sof_landscape.client("peer-sof", "peer-demo-secret") as peer:
        access = peer.get(f"/mefApi/interlude/serviceInventory/v1/service/{design['partner']['reference']}").json()
    assert access["state"] == "active"
    access_design = access["serviceConfiguration"]["cadenzaDesign"]
    assert access_design["segments"][0]["a"] == {"edgePoint": "uni-west-2-1", "vlan": 410}
    assert access_design["segments"][-1]["z"] == {"edgePoint": "enni-partner-2", "vlan": s_vlan}

    test = service["serviceConfiguration"]["cadenzaActivationTest"]
    assert test["result"] == "PASS" and len(test["segments"]) == 3
    assert abs(test["frameDelayMs"] - sum(s["frameDelayMs"] for s in test["segments"])) < 1e-3

    changed = sof_landscape.legato.create_service_order(service_order(modify_item("bw", service["id"], 400)))
    assert sof_landscape.wait_for_order(changed["id"], "completed", "failed")["state"] == "completed"
    for segment in (metro, core):
        assert sof_landscape.presto(segment["networkDomain"], segment["uuid"])["requested-capacity"][
            "total-size"]["value"] == 400
    with sof_landscape.client("peer-sof", "peer-demo-secret") as peer:
        access = peer.get(f"/mefApi/interlude/serviceInventory/v1/service/{design['partner']['reference']}").json()
    assert access["serviceConfiguration"]["cadenzaDesign"]["bandwidthMbps"] == 400
    assert sof_landscape.legato.get_service(service["id"])["serviceConfiguration"]["cadenzaDesign"][
        "bandwidthMbps"] == 400

    gone = sof_landscape.legato.create_service_order(service_order(delete_item("rm", service["id"])))
    final = sof_landscape.wait_for_order(gone["id"], "completed", "failed")
    assert final["state"] == "completed", final
    assert_valid(ORDER_SPEC_FILE, "ServiceOrder", final)
    assert wait_until(lambda: sof_landscape.legato.list_services(state="terminated"), what="termination")
    assert_nothing_left(sof_landscape)


def test_the_interlude_server_builds_an_access_segment_and_the_adapter_follows_it(
        sof_landscape: SofLandscape) -> None:
    token = ClientCredentials(sof_landscape.base_url, "peer-sof", "peer-demo-secret")
    client = InterludeClient(sof_landscape.base_url, token)
    adapter = InterludeAccess(client, party="partner-a")
    request = AccessRequest(idempotency_key="buyer-svc-1-access", partner="partner-a",
                            site={"city": "Westport", "streetName": "Harbour", "streetNr": "7"}, ce_vlan=None,
                            enni="enni-partner-2", s_vlan=3001, bandwidth_mbps=100)
    reference = adapter.order(request)
    assert adapter.order(request) == reference  # a retried step orders nothing twice
    assert len(client.list_service_orders()) == 1
    status = wait_until(lambda: (s := adapter.status(reference)).state != "inProgress" and s, timeout=120,
                        what="the access segment")
    assert status.state == "active" and status.test is not None and status.test.passed
    segment = client.get_service(reference)["serviceConfiguration"]["cadenzaDesign"]["segments"][-1]
    assert segment["z"] == {"edgePoint": "enni-partner-2", "vlan": 3001}
    assert sof_landscape.presto(segment["networkDomain"], segment["uuid"])["cadenza-activation"][
        "state"] == "installed"

    # the same S-VLAN on the same ENNI cannot be sold twice
    clash = ovc_access_configuration(site={"id": "site-pa-7"}, ce_vlan=55, enni="enni-partner-2", s_vlan=3001,
                                     bandwidth_mbps=10)
    refused = client.create_service_order(service_order(add_evc_item("x", clash)))
    failed = wait_until(lambda: (o := client.get_service_order(refused["id"]))["state"] in ("failed", "completed")
                        and o, timeout=60, what="the clashing order")
    assert failed["state"] == "failed" and "3001" in failed["serviceOrderItem"][0]["terminationError"][0]["value"]

    adapter.remove(reference, "buyer-svc-1-remove")
    adapter.remove(reference, "buyer-svc-1-remove")
    assert wait_until(lambda: adapter.status(reference).state == "removed", timeout=120, what="removal")
    assert_nothing_left(sof_landscape)
    client.close()
