"""MEF 55.0.1 §10.6, assessing service quality based on the SLS, with the closed loop, on the
twin's traffic (its clock stopped and advanced):

1-2. every period SOF asks each ICM over PRESTO for its segments' PM (the ICM reads from its
     elements over ADAGIO what it has not collected);
3.   SOF computes the MEF 10.4 metrics against the SLS and finds a breach, locating the segment
     and in it the link below its design;
4.   SOF has the ICM reroute the segment off that link, make before break;
5.   the degradation is tracked until the intervals meet the SLS again.
Not yet here: steps 6-7 (the status reaching the BUS over LEGATO and the customer as an incident).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cadenza.interfaces.legato.paths import INVENTORY_BASE, ORDERING_BASE
from tests.e2e.conftest import Parties, evpl, item, site
from tests.e2e.test_service_operational_state import _link_on_route
from tests.helpers.servers import wait_until

LANDSCAPE_OVERRIDES = {"sp": {"sls_assess_every_s": 2}}
SLS = "/cadenza/sls/v1"


@pytest.fixture(scope="module")
def sof(parties: Parties) -> Iterator[httpx.Client]:
    client = parties.landscape.client("sp", "sp-sof", "sof-demo-secret-sp")
    yield client
    client.close()


def _advance(parties: Parties, seconds: float) -> None:
    reply = parties.sp.post("/cadenza/twin/v1/clock", json={"advanceSeconds": seconds})
    assert reply.status_code == 200, reply.text


def _segment_links(parties: Parties, service: dict[str, Any]) -> set[str]:
    segment = service["serviceConfiguration"]["cadenzaDesign"]["segments"][0]
    reply = parties.sp.post(f"/presto/{segment['networkDomain']}/restconf/operations/"
                            "get-connectivity-service-details/",
                            json={"input": {"service-id-or-name": segment["uuid"]}})
    assert reply.status_code == 200, reply.text
    return set(reply.json()["output"]["service"]["cadenza-activation"]["s-vlans"])


def _cli(parties: Parties, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**parties.landscape.domains["sp"].env, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "cadenza.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def _degradations(parties: Parties, service_id: str) -> list[dict[str, Any]]:
    reply = parties.sp.get(f"{SLS}/degradation", params={"serviceId": service_id})
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_a_lossy_sp_link_is_found_by_the_sls_assessment_and_the_service_rerouted_until_it_meets_the_sls(
        parties: Parties, sof: httpx.Client) -> None:
    done = parties.wait(parties.order(item("1", "evpl", evpl(401, 401), site("site-east-1-1"),
                                           site("site-west-1-1")))["id"])
    assert done["state"] == "completed", done["stateChange"]
    ordered = sof.get(f"{ORDERING_BASE}/serviceOrder", params={"externalId": f"{done['id']}/1"}).json()
    service_id = ordered[0]["serviceOrderItem"][0]["service"]["id"]
    assert parties.sp.post("/cadenza/twin/v1/clock", json={"scale": 0}).status_code == 200
    service = sof.get(f"{INVENTORY_BASE}/service/{service_id}").json()
    a, b = _link_on_route(parties, service)
    lossy = next(link for link in _segment_links(parties, service) if a in link and b in link)
    degraded = parties.sp.post("/cadenza/twin/v1/links/degrade", json={"a": a, "b": b, "loss_ratio": 0.05})
    assert degraded.status_code == 200, degraded.text
    try:
        _advance(parties, 1800)  # a whole interval lossy
        found = wait_until(lambda: [d for d in _degradations(parties, service_id) if d["state"] != "detected"],
                           timeout=60, interval=0.5, what="the SLS assessment to find and act on the breach")
        degradation = found[0]
        assert degradation["cause"] == "metro"
        assert degradation["state"] == "rerouting", degradation["history"]
        assert lossy in degradation["history"][-1]["why"]
        assert any("frame loss ratio" in sentence for sentence in degradation["breaches"])
        wait_until(lambda: lossy not in _segment_links(parties, service), timeout=60, interval=0.5,
                   what="the segment to be moved off the lossy link (make before break)")
        assert sof.get(f"{INVENTORY_BASE}/service/{service_id}").json()["state"] == "active"

        _advance(parties, 1800)  # an interval on the new route
        wait_until(lambda: all(d["state"] == "resolved" for d in _degradations(parties, service_id)),
                   timeout=60, interval=0.5, what="the degradation to be resolved")
        resolved = _degradations(parties, service_id)
        assert [h["state"] for h in resolved[0]["history"]] == ["detected", "rerouting", "resolved"]
        assessed = parties.sp.get(f"{SLS}/assessment").json()
        assert service_id in {a["serviceId"] for a in assessed}

        # the operator looks: the degradation and the service's figures, drawn in the terminal
        status = _cli(parties, "sls", "status", "--domain", "sp")
        assert status.returncode == 0 and "resolved" in status.stdout and "metro" in status.stdout, status.stdout
        drawn = _cli(parties, "pm", "show", service_id, "--domain", "sp", "--hours", "1.5")
        assert drawn.returncode == 0, drawn.stdout + drawn.stderr
        assert "frame loss ratio" in drawn.stdout and any(bar in drawn.stdout for bar in "▁▂▃▄▅▆▇█")
    finally:
        parties.sp.post("/cadenza/twin/v1/links/degrade", json={"a": a, "b": b, "loss_ratio": 0.0})
