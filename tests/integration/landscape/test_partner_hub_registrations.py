"""The domain's registration at a partner's hub is durable work: it retries while the partner is
not up, and however many workers start it, and however often, the partner's hub gets it once."""

from __future__ import annotations

import threading
import time

from dbos import DBOS

from cadenza.core.db import Database
from cadenza.core.notifications import HubStore
from cadenza.core.workflows import current_attempt, launch_workflows, shutdown_workflows
from cadenza.landscape.partner_hubs import keep_registrations, registration_id

API = "sonata.productOrder"
HUB = "SONATA alpha"
CALLBACK = "http://sp.example/cadenza/bus/sonata/alpha"


class Partner:
    """A partner's hub (its real store) that is down for the first `down_for` tries."""

    def __init__(self, database: Database, down_for: int) -> None:
        self.hub = HubStore(database)
        self.down_for = down_for
        self.tries: list[str] = []
        self._lock = threading.Lock()

    def register(self, callback: str) -> None:
        with self._lock:
            self.tries.append(callback)
            if len(self.tries) <= self.down_for:
                raise ConnectionError("the partner is not up yet")
        self.hub.subscribe(api=API, party="sp", callback=callback, query=None, event_types=[])

    def subscriptions(self) -> list[str]:
        return [s.callback for s in self.hub.subscriptions(api=API, party="sp")]


def _done(workflow_id: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while (status := DBOS.get_workflow_status(current_attempt(workflow_id))) is None or status.status != "SUCCESS":
        assert time.monotonic() < deadline, f"{workflow_id} not done: {status and status.status}"
        time.sleep(0.1)


def test_a_registration_started_by_two_workers_and_again_later_reaches_the_partner_once(
        database: Database, database_url: str) -> None:
    partner = Partner(database, down_for=2)
    launch_workflows("cadenza-partner-hub-test", database_url)
    try:
        workers = [threading.Thread(target=keep_registrations, args=("sp", {HUB: (CALLBACK, partner.register)}))
                   for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        _done(registration_id("sp", HUB, CALLBACK))
        assert partner.tries == [CALLBACK] * 3  # two refused while down, then taken
        assert partner.subscriptions() == [CALLBACK]
        keep_registrations("sp", {HUB: (CALLBACK, partner.register)})  # the domain's next start
        time.sleep(1.0)
        assert len(partner.tries) == 3
        moved = "http://sp2.example/cadenza/bus/sonata/alpha"  # our address changed: registered anew
        keep_registrations("sp", {HUB: (moved, partner.register)})
        _done(registration_id("sp", HUB, moved))
        assert partner.subscriptions() == [CALLBACK, moved]
    finally:
        shutdown_workflows()
