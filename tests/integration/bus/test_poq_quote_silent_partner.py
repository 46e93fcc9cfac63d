"""POQ and quote for an off-net place whose only partner does not answer: the buyer's request
is answered within one partner timeout, with the spec's state for "not known in the time you
gave" (POQ `done.unableToProvide`, its item `done.abandoned`; quote `unableToProvide`), never a
`red` that would say the place cannot be served. A deferred POQ stays `inProgress`, asking
again, until its requested completion date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cadenza.core.db import Database
from cadenza.interfaces.sonata.paths import poq_spec
from tests.helpers.openapi import assert_conforms
from tests.helpers.servers import reserve, wait_until
from tests.integration.bus.conftest_poq import Domain, sp_domain
from tests.integration.bus.test_poq_quote import (
    OFF_NET,
    POQ,
    SP_SITES,
    created_poq,
    created_quote,
    poq_body,
    quote_body,
    site_ref,
)


@pytest.fixture
def sp_with_a_silent_partner(database: Database) -> Iterator[Domain]:
    silent = reserve()  # bound, never listening: the partner's every call is refused a connection
    partner = Domain("partner-a", f"http://127.0.0.1:{silent.getsockname()[1]}", database)
    try:
        with sp_domain(database, sites=SP_SITES, partners=[partner], cities=["Springfield"]) as sp:
            yield sp
    finally:
        silent.close()


def _reason(item: dict[str, Any]) -> str:
    return item["stateChange"][-1].get("changeReason", "")


def test_an_instant_poq_a_silent_partner_cannot_answer_is_unable_to_provide_not_red(
        sp_with_a_silent_partner: Domain) -> None:
    with sp_with_a_silent_partner.client("acme", "acme-secret-1") as acme:
        poq = created_poq(acme, poq_body(site_ref("site-metro-1"), OFF_NET))
        item = poq["productOfferingQualificationItem"][0]
        assert (poq["state"], item["state"]) == ("done.unableToProvide", "done.abandoned")
        assert "serviceabilityConfidence" not in item
        assert "Not known yet whether Springfield can be served: Partner-A (partner-a) did not answer" in _reason(item)

        quote = created_quote(acme, quote_body(site_ref("site-metro-1"), OFF_NET))
        assert quote["state"] == "unableToProvide"
        assert "did not answer in time" in quote["quoteItem"][0]["terminationError"][0]["value"]


def test_a_deferred_poq_waits_for_the_partner_until_its_requested_completion_date(
        sp_with_a_silent_partner: Domain) -> None:
    due = datetime.now(UTC) + timedelta(seconds=3)
    with sp_with_a_silent_partner.client("acme", "acme-secret-1") as acme:
        poq = created_poq(acme, poq_body(site_ref("site-metro-1"), OFF_NET, instant=False,
                                         requestedPOQCompletionDate=due.isoformat().replace("+00:00", "Z")))
        poq_id = poq["id"]
        done = wait_until(lambda: (p := acme.get(f"{POQ}/{poq_id}").json())["state"] not in (
            "acknowledged", "inProgress") and p, timeout=60, interval=0.2, what="the POQ to be answered")
        assert done["state"] == "done.unableToProvide"
        # inProgress, asking the partner again, until the date the buyer gave; only then the answer
        changes = done["stateChange"]
        assert [c["state"] for c in changes] == ["acknowledged", "inProgress", "done.unableToProvide"]
        # changeDate is written to the millisecond: compare it with the due date at that precision
        due_ms = due.replace(microsecond=due.microsecond // 1000 * 1000)
        assert datetime.fromisoformat(changes[-1]["changeDate"]) >= due_ms
        assert done["productOfferingQualificationItem"][0]["state"] == "done.abandoned"
        assert_conforms(poq_spec("cantata"), "/productOfferingQualification/{id}", "get", 200, done)
