"""MEF 55.0.1 §10.6 step 1, its note: instead of waiting for the next periodic assessment, the
SOF assesses a service at once when its ICM tells of a threshold crossing on one of its segments.
The periodic assessment is put a day away here, so a degradation found within the test came
from the crossing event."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cadenza.interfaces.legato.paths import INVENTORY_BASE, ORDERING_BASE
from tests.e2e.conftest import Parties, evpl, item, site
from tests.e2e.test_service_operational_state import _link_on_route
from tests.helpers.servers import wait_until

LANDSCAPE_PARTNERS: tuple[str, ...] = ()  # on-net only: no partner domain to start

LANDSCAPE_OVERRIDES = {"sp": {"sls_assess_every_s": 86400, "pm": {"collect_every_s": 5}}}


@pytest.fixture(scope="module")
def sof(parties: Parties) -> Iterator[httpx.Client]:
    client = parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp")
    yield client
    client.close()


def test_a_threshold_crossing_from_the_icm_has_the_service_assessed_and_rerouted_at_once(
        parties: Parties, sof: httpx.Client) -> None:
    done = parties.wait(parties.order(item("1", "evpl", evpl(411, 411), site("site-east-1-1"),
                                           site("site-west-1-1")))["id"])
    assert done["state"] == "completed", done["stateChange"]
    ordered = sof.get(f"{ORDERING_BASE}/serviceOrder", params={"externalId": f"{done['id']}/1"}).json()
    service_id = ordered[0]["serviceOrderItem"][0]["service"]["id"]
    assert parties.sp.post("/cadenza/twin/v1/clock", json={"scale": 0}).status_code == 200
    a, b = _link_on_route(parties, sof.get(f"{INVENTORY_BASE}/service/{service_id}").json())
    assert parties.sp.post("/cadenza/twin/v1/links/degrade", json={"a": a, "b": b, "loss_ratio": 0.05}).is_success
    try:
        assert parties.sp.post("/cadenza/twin/v1/clock", json={"advanceSeconds": 1800}).is_success
        # the ICM's next collection (every 5 s) sees the loss and tells the SOF, which assesses now
        # a degradation is `detected` first and moves on once located: wait for the move
        found = wait_until(lambda: [d for d in parties.sp.get("/cadenza/sls/v1/degradation",
                                                              params={"serviceId": service_id}).json()
                                    if d["state"] != "detected"],
                           timeout=90, interval=0.5, what="a degradation found on the crossing event, located")
        assert found[0]["cause"] == "metro" and found[0]["state"] in ("rerouting", "manualIntervention")
    finally:
        parties.sp.post("/cadenza/twin/v1/links/degrade", json={"a": a, "b": b, "loss_ratio": 0.0})
