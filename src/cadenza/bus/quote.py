"""Quote (MEF 80, CANTATA and SONATA): states, transitions, and the service pricing each item.

An item's price is this domain's catalog price for the offering and bandwidth, plus, for
every off-net place, the price the chosen partner quoted over SONATA; its installation
interval is the longest of ours and the partners'. A firm request whose items are all
qualified becomes `approved.orderable`, valid for 30 days; a budgetary one becomes
`answered`. Instant quotes are created in their final state (only `quoteStateChangeEvent`
for the creation); deferred ones pass through `inProgress`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus import product_change  # a module: product_change -> ordering -> quote_contract -> here
from cadenza.bus.deferred import INTERNAL, DeferredRequests, public, state_change
from cadenza.bus.keys import quote_keys
from cadenza.bus.lead_time import interval
from cadenza.bus.mapping import uni_port_mbps
from cadenza.bus.partner_policy import PartnerOffer, Price
from cadenza.bus.product_assessment import ItemAssessment, assess_product, check_product, structure_notes
from cadenza.bus.rows import BusResourceRow
from cadenza.bus.store import ResourceStore
from cadenza.core.clock import iso, now
from cadenza.core.errors import Conflict, Unprocessable
from cadenza.core.notifications.outbox import publish
from cadenza.core.paging import Windows
from cadenza.interfaces.sonata.paths import quote_base, quote_listener_base

__all__ = ["QUOTE_TRANSITIONS", "FINAL", "VALIDITY", "quotes", "quote_transition", "Quotes"]

# MEFQuoteStateType, verbatim. inProgress.draft and approved.orderableAlternate exist for
# human-negotiated quotes and alternates, which Cadenza never proposes; they are reachable
# only as the spec draws them.
QUOTE_TRANSITIONS: dict[str, frozenset[str]] = {
    "acknowledged": frozenset({"inProgress", "approved.orderable", "answered", "unableToProvide", "rejected",
                               "cancelled"}),
    "inProgress": frozenset({"approved.orderable", "approved.orderableAlternate", "answered", "unableToProvide",
                             "cancelled"}),
    "inProgress.draft": frozenset({"inProgress", "cancelled"}),
    "answered": frozenset({"declined", "expired"}),
    "approved.orderable": frozenset({"accepted", "declined", "expired"}),
    "approved.orderableAlternate": frozenset({"accepted", "declined", "expired"}),
    "accepted": frozenset(),
    "cancelled": frozenset(),
    "declined": frozenset(),
    "expired": frozenset(),
    "rejected": frozenset(),
    "unableToProvide": frozenset(),
}
FINAL = frozenset(s for s, nexts in QUOTE_TRANSITIONS.items() if not nexts)
COMPLETE = frozenset({"answered", "approved.orderable", "approved.orderableAlternate", *FINAL})
VALIDITY = timedelta(days=30)
TERM_MONTHS = 12

quotes = ResourceStore("quote", label="quote", keys=quote_keys)
EXPIRABLE = ("answered", "approved.orderable", "approved.orderableAlternate")  # states a validity can end


def _href(row: BusResourceRow) -> str:
    return f"{quote_base(row.family)}/quote/{row.id}"  # type: ignore[arg-type]


def _publish(session: Session, row: BusResourceRow, event_type: str, wake: Callable[[], None] | None,
             **extra: str) -> None:
    publish(session, api=f"{row.family}.quote", event_type=event_type,
            resource={"id": row.id, "href": _href(row), **extra},
            listener_base_path=quote_listener_base(row.family), party=row.owner, wake=wake)  # type: ignore[arg-type]


def quote_transition(session: Session, row: BusResourceRow, document: dict[str, Any], target: str, *,
                     reason: str | None = None, wake: Callable[[], None] | None = None) -> None:
    """Move the quote to `target`, log it in `stateChange`, publish quoteStateChangeEvent."""
    if target not in QUOTE_TRANSITIONS[row.state]:
        raise Conflict(f"Quote {row.id} is {row.state}; it cannot become {target}")
    document["state"] = target
    document["stateChange"] = [*document.get("stateChange", []), state_change(target, reason)]
    if target in COMPLETE and "effectiveQuoteCompletionDate" not in document:
        document["effectiveQuoteCompletionDate"] = iso()
        document.pop("expectedQuoteCompletionDate", None)
    quotes.save(row, document, state=target)
    _publish(session, row, "quoteStateChangeEvent", wake)


def _money(value: float, currency: str) -> dict[str, Any]:
    return {"dutyFreeAmount": {"unit": currency, "value": round(value, 2)}}


def _price_lines(name: str, price: Price) -> list[dict[str, Any]]:
    return [{"name": name, "priceType": "nonRecurring", "price": _money(price.nrc, price.currency)},
            {"name": name, "priceType": "recurring", "recurringChargePeriod": "month",
             "price": _money(price.mrc, price.currency)}]


def _offer_record(offer: PartnerOffer) -> dict[str, Any]:
    price = offer.price
    return {"partner": offer.partner, "poq": offer.poq_id, "quote": offer.quote_id, "quoteItem": offer.quote_item_id,
            "place": offer.place,
            "leadTimeDays": offer.lead_time_days,
            "price": {"nrc": price.nrc, "mrc": price.mrc, "currency": price.currency} if price else None}


class Quotes(DeferredRequests):
    """The quote service of one domain, for one API family."""

    store = quotes

    def href(self, row: BusResourceRow) -> str:
        return _href(row)

    def publish(self, session: Session, row: BusResourceRow, event_type: str, **extra: str) -> None:
        _publish(session, row, event_type, self._wake, **extra)

    def create(self, body: dict[str, Any], *, party: str) -> dict[str, Any]:
        items = _items(body)
        read = self._read(items, resource="quote", base="/quoteItem", party=party)
        checked = [{**self._check({**item, "product": r.product}, i, kind=r.kind, party=party), **structure_notes(r)}
                   for i, (item, r) in enumerate(zip(items, read, strict=True))]
        document = {**body, "quoteItem": [{**item, "state": "acknowledged"} for item in items],
                    "state": "acknowledged", "stateChange": [state_change("acknowledged")], "quoteDate": iso(),
                    INTERNAL: {"checked": checked}}
        if body["instantSyncQuote"]:
            self._settle(document, self._judge(checked, party))
            return self._stored(document, party=party, state=document["state"], event_type="quoteStateChangeEvent")
        document["expectedQuoteCompletionDate"] = iso(now() + timedelta(minutes=1))
        result = self._stored(document, party=party, state="acknowledged", event_type="quoteStateChangeEvent")
        self._later(result["id"])
        return result

    def get(self, quote_id: str, *, party: str | None) -> dict[str, Any]:
        with self._db.transaction() as session:
            row = quotes.get(session, quote_id, party, for_update=True)
            self._expire(session, row)
            return public(row.document)

    def list(self, *, party: str | None, state: str | None, offset: int, limit: int,
             filters: dict[str, str | None], within: Windows | None = None) -> tuple[list[dict[str, Any]], int]:
        self._expire_due(party)
        return self._listing(party=party, state=state, offset=offset, limit=limit, filters=filters, summary=_find,
                             within=within)

    def cancel(self, quote_id: str, *, party: str, reason: str | None) -> None:
        """The Buyer withdraws a quote still being worked on (cancelQuote)."""
        self._close(quote_id, party, "cancelled", reason, allowed=("acknowledged", "inProgress", "inProgress.draft"))

    def decline(self, quote_id: str, *, party: str, reason: str | None) -> None:
        """The Buyer turns down an answered quote (rejectQuote)."""
        self._close(quote_id, party, "declined", reason,
                    allowed=("answered", "approved.orderable", "approved.orderableAlternate"))

    def accept(self, session: Session, quote_id: str, *, party: str) -> dict[str, Any]:
        """Ordering calls this in the order's transaction: the quote is used up by the order."""
        row = quotes.get(session, quote_id, party, for_update=True)
        self._expire(session, row)
        document = dict(row.document)
        quote_transition(session, row, document, "accepted", reason="ordered", wake=self._wake)
        return document

    def partner_offers(self, quote_id: str, *, party: str | None) -> dict[str, list[dict[str, Any]]]:
        """Per quote item id, the partner offers chosen for its off-net places (partner, its POQ and
        quote ids, the place as the partner qualified it, price, lead time): what ordering needs."""
        with self._db.transaction() as session:
            document = quotes.get(session, quote_id, party).document
        items = document.get(INTERNAL, {}).get("items", [])
        return {i["id"]: [p for p in i.get("partners", []) if p] for i in items}

    # --- the deferred path ------------------------------------------------------------------
    def _begin(self, session: Session, row: BusResourceRow, document: dict[str, Any]) -> None:
        quote_transition(session, row, document, "inProgress", wake=self._wake)

    def _judge(self, checked: list[dict[str, Any]], owner: str) -> list[ItemAssessment]:
        return [self._assess(c, owner) for c in checked]

    def _finish(self, session: Session, row: BusResourceRow, document: dict[str, Any],
                results: list[ItemAssessment]) -> None:
        target = self._settle(document, results, log=False)
        for item in document["quoteItem"]:
            self.publish(session, row, "quoteItemStateChangeEvent", quoteItemId=item["id"])
        quote_transition(session, row, document, target, wake=self._wake)

    # --- internals ------------------------------------------------------------------------
    def _check(self, item: dict[str, Any], index: int, *, kind: str | None = None, party: str) -> dict[str, Any]:
        pointer = f"/quoteItem/{index}/product"
        if item.get("action") in ("modify", "delete"):  # a change of a product the buyer has
            return product_change.check_change(self._db, self._prices, family=self.family, party=party, item=item,
                                pointer=f"/quoteItem/{index}")
        if item.get("action") != "add":
            raise Unprocessable(f"/quoteItem/{index}/action: one of add, modify, delete",
                                property_path=f"/quoteItem/{index}/action")
        uni = kind == "uni"  # a UNI is priced by its port, not by a bandwidth
        offering, mbps, places = check_product(item.get("product"), family=self.family, prices=self._prices,
                                               pointer=pointer, need_bandwidth=not uni)
        if uni:
            mbps = uni_port_mbps(item["product"].get("productConfiguration"))
        return {"offering": offering, "mbps": mbps, "places": places, "pointer": pointer, "uni": uni,
                "configuration": (item.get("product") or {}).get("productConfiguration")}

    def _deadline(self, document: dict[str, Any]) -> str | None:
        return document.get("requestedQuoteCompletionDate")

    def _assess(self, checked: dict[str, Any], party: str) -> ItemAssessment:
        if "productId" in checked:
            return product_change.assess_change(self._service.network, self._prices, checked)
        found = assess_product(self._service, self._prices, checked["offering"],
                               None if checked.get("uni") else checked["mbps"], checked["places"],
                               party=party if self.family == "cantata" else None, pointer=checked["pointer"],
                               configuration=checked.get("configuration"), buyer=party,
                               eir_mbps=checked.get("eir", 0), place_pointers=checked.get("placePointers"),
                               partners=checked.get("partners"))
        if checked.get("uni"):  # the port speed prices it; partners are asked on the EVC that uses it
            found = replace(found, mbps=checked["mbps"])
        if found.error is not None:  # the places were readable at create time; a site vanished since
            raise Unprocessable(found.error.reason, code=found.error.code, property_path=found.error.pointer)
        return found

    def _settle(self, document: dict[str, Any], results: list[ItemAssessment], *, log: bool = True) -> str:
        firm = document.get("buyerRequestedQuoteLevel") == "firm"
        internal_items = []
        for item, found in zip(document["quoteItem"], results, strict=True):
            internal_items.append({"id": item["id"], "partners": [
                _offer_record(v.offer) for v in found.verdicts if v.offer is not None]})
            if not found.serviceable:
                item["state"] = "unableToProvide"
                item["terminationError"] = [{"code": "otherIssue", "propertyPath": "/product/place",
                                             "value": found.reason[:1000]}]
                continue
            item["state"] = "approved.orderable" if firm else "answered"
            item["quoteItemPrice"] = self._prices_of(found)
            item["quoteItemInstallationInterval"] = interval(found.lead_time_days)
            item["quoteItemTerm"] = [{"name": f"{TERM_MONTHS} months", "endOfTermAction": "roll",
                                      "duration": {"amount": TERM_MONTHS, "units": "calendarMonths"},
                                      "rollInterval": {"amount": 1, "units": "calendarMonths"}}]
            if firm:  # firm unless a part of it (our network, a partner's segment) could not be asked
                item["subjectToFeasibilityCheck"] = not found.firm
        document[INTERNAL] = {**document[INTERNAL], "items": internal_items}
        states = {i["state"] for i in document["quoteItem"]}
        if "unableToProvide" in states:
            for item in document["quoteItem"]:
                if item["state"] != "unableToProvide":
                    item["state"] = "abandoned"
                    item.pop("quoteItemPrice", None)
            target = "unableToProvide"
        else:
            target = "approved.orderable" if firm else "answered"
            document["quoteLevel"] = "firm" if firm else "budgetary"
            document["validFor"] = {"startDateTime": iso(), "endDateTime": iso(now() + VALIDITY)}
        if log:
            document["state"] = target
            document["stateChange"] = [*document["stateChange"], state_change(target)]
            document["effectiveQuoteCompletionDate"] = iso()
        return target

    def _prices_of(self, found: ItemAssessment) -> list[dict[str, Any]]:
        if found.change is not None:
            return product_change.change_price_lines(self._prices, found)
        assert found.offering is not None and found.mbps is not None
        # the catalog applies the domain's price factor, and prices the excess rate apart from the committed
        own = self._prices.price(found.offering, found.mbps, eir_mbps=found.eir_mbps)
        asked = f"{found.mbps} Mbit/s" + (f" CIR + {found.eir_mbps} Mbit/s EIR" if found.eir_mbps else "")
        lines = _price_lines(f"{found.offering} {asked}", Price(own.nrc, own.mrc, own.currency))
        for verdict in found.verdicts:
            offer = verdict.offer
            if offer is not None and offer.price is not None:
                lines += _price_lines(f"off-net access at {verdict.location.city}", offer.price)
        return lines

    def _expire_due(self, party: str | None, at_most: int = 1000) -> None:
        """Expire the caller's quotes whose validity has ended, so that a list counts and shows them
        as `expired` (a GET expires the one it reads); found by their `validForEnd` key."""
        due = {"validForEnd": (None, now())}
        with self._db.read() as session:
            ids = [row.id for state in EXPIRABLE for row in quotes.list(
                session, party, state=state, family=self.family, limit=at_most, within=due)[0]]
        if not ids:
            return
        with self._db.transaction() as session:
            for quote_id in ids:
                self._expire(session, quotes.get(session, quote_id, None, for_update=True))

    def _expire(self, session: Session, row: BusResourceRow) -> None:
        """A quote past its validity is expired the first time anyone looks at it."""
        end = (row.document.get("validFor") or {}).get("endDateTime")
        if end and row.state in EXPIRABLE and end < iso():
            quote_transition(session, row, dict(row.document), "expired", reason="validity ended", wake=self._wake)

    def _close(self, quote_id: str, party: str, target: str, reason: str | None, *, allowed: tuple[str, ...]) -> None:
        with self._db.transaction() as session:
            row = quotes.get(session, quote_id, party, for_update=True)
            self._expire(session, row)
            if row.state not in allowed:
                raise Unprocessable(f"/quoteId: quote {quote_id} is {row.state}; only a quote that is "
                                    f"{' or '.join(allowed)} can become {target}", property_path="/quoteId")
            quote_transition(session, row, dict(row.document), target, reason=reason, wake=self._wake)


def _items(body: dict[str, Any]) -> list[dict[str, Any]]:
    for name in ("instantSyncQuote", "buyerRequestedQuoteLevel"):
        if name not in body:
            raise Unprocessable(f"/{name}: required", code="missingProperty", property_path=f"/{name}")
    if body["buyerRequestedQuoteLevel"] not in ("budgetary", "firm"):
        raise Unprocessable("/buyerRequestedQuoteLevel: one of budgetary, firm",
                            property_path="/buyerRequestedQuoteLevel")
    items = body.get("quoteItem")
    if not isinstance(items, list) or not items:
        raise Unprocessable("/quoteItem: give at least one item", code="missingProperty", property_path="/quoteItem")
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("id") or not item.get("action"):
            raise Unprocessable(f"/quoteItem/{index}: each item needs an 'id' and an 'action'",
                                code="missingProperty", property_path=f"/quoteItem/{index}")
        if item["id"] in seen:
            raise Unprocessable(f"/quoteItem/{index}/id: '{item['id']}' is used twice",
                                property_path=f"/quoteItem/{index}/id")
        seen.add(item["id"])
    return items


def _find(document: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "externalId", "state", "projectId", "quoteDate", "quoteLevel", "requestedQuoteCompletionDate",
            "expectedQuoteCompletionDate", "effectiveQuoteCompletionDate")
    return {k: document[k] for k in keys if document.get(k) is not None}
