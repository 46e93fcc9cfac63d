"""What POQ (MEF 79) and quote (MEF 80) share: a Buyer's request that the Seller answers at
once (instant) or later (deferred), stored with the Seller's working notes beside the spec
payload, and finished by an idempotent `process` keyed on the stored state, so `resume()` at
start completes whatever a stopped process left."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

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
from cadenza.interfaces.sonata.paths import Family

__all__ = ["INTERNAL", "PENDING", "public", "state_change", "DeferredRequests"]

INTERNAL = "_cadenza"  # what the domain keeps beside the spec payload; never shown to the caller
PENDING = ("acknowledged", "inProgress")


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


class DeferredRequests(ABC):
    """The service of one request kind in one domain, for one API family."""

    store: ResourceStore

    def __init__(self, database: Database, service: Serviceability, prices: PriceBook, *, family: Family,
                 wake: Callable[[], None] | None = None,
                 defer: Callable[[Callable[[], None]], None] | None = None) -> None:
        self._db = database
        self._service = service
        self._prices = prices
        self.family: Family = family
        self._wake = wake
        # How deferred requests run later (an executor's submit); None answers them before returning.
        self._defer = defer
        # How a deferred request waiting for a partner's answer asks again (attempts per request).
        self.retry = Patience()
        self._attempts: dict[str, int] = {}

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
        """Answer each checked item; may call partners, so it runs outside any transaction."""

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

    def process(self, request_id: str) -> None:
        """Finish a deferred request: inProgress, judge the items, final state. Safe to call twice."""
        with self._db.transaction() as session:
            row = self.store.get(session, request_id, None, for_update=True)
            if row.state not in PENDING:
                return
            document = dict(row.document)
            if row.state == "acknowledged":
                self._begin(session, row, document)
            owner, checked = row.owner, document[INTERNAL]["checked"]
        results = self._judge(checked, owner)
        if self._wait_for_partners(request_id, document, results):
            return
        with self._db.transaction() as session:
            row = self.store.get(session, request_id, None, for_update=True)
            if row.state != "inProgress":
                return  # another run finished it meanwhile
            self._finish(session, row, dict(row.document), results)

    def _deadline(self, document: dict[str, Any]) -> str | None:
        """The Buyer's requested completion date, when it gave one."""
        return None

    def _wait_for_partners(self, request_id: str, document: dict[str, Any], results: list[Any]) -> bool:
        """Whether to leave the request `inProgress` and judge it again later: an item waits only for
        a partner's answer and the Buyer's requested completion date is still ahead. At that date
        it is answered as it stands (a POQ `done.unableToProvide`, a quote `unableToProvide`)."""
        if not any(isinstance(r, ItemAssessment) and r.undecided for r in results):
            self._attempts.pop(request_id, None)
            return False
        deadline = self._deadline(document)
        left = (_moment(str(deadline)) - now()).total_seconds() if deadline else 0.0
        if left <= 0:
            self._attempts.pop(request_id, None)
            return False
        attempt = self._attempts.get(request_id, 0)
        self._attempts[request_id] = attempt + 1
        # Not durable, and need not be: resume() at start judges every inProgress request again.
        timer = threading.Timer(min(self.retry.retry_in(attempt), left), self._later, args=(request_id,))
        timer.daemon = True
        timer.start()
        return True

    def resume(self) -> int:
        """Queue every request a stopped process left unfinished; how many."""
        with self._db.read() as session:
            pending = self.store.ids_in(session, PENDING, family=self.family)
        for request_id in pending:
            self._later(request_id)
        return len(pending)

    def _later(self, request_id: str) -> None:
        if self._defer is None:
            self.process(request_id)
        else:
            self._defer(lambda: self.process(request_id))

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
