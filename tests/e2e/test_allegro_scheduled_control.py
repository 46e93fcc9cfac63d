"""Changes in time over ALLEGRO (MEF 55.0.1 §10.3 "scheduled changes" and "reservations"), as a
customer drives them against the running landscape: acme buys two on-net EVPLs on one UNI over
CANTATA; a change scheduled seconds ahead is applied at its time and one cancelled before its
time never reaches the elements; a temporary change puts itself back; a reservation is honoured
in its window and one the shared UNI cannot hold beside it is refused naming the capacity; and
a change waiting while the SP is killed (SIGKILL) and started again is applied once after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from cadenza.interfaces.allegro.inventory_paths import INVENTORY_BASE
from cadenza.interfaces.allegro.ordering_client import change_item, change_order
from cadenza.interfaces.allegro.ordering_paths import ORDERING_BASE
from cadenza.interfaces.allegro.reservation import RESERVATION_BASE
from tests.e2e.conftest import Parties, evpl, item, site
from tests.helpers.servers import wait_until

LANDSCAPE_PARTNERS: tuple[str, ...] = ()  # on-net only: no partner domain to start

FINISHED = ("completed", "failed")


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _cir_mbps(operator: httpx.Client, constructs: list[str]) -> set[int]:
    """The committed rates the twin's elements police on `constructs` (element/construct id)."""
    status = operator.get("/cadenza/twin/v1/status").json()
    rates = {f"{e['name']}/{fc['id']}": fc["bandwidth-profile"]["cir-kbps"] // 1000 for e in status["elements"]
             for fc in e["forwardingConstructs"]}
    return {rates[key] for key in constructs}


def _writes(operator: httpx.Client, service: dict[str, Any]) -> dict[str, int]:
    """How many commits each element of the service's route has taken."""
    return {e["name"]: e["writes"] for e in operator.get("/cadenza/twin/v1/status").json()["elements"]
            if any(c.startswith(e["name"] + "/") for c in service["constructs"])}


def _constructs(operator: httpx.Client) -> set[str]:
    status = operator.get("/cadenza/twin/v1/status").json()
    return {f"{e['name']}/{fc['id']}" for e in status["elements"] for fc in e["forwardingConstructs"]}


def _buy(parties: Parties, vlan: int) -> dict[str, Any]:
    """An on-net EVPL of acme's at 100 Mbit/s on the UNI of site-east-4-1: its service and constructs."""
    before = _constructs(parties.sp)
    done = parties.wait(parties.order(item("1", "evpl", evpl(vlan, vlan, mbps=100), site("site-east-4-1"),
                                           site("site-west-4-1")))["id"])
    assert done["state"] == "completed", done
    services = parties.acme.get(f"{INVENTORY_BASE}/service", params={"state": "active"}).json()
    service = next(s for s in services if s["serviceConfiguration"].get("identifier") == f"{done['id']}/1")
    constructs = sorted(_constructs(parties.sp) - before)
    assert constructs, "the EVPL configured no element"
    return {"id": service["id"], "type": service["serviceConfiguration"]["@type"], "constructs": constructs}


@pytest.fixture(scope="module")
def evpls(parties: Parties) -> tuple[dict[str, Any], dict[str, Any]]:
    return _buy(parties, 620), _buy(parties, 621)


def _order(customer: httpx.Client, service: dict[str, Any], mbps: int, *, start: datetime | None = None,
           revert_after_s: int | None = None) -> str:
    change = change_item("1", service["id"], service["type"], mbps)
    if revert_after_s is not None:
        change["service"]["serviceConfiguration"]["cadenzaRevertAfter"] = {"amount": revert_after_s,
                                                                            "units": "seconds"}
    reply = customer.post(f"{ORDERING_BASE}/serviceOrder", json=change_order(change, start=start))
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


def _finished(customer: httpx.Client, order_id: str, timeout: float = 60) -> dict[str, Any]:
    return wait_until(lambda: (o := customer.get(f"{ORDERING_BASE}/serviceOrder/{order_id}").json())["state"]
                      in FINISHED and o, timeout=timeout, interval=0.3, what=f"order {order_id} to finish")


def test_a_scheduled_change_is_applied_at_its_time_and_one_cancelled_before_it_never(
        parties: Parties, evpls: tuple[dict[str, Any], dict[str, Any]]) -> None:
    service, _ = evpls
    at = datetime.now(UTC) + timedelta(seconds=5)
    scheduled = _order(parties.acme, service, 300, start=at)
    cancelled = _order(parties.acme, service, 500, start=at + timedelta(seconds=2))
    assert parties.acme.get(f"{ORDERING_BASE}/serviceOrder/{scheduled}").json()["state"] == "acknowledged"
    reply = parties.acme.post(f"{ORDERING_BASE}/serviceOrder/{cancelled}/cancel")
    assert reply.status_code == 200 and reply.json()["state"] == "failed", reply.text
    assert _cir_mbps(parties.sp, service["constructs"]) == {100}  # nothing before its time
    done = _finished(parties.acme, scheduled)
    assert done["state"] == "completed", done
    assert _cir_mbps(parties.sp, service["constructs"]) == {300}
    late = parties.acme.post(f"{ORDERING_BASE}/serviceOrder/{scheduled}/cancel")
    assert late.status_code == 409 and "already completed" in late.json()["reason"], late.text
    wait_until(lambda: datetime.now(UTC) > at + timedelta(seconds=4), timeout=10, what="the cancelled one's time")
    assert parties.acme.get(f"{ORDERING_BASE}/serviceOrder/{cancelled}").json()["state"] == "failed"
    assert _cir_mbps(parties.sp, service["constructs"]) == {300}


def test_a_temporary_change_reverts_by_itself(parties: Parties, evpls: tuple[dict[str, Any], dict[str, Any]]) -> None:
    service, _ = evpls
    # long enough for the change to be applied and tested on a loaded machine before it reverts
    order_id = _order(parties.acme, service, 600, revert_after_s=15)
    assert _finished(parties.acme, order_id)["state"] == "completed"
    assert _cir_mbps(parties.sp, service["constructs"]) == {600}
    wait_until(lambda: _cir_mbps(parties.sp, service["constructs"]) == {300}, timeout=60, interval=0.5,
               what="the temporary change to put the elements back at 300 Mbit/s")
    put_back = [o for o in parties.acme.get(f"{ORDERING_BASE}/serviceOrder").json()
                if order_id in (o.get("description") or "")]
    assert len(put_back) == 1 and _finished(parties.acme, put_back[0]["id"])["state"] == "completed", put_back


def test_a_reservation_is_honoured_and_one_beyond_the_capacity_is_refused(
        parties: Parties, evpls: tuple[dict[str, Any], dict[str, Any]]) -> None:
    first, second = evpls  # at 300 and 100 Mbit/s, on one 1000 Mbit/s UNI
    start = datetime.now(UTC) + timedelta(seconds=4)
    window = {"startDate": _iso(start), "endDate": _iso(start + timedelta(seconds=15))}
    held = parties.acme.post(f"{RESERVATION_BASE}/reservation", json={"serviceId": first["id"], "bandwidthMbps": 800,
                                                                     **window})
    assert held.status_code == 201 and held.json()["state"] == "scheduled", held.text
    # the UNI could carry 400 for the other service now, but not beside the 500 more held in the window
    beyond = parties.acme.post(f"{RESERVATION_BASE}/reservation", json={"serviceId": second["id"],
                                                                       "bandwidthMbps": 400, **window})
    assert beyond.status_code == 422, beyond.text
    assert beyond.json()["reason"].startswith("capacity:") and "500 Mbit/s more" in beyond.json()["reason"]

    reservation = f"{RESERVATION_BASE}/reservation/{held.json()['id']}"
    wait_until(lambda: parties.acme.get(reservation).json()["state"] == "active", timeout=30, interval=0.3,
               what="the reservation's window to begin")
    assert _cir_mbps(parties.sp, first["constructs"]) == {800}
    assert _cir_mbps(parties.sp, second["constructs"]) == {100}
    done = wait_until(lambda: (r := parties.acme.get(reservation).json())["state"] not in ("scheduled", "active")
                      and r, timeout=60, interval=0.3, what="the reservation's window to end")
    assert done["state"] == "completed", done
    assert _cir_mbps(parties.sp, first["constructs"]) == {300}


def test_a_change_waiting_while_the_sp_is_killed_is_applied_once_after_its_restart(
        parties: Parties, evpls: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, service = evpls
    at = datetime.now(UTC) + timedelta(seconds=6)
    order_id = _order(parties.acme, service, 200, start=at)
    before = _writes(parties.sp, service)
    sp = parties.landscape.domains["sp"]
    sp.kill()
    assert datetime.now(UTC) < at, "the SP was killed after the change's time: the test proves nothing"
    sp.start(sp.tmp_path.parent / "sp.yaml")
    acme = parties.landscape.client("sp", "acme", "acme-demo-secret")
    operator = parties.landscape.client("sp", "sp-operator", "operator-demo-secret")
    try:
        done = _finished(acme, order_id, timeout=90)
        assert done["state"] == "completed", done
        assert _cir_mbps(operator, service["constructs"]) == {200}
        changes = [o for o in acme.get(f"{ORDERING_BASE}/serviceOrder").json()
                   if o["serviceOrderItem"][0]["service"]["id"] == service["id"]]
        assert [o["id"] for o in changes] == [order_id], changes  # one change, applied once
        # and each element of its route took one commit for it: not one more after the restart
        assert _writes(operator, service) == {name: n + 1 for name, n in before.items()}
    finally:
        acme.close()
        operator.close()
