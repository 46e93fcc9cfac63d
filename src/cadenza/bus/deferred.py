"""What POQ (MEF 79) and quote (MEF 80) share: a Buyer's request that the Seller answers at
once (instant) or later (deferred), stored with the Seller's working notes beside the spec
payload.

A deferred request is assessed by a durable workflow from the `bus-assessments` queue, its id
made of the request's (`bus-poq-<id>`, `bus-quote-<id>`), so a resubmission or a recovery runs
nothing twice. Its state changes (inProgress; the final state, each with its notifications) are
steps, and so is every question it puts to a partner or to our network (bus.partner_asks,
bus.product_assessment): a process killed in the middle resumes by DBOS recovery, keeping the
answers it had. While a partner it needs does not answer and the Buyer's requested completion
date is ahead, the round ends and the next is queued with a delay (the request stays
inProgress, taking no place in the queue meanwhile).
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from dbos import DBOS
from sqlalchemy.orm import Session

from cadenza.bus.item_structure import ReadItem, read_items
from cadenza.bus.product_assessment import ItemAssessment
from cadenza.bus.product_inventory import uni_place
from cadenza.bus.rows import BusResourceRow
from cadenza.bus.serviceability import PriceBook, Serviceability
from cadenza.bus.store import ResourceStore
from cadenza.core.clock import iso, now
from cadenza.core.db import Database
from cadenza.core.paging import Windows
from cadenza.core.patience import Patience
from cadenza.core.workflows import current_attempt, declare_queue, enqueue_once
from cadenza.interfaces.sonata.paths import Family

__all__ = ["INTERNAL", "PENDING", "ASSESSMENTS", "public", "state_change", "assessment_id", "DeferredRequests"]

INTERNAL = "_cadenza"  # what the domain keeps beside the spec payload; never shown to the caller
PENDING = ("acknowledged", "inProgress")

# However many requests wait, this many are assessed at a time in each process; each mostly
# waits for partners (asked in child workflows, outside the queue) and for our network.
ASSESSMENTS = declare_queue("bus-assessments", worker_concurrency=4)

# The request services of every domain in this process, by `DeferredRequests.key`: what a
# workflow resumed after a restart finds its request's service with.
_SERVICES: dict[str, DeferredRequests] = {}


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def public(document: dict[str, Any]) -> dict[str, Any]:
    """The payload the caller may see: the spec's attributes only."""
    return {k: v for k, v in document.items() if not k.startswith("_")}


def state_change(state: str, reason: str | None = None) -> dict[str, Any]:
    """One entry of a resource's `stateChange` log."""
    change: dict[str, Any] = {"state": state, "changeDate": iso()}
    if reason:
        change["changeReason"] = reason[:1000]
    return change


def assessment_id(kind: str, request_id: str, round_number: int = 0) -> str:
    """The workflow id of a request's assessment (round 0) and of each later round."""
    base = f"bus-{kind}-{request_id}"
    return base if round_number == 0 else f"{base}-round-{round_number}"


class DeferredRequests(ABC):
    """The service of one request kind in one domain, for one API family."""

    store: ResourceStore

    def __init__(self, database: Database, service: Serviceability, prices: PriceBook, *, family: Family,
                 domain: str, wake: Callable[[], None] | None = None) -> None:
        self._db = database
        self._service = service
        self._prices = prices
        self.family: Family = family
        self._wake = wake
        # How a deferred request waiting for a partner's answer asks again (pause per round).
        self.retry = Patience()
        self.key = f"{domain}/{self.store.kind}/{family}"
        _SERVICES[self.key] = self

    # --- what each kind defines ---------------------------------------------------------
    @abstractmethod
    def href(self, row: BusResourceRow) -> str: ...

    @abstractmethod
    def publish(self, session: Session, row: BusResourceRow, event_type: str, **extra: str) -> None: ...

    @abstractmethod
    def _begin(self, session: Session, row: BusResourceRow, document: dict[str, Any]) -> None:
        """acknowledged -> inProgress, with whatever the kind logs and publishes for it."""

    @abstractmethod
    def _judge(self, checked: list[dict[str, Any]], owner: str) -> list[Any]:
        """Answer each checked item; may call partners, so it runs outside any transaction (in a
        deferred request, in its workflow: what it asks outside is a step)."""

    @abstractmethod
    def _finish(self, session: Session, row: BusResourceRow, document: dict[str, Any], results: list[Any]) -> None:
        """inProgress -> the final state the results lead to."""

    # --- shared ----------------------------------------------------------------------------
    def _read(self, items: list[dict[str, Any]], *, resource: Literal["poq", "quote"], base: str,
              party: str) -> list[ReadItem]:
        """The items in one shape, whichever item structure the Buyer used (cadenza.bus.item_structure)."""
        family = self.family

        def kind_of(offering: str) -> Any:
            return self._prices.kind_of(offering, family)

        with self._db.read() as session:
            return read_items(items, resource=resource, base=base, kind_of=kind_of, existing_uni=lambda pid, where:
                              uni_place(session, pid, party, pointer=where,
                                        is_uni=lambda o: o is not None and kind_of(o) == "uni"))

    def _deadline(self, document: dict[str, Any]) -> str | None:
        """The Buyer's requested completion date, when it gave one."""
        return None

    def _later(self, request_id: str) -> None:
        """Queue the assessment of a deferred request just stored."""
        enqueue_once(ASSESSMENTS, assess_request, assessment_id(self.store.kind, request_id), self.key, request_id)

    def resume(self) -> int:
        """At start-up: see that every request left unfinished has its assessment; how many were
        given one. DBOS recovery resumes those under way or queued; this covers a request stored
        just before a crash, before its assessment was queued, and one whose last round ended
        unfinished (a step raised what it should not have): that round runs again."""
        with self._db.read() as session:
            pending = self.store.ids_in(session, PENDING, family=self.family)
        queued = 0
        for request_id in pending:
            round_number = _last_round(self.store.kind, request_id)
            attempt = current_attempt(assessment_id(self.store.kind, request_id, round_number))
            if DBOS.get_workflow_status(attempt) is None:
                enqueue_once(ASSESSMENTS, assess_request, attempt, self.key, request_id, round_number)
                queued += 1
        return queued

    def _stored(self, document: dict[str, Any], *, party: str, state: str, event_type: str) -> dict[str, Any]:
        """Store a new request as `state`, announce it with `event_type`; the caller's view of it."""
        with self._db.transaction() as session:
            row = self.store.add(session, family=self.family, owner=party, state=state, document={})
            self.store.save(row, {**document, "id": row.id, "href": self.href(row)})
            self.publish(session, row, event_type)
            return public(row.document)

    def _listing(self, *, party: str | None, state: str | None, offset: int, limit: int,
                 filters: dict[str, str | None], summary: Callable[[dict[str, Any]], dict[str, Any]],
                 within: Windows | None = None) -> tuple[list[dict[str, Any]], int]:
        """One page of the caller's requests, filtered in the database before paging."""
        with self._db.read() as session:
            rows, total = self.store.list(session, party, state=state, offset=offset, limit=limit,
                                          family=self.family, equal=filters, within=within)
            return [summary(r.document) for r in rows], total


def _last_round(kind: str, request_id: str) -> int:
    """The last round of a request's assessment that was queued (0: the first)."""
    for round_number in itertools.count(1):
        if DBOS.get_workflow_status(assessment_id(kind, request_id, round_number)) is None:
            return round_number - 1
    raise AssertionError("unreachable")


# -- the workflow -----------------------------------------------------------------------------
@DBOS.step()
def begin_request(key: str, request_id: str) -> dict[str, Any] | None:
    """acknowledged -> inProgress (once); what the assessment needs of the request. None when the
    request is answered already, or was cancelled meanwhile."""
    requests = _SERVICES[key]
    with requests._db.transaction() as session:
        row = requests.store.get(session, request_id, None, for_update=True)
        if row.state not in PENDING:
            return None
        document = dict(row.document)
        if row.state == "acknowledged":
            requests._begin(session, row, document)
        return {"owner": row.owner, "checked": document[INTERNAL]["checked"], "deadline": requests._deadline(document)}


@DBOS.step()
def next_round_in(key: str, deadline: str | None, round_number: int) -> float | None:
    """How long to wait before asking again a partner that did not answer; None once the Buyer's
    requested completion date has come: the request is then answered as it stands (a POQ
    `done.unableToProvide`, a quote `unableToProvide`)."""
    left = (_moment(str(deadline)) - now()).total_seconds() if deadline else 0.0
    if left <= 0:
        return None
    return min(_SERVICES[key].retry.retry_in(round_number), left)


@DBOS.step()
def finish_request(key: str, request_id: str, results: list[Any]) -> str:
    """inProgress -> the final state the results lead to, each item's and the request's change
    published; the request's state after it."""
    requests = _SERVICES[key]
    with requests._db.transaction() as session:
        row = requests.store.get(session, request_id, None, for_update=True)
        if row.state != "inProgress":
            return row.state  # finished or cancelled meanwhile
        requests._finish(session, row, dict(row.document), results)
        return row.state


@DBOS.workflow()
def assess_request(key: str, request_id: str, round_number: int = 0) -> str:
    """One round of a deferred request's assessment: inProgress, judge the items (asking partners
    and our network), then the final state; or, while an item waits only for a partner's answer
    and the Buyer's requested completion date is ahead, queue the next round after a growing,
    jittered pause and end this one."""
    begun = begin_request(key, request_id)
    if begun is None:
        return "answered"
    results = _SERVICES[key]._judge(begun["checked"], begun["owner"])
    if any(isinstance(r, ItemAssessment) and r.undecided for r in results):
        pause = next_round_in(key, begun["deadline"], round_number)
        if pause is not None:
            kind = _SERVICES[key].store.kind
            enqueue_once(ASSESSMENTS, assess_request, assessment_id(kind, request_id, round_number + 1), key,
                         request_id, round_number + 1, delay_s=pause)
            return "waiting"
    return finish_request(key, request_id, results)
