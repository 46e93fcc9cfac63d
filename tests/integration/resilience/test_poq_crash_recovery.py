"""SIGKILL of the Service Provider in the middle of a deferred POQ's assessment: after a restart
DBOS recovery finishes it, and the partner that had answered before the kill is not asked again.

The place is in Shelbyville, which both partners serve, so both are asked at once. Alpha Access
answers; Beta Fibre's address accepts connections and never answers, so the assessment waits
on it when the process is killed. The restarted process asks Beta Fibre again (nothing was
recorded for it; by then nothing listens there, so it cannot be asked) and finishes the POQ
with Alpha Access's answer, recorded before the kill."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from dbos import DBOSClient

from cadenza.core.workflows import system_database_url
from cadenza.interfaces.sonata.paths import poq_base, quote_base
from tests.e2e.conftest import CONTACT, address, evpl, item, site
from tests.helpers.landscape import DEMO, Landscape, landscape
from tests.helpers.servers import reserve, wait_until

pytestmark = pytest.mark.slow

POQ = poq_base("cantata") + "/productOfferingQualification"
SHELBYVILLE = address("41", "Cedar", "Shelbyville", "80001")
SILENT_CALL_S = 120.0  # how long the SP waits for the silent partner: longer than the test needs to kill it


@pytest.fixture
def silent_beta() -> Iterator[Any]:
    """Beta Fibre's address: connections are taken (into the backlog) and never answered."""
    sock = reserve()
    sock.listen(16)
    yield sock
    sock.close()


@pytest.fixture
def sp_and_alpha(database_url: str, tmp_path: Path, silent_beta: Any) -> Iterator[Landscape]:
    partners = yaml.safe_load((DEMO / "sp.yaml").read_text())["partners"]
    for partner in partners:
        if partner["party"] == "partner-b":
            partner.update(url=f"http://127.0.0.1:{silent_beta.getsockname()[1]}", call_timeout_s=SILENT_CALL_S)
    urls = {"partner-a": f"sqlite:///{tmp_path / 'partner-a.db'}", "sp": database_url}
    with landscape(tmp_path, urls, overrides={"sp": {"partners": partners}}) as running:
        yield running


def _asks(dbos: DBOSClient, assessment: str) -> dict[str, str]:
    """The partner asks of the assessment's first round: child workflow id -> its status."""
    return {w.workflow_id: w.status for w in dbos.list_workflows(parent_workflow_id=assessment, name="ask_partner",
                                                                  load_input=False, load_output=False)}


def _asked_by_sp(running: Landscape, path: str) -> int:
    with running.client("partner-a", "cadenza-sp", "sp-at-partner-a-secret") as sp_at_alpha:
        reply = sp_at_alpha.get(path, params={"limit": 100})
        assert reply.status_code == 200, reply.text
        return len(reply.json())


def test_a_poq_killed_mid_assessment_finishes_after_restart_without_asking_again(
        sp_and_alpha: Landscape, silent_beta: Any, database_url: str, tmp_path: Path) -> None:
    running = sp_and_alpha
    due = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    with running.client("sp", "acme", "acme-demo-secret") as acme:
        created = acme.post(POQ, json={"instantSyncQualification": False, "requestedPOQCompletionDate": due,
                                       "relatedContactInformation": CONTACT, "productOfferingQualificationItem": [
                                           item("1", "evpl", evpl(700, 700), site("site-east-1-1"), SHELBYVILLE)]})
        assert created.status_code == 201, created.text
        poq_id = created.json()["id"]
    assessment = f"bus-poq-{poq_id}"
    dbos = DBOSClient(system_database_url=system_database_url(database_url))
    try:
        # Alpha Access answered (its ask recorded); Beta Fibre's ask waits for an answer that never comes
        asks = wait_until(lambda: (a := _asks(dbos, assessment)) and sorted(a.values()) == ["PENDING", "SUCCESS"]
                          and a, timeout=90, interval=0.2, what="Alpha Access to answer while Beta Fibre is silent")
        assert _asked_by_sp(running, poq_base("sonata") + "/productOfferingQualification") == 1
        assert _asked_by_sp(running, quote_base("sonata") + "/quote") == 1
        with running.client("sp", "acme", "acme-demo-secret") as acme:
            assert acme.get(f"{POQ}/{poq_id}").json()["state"] == "inProgress"

        sp = running.domains["sp"]
        sp.kill()
        silent_beta.close()  # nothing listens there now: the restarted SP's ask is refused at once
        sp.start(tmp_path / "sp.yaml")

        with running.client("sp", "acme", "acme-demo-secret") as acme:
            done = wait_until(lambda: (p := acme.get(f"{POQ}/{poq_id}").json())["state"] not in (
                "acknowledged", "inProgress") and p, timeout=120, interval=0.5, what="the POQ to be answered")
        assert done["state"] == "done.ready", done
        answered = done["productOfferingQualificationItem"][0]
        assert answered["state"] == "done.ready"
        assert answered["serviceabilityConfidence"] in ("green", "yellow"), answered
        assert "Off-net via partner-a" in answered["serviceabilityConfidenceReason"]
        assert [c["state"] for c in done["stateChange"]] == ["acknowledged", "inProgress", "done.ready"]
        # the recovered round kept Alpha Access's recorded answer: Alpha Access was asked once in all
        assert _asked_by_sp(running, poq_base("sonata") + "/productOfferingQualification") == 1
        assert _asked_by_sp(running, quote_base("sonata") + "/quote") == 1
        assert _asks(dbos, assessment).keys() == asks.keys()
        assert set(_asks(dbos, assessment).values()) == {"SUCCESS"}
    finally:
        dbos.destroy()
