"""MEF 55.0.1 §10.9, Providing connectivity services for cloud, as Cadenza defines its steps
(docs/threads/10.9-connectivity-for-cloud.md), with acme's Customer Application Coordinator
(`cadenza cus watch`, a program of the customer's using only ALLEGRO) sizing the service
between its two data centres to the traffic its applications send, on the twin's clock:

1. the coordinator learns the service and the bounds of its product (Service Inventory);
2. it keeps a scheduled performance job on it and reads each report when it is ready;
3. 130 Mbit/s sent into 100 bought: over the band, it decides to go up;
4. it asks for the change with a `modify` service order, which SOF checks (6), applies in
   place (7) and completes (10): the elements police the new rate;
then the traffic falls to 30 Mbit/s: after letting the change settle it goes down again, as far
as the rate that carries the traffic inside the band but never below the floor it was given.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cadenza.interfaces.allegro.inventory_paths import INVENTORY_BASE as ALLEGRO_INVENTORY
from cadenza.interfaces.allegro.ordering_paths import ORDERING_BASE as ALLEGRO_ORDERING
from cadenza.interfaces.allegro.pm_paths import PM_BASE
from cadenza.interfaces.legato.paths import INVENTORY_BASE, ORDERING_BASE
from tests.e2e.conftest import Parties, evpl, item, site
from tests.helpers.servers import wait_until

LANDSCAPE_PARTNERS: tuple[str, ...] = ()  # on-net only: no partner domain to start

FLOOR_MBPS = 80


@pytest.fixture(scope="module")
def dc_service(parties: Parties) -> dict[str, Any]:
    """acme's EVPL between its data centres DC1 and DC2 at 100 Mbit/s, with the SP network's
    clock stopped and the traffic fixed at 130 Mbit/s each way whatever rate is bought."""
    done = parties.wait(parties.order(item("1", "evpl", evpl(900, 900, mbps=100), site("site-dc-east"),
                                           site("site-dc-west")))["id"])
    assert done["state"] == "completed", done["stateChange"]
    sof = parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp")
    ordered = sof.get(f"{ORDERING_BASE}/serviceOrder", params={"externalId": f"{done['id']}/1"}).json()
    service_id = ordered[0]["serviceOrderItem"][0]["service"]["id"]
    design = sof.get(f"{INVENTORY_BASE}/service/{service_id}").json()["serviceConfiguration"]["cadenzaDesign"]
    sof.close()
    assert parties.sp.post("/cadenza/twin/v1/clock", json={"scale": 0}).status_code == 200
    segments = [s["uuid"] for s in design["segments"]]
    _send(parties, segments, 130)
    return {"id": service_id, "segments": segments}


def _send(parties: Parties, segments: list[str], mbps: float) -> None:
    for segment in segments:
        reply = parties.sp.put(f"/cadenza/twin/v1/demand/{segment}", json={
            "baseMbps": 300, "mean": mbps / 300, "amplitude": 0, "noise": 0, "burstProbability": 0})
        assert reply.status_code == 200, reply.text


def _advance(parties: Parties, seconds: float) -> None:
    assert parties.sp.post("/cadenza/twin/v1/clock", json={"advanceSeconds": seconds}).status_code == 200


def _rate(parties: Parties, service_id: str) -> int:
    return parties.acme.get(f"{ALLEGRO_INVENTORY}/service/{service_id}/cadenzaControlPolicy").json()["bandwidthMbps"]


def _policed_kbps(parties: Parties, segments: list[str]) -> set[int]:
    status = parties.sp.get("/cadenza/twin/v1/status").json()
    return {fc["bandwidth-profile"]["cir-kbps"] for e in status["elements"] for fc in e["forwardingConstructs"]
            if fc["id"] in segments}


@pytest.fixture(scope="module")
def coordinator(parties: Parties, dc_service: dict[str, Any], tmp_path_factory: pytest.TempPathFactory,
                ) -> Iterator[subprocess.Popen[str]]:
    log = tmp_path_factory.mktemp("cac") / "cac.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cadenza.cli", "cus", "watch", "--url", parties.landscape.url("sp"),
             "--client-id", "acme", "--client-secret", "acme-demo-secret", "--service", dc_service["id"],
             "--floor-mbps", str(FLOOR_MBPS), "--poll-s", "1"], stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        print(Path(log).read_text()[-4000:])


def _orders(parties: Parties) -> list[dict[str, Any]]:
    return parties.acme.get(f"{ALLEGRO_ORDERING}/serviceOrder").json()


def test_steps_1_to_4_and_10_the_coordinator_raises_the_bandwidth_when_the_traffic_exceeds_the_band(
        parties: Parties, dc_service: dict[str, Any], coordinator: subprocess.Popen[str]) -> None:
    jobs = wait_until(lambda: parties.acme.get(f"{PM_BASE}/performanceJob",
                                               params={"serviceId": dc_service["id"]}).json(),
                      timeout=60, interval=0.5, what="the coordinator's performance job (step 2)")
    assert [j["performanceProfile"]["performanceProfileId"] for j in jobs] == ["cadenza-sls-15min-hourly"]
    _advance(parties, 3600)  # the job's first hourly report: 4 intervals at 100 % of the CIR
    order = wait_until(lambda: [o for o in _orders(parties) if o["state"] == "completed"],
                       timeout=90, interval=0.5, what="the coordinator's change to complete")[0]
    assert "Customer Application Coordinator" in order["description"]
    # the provider reports at most 100 % (above the CIR is yellow): all the coordinator knows is that
    # about 100 Mbit/s were carried, which at its target of 55 % needs about 180, in 10 Mbit/s steps;
    # the 130 Mbit/s then fill 68-72 % of it, inside the band: no further change
    raised = _rate(parties, dc_service["id"])
    assert raised in (180, 190)
    assert _policed_kbps(parties, dc_service["segments"]) == {raised * 1000}
    assert parties.acme.get(f"{ALLEGRO_INVENTORY}/service/{dc_service['id']}").json()["state"] == "active"


def test_the_coordinator_lowers_it_when_the_traffic_falls_but_never_below_its_floor(
        parties: Parties, dc_service: dict[str, Any], coordinator: subprocess.Popen[str]) -> None:
    assert coordinator.poll() is None, "the coordinator stopped"
    _send(parties, dc_service["segments"], 30)
    for _ in range(2):  # the report that settles the change, then one wholly at 30 Mbit/s (about 16 %)
        _advance(parties, 3600)
        wait_until(lambda: all(r["state"] == "completed" for r in parties.acme.get(
            f"{PM_BASE}/performanceReport", params={"serviceId": dc_service["id"]}).json()),
            timeout=90, interval=0.5, what="the hour's report")
    wait_until(lambda: _rate(parties, dc_service["id"]) == FLOOR_MBPS, timeout=90, interval=0.5,
               what=f"the coordinator to lower the rate to its floor of {FLOOR_MBPS} Mbit/s")
    assert _policed_kbps(parties, dc_service["segments"]) == {FLOOR_MBPS * 1000}
    # 30 Mbit/s at 55 % is 55 Mbit/s: the floor, not the traffic, set the rate; the coordinator made two
    # changes (the new rate is in the inventory a moment before the order that set it completes)
    wait_until(lambda: sorted(o["state"] for o in _orders(parties)) == ["completed", "completed"],
               timeout=60, interval=0.5, what="the coordinator's two change orders to complete")
    assert len(_orders(parties)) == 2


def test_step_5_capacity_reserved_for_a_known_event_is_held_and_given_back_and_the_coordinator_leaves_it(
        parties: Parties, dc_service: dict[str, Any], coordinator: subprocess.Popen[str]) -> None:
    before = _rate(parties, dc_service["id"])
    scheduled = subprocess.run(
        [sys.executable, "-m", "cadenza.cli", "cus", "reserve", "--url", parties.landscape.url("sp"),
         "--client-id", "acme", "--client-secret", "acme-demo-secret", "--service", dc_service["id"],
         "--mbps", "300", "--in", "2s", "--for", "25s"], capture_output=True, text=True, timeout=60, check=False)
    assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
    wait_until(lambda: _rate(parties, dc_service["id"]) == 300, timeout=60, interval=0.5,
               what="the event's capacity at its start")
    assert _policed_kbps(parties, dc_service["segments"]) == {300_000}
    # an hour of 30 Mbit/s in 300: the coordinator would go down, but the capacity is the event's
    _advance(parties, 3600)
    wait_until(lambda: all(r["state"] == "completed" for r in parties.acme.get(
        f"{PM_BASE}/performanceReport", params={"serviceId": dc_service["id"]}).json()),
        timeout=90, interval=0.5, what="the hour's report")
    assert _rate(parties, dc_service["id"]) == 300
    wait_until(lambda: _rate(parties, dc_service["id"]) == before, timeout=90, interval=0.5,
               what="the capacity given back at the end of the event")
    coordinator_orders = [o for o in _orders(parties)
                          if (o.get("description") or "").startswith("Customer Application Coordinator: mean")]
    assert len(coordinator_orders) == 2, "the coordinator made no change of its own during the event"
