"""Product Offering Qualification (MEF 79, CANTATA and SONATA): states, transitions, and the
service that qualifies each item with `Serviceability`.

A POQ asking for an instant answer (`instantSyncQualification`) is created already in its
final state; the Notification spec then expects only `poqCreateEvent`. A deferred POQ is
created `acknowledged` and `process()` later moves it through `inProgress` to its final state,
publishing every POQ and item state change. Processing is idempotent and keyed on the stored
state, so `resume()` at start finishes whatever a stopped process left.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import relevance
from sqlalchemy.orm import Session

from cadenza.bus.mapping import bandwidth_mbps
from cadenza.bus.product_schemas import validate_product_configuration
from cadenza.bus.rows import BusResourceRow
from cadenza.bus.serviceability import PlaceError, PlaceVerdict, PriceBook, Serviceability
from cadenza.bus.store import ResourceStore
from cadenza.core.clock import iso, now
from cadenza.core.db import Database
from cadenza.core.errors import Conflict, MefError, Unprocessable
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.sonata.paths import Family, poq_base, poq_listener_base

__all__ = ["POQ_TRANSITIONS", "ITEM_TRANSITIONS", "FINAL", "poqs", "ItemAssessment", "assess_product",
           "poq_transition", "public", "Qualifications", "INTERNAL", "check_create_shape"]

# MEFPOQTaskStateType, verbatim. An instant POQ skips inProgress; a deferred one passes it.
POQ_TRANSITIONS: dict[str, frozenset[str]] = {
    "acknowledged": frozenset({"inProgress", "done.ready", "done.unableToProvide", "terminatedWithError"}),
    "inProgress": frozenset({"done.ready", "done.unableToProvide", "terminatedWithError"}),
    "done.ready": frozenset(),
    "done.unableToProvide": frozenset(),
    "terminatedWithError": frozenset(),
}
# MEFPOQItemTaskStateType, verbatim. done.abandoned: a sibling item ended the POQ in error.
ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    "acknowledged": frozenset({"inProgress", "done.ready", "terminatedWithError", "done.abandoned"}),
    "inProgress": frozenset({"done.ready", "terminatedWithError", "done.abandoned"}),
    "done.ready": frozenset(),
    "done.abandoned": frozenset(),
    "terminatedWithError": frozenset(),
}
FINAL = frozenset(s for s, nexts in POQ_TRANSITIONS.items() if not nexts)
GUARANTEE = timedelta(days=30)  # how long a qualification result holds
INTERNAL = "_cadenza"  # what the domain keeps beside the spec payload; never shown to the caller

poqs = ResourceStore("poq", label="product offering qualification")
# The spec's ProductOfferingQualification_Create and what it references, copied from the MEF API.
_CREATE_SCHEMA = Path(__file__).parent / "schemas" / "api" / "productOfferingQualification_Create.json"


def public(document: dict[str, Any]) -> dict[str, Any]:
    """The payload the caller may see: the spec's attributes only."""
    return {k: v for k, v in document.items() if not k.startswith("_")}


@dataclass(frozen=True, slots=True)
class ItemAssessment:
    """One item's product read and its places judged; `error` when it cannot be judged at all."""

    offering: str | None
    mbps: int | None
    verdicts: list[PlaceVerdict] = field(default_factory=list)
    error: PlaceError | None = None
    lead_time_days: int | None = None

    @property
    def serviceable(self) -> bool:
        return self.error is None and all(v.kind != "notServiceable" for v in self.verdicts)

    @property
    def firm(self) -> bool:
        return self.serviceable and all(v.kind == "onNet" or v.offer is not None for v in self.verdicts)

    @property
    def reason(self) -> str:
        if self.error is not None:
            return self.error.reason
        return "; ".join(v.reason for v in self.verdicts)


def check_product(product: Any, *, family: Family, prices: PriceBook, pointer: str, need_bandwidth: bool
                  ) -> tuple[str, int | None, list[dict[str, Any]]]:
    """Validate the product of an `add` item: offering sold to this family, configuration, places."""
    if not isinstance(product, dict):
        raise Unprocessable(f"{pointer}: the item needs a product", code="missingProperty", property_path=pointer)
    offering = (product.get("productOffering") or {}).get("id")
    if not offering:
        raise Unprocessable(f"{pointer}/productOffering/id: name the product offering to qualify or quote",
                            code="missingProperty", property_path=f"{pointer}/productOffering/id")
    if not prices.sells(offering, family):
        raise Unprocessable(f"{pointer}/productOffering/id: '{offering}' is not offered over "
                            f"{family.upper()}; see the product catalog", code="referenceNotFound",
                            property_path=f"{pointer}/productOffering/id")
    config = product.get("productConfiguration")
    mbps: int | None = None
    if config is not None:
        validate_product_configuration(config, pointer=f"{pointer}/productConfiguration")
        try:
            mbps = bandwidth_mbps(config, pointer=pointer)
        except Unprocessable:
            if need_bandwidth:
                raise
    elif need_bandwidth:
        raise Unprocessable(f"{pointer}/productConfiguration: a quote needs the product configuration (its "
                            "bandwidth sets the price)", code="missingProperty",
                            property_path=f"{pointer}/productConfiguration")
    places = product.get("place") or []
    if not places:
        raise Unprocessable(f"{pointer}/place: give at least one place (a site id or an address)",
                            code="missingProperty", property_path=f"{pointer}/place")
    return offering, mbps, places


def assess_product(service: Serviceability, prices: PriceBook, offering: str, mbps: int | None,
                   places: list[dict[str, Any]], *, party: str | None, pointer: str) -> ItemAssessment:
    """Judge every place of the product; partners are asked here, outside any transaction."""
    try:
        locations = [service.locate(p, party=party, pointer=f"{pointer}/place/{i}") for i, p in enumerate(places)]
    except PlaceError as exc:
        return ItemAssessment(offering, mbps, error=exc)
    verdicts = [service.assess(location, mbps=mbps) for location in locations]
    lead = prices.lead_time_days(offering, any(v.kind == "offNet" for v in verdicts))
    for verdict in verdicts:
        if verdict.offer is not None and verdict.offer.lead_time_days is not None:
            lead = max(lead, verdict.offer.lead_time_days)
    return ItemAssessment(offering, mbps, verdicts, lead_time_days=lead)


def _change(state: str, reason: str | None = None) -> dict[str, Any]:
    change: dict[str, Any] = {"state": state, "changeDate": iso()}
    if reason:
        change["changeReason"] = reason[:1000]
    return change


def _event(row: BusResourceRow, **extra: str) -> dict[str, Any]:
    return {"id": row.id, "href": f"{poq_base(row.family)}/productOfferingQualification/{row.id}", **extra}  # type: ignore[arg-type]


def _publish(session: Session, row: BusResourceRow, event_type: str, wake: Callable[[], None] | None,
             **extra: str) -> None:
    publish(session, api=f"{row.family}.poq", event_type=event_type, resource=_event(row, **extra),
            listener_base_path=poq_listener_base(row.family), party=row.owner, wake=wake)  # type: ignore[arg-type]


def poq_transition(session: Session, row: BusResourceRow, document: dict[str, Any], target: str, *,
                   reason: str | None = None, wake: Callable[[], None] | None = None) -> None:
    """Move the POQ to `target`, log it in `stateChange`, publish poqStateChangeEvent."""
    if target not in POQ_TRANSITIONS[row.state]:
        raise Conflict(f"Product offering qualification {row.id} is {row.state}; it cannot become {target}")
    document["state"] = target
    document["stateChange"] = [*document.get("stateChange", []), _change(target, reason)]
    if target in FINAL:
        document["effectiveQualificationDate"] = iso()
        document.pop("expectedPOQCompletionDate", None)
    poqs.save(row, document, state=target)
    _publish(session, row, "poqStateChangeEvent", wake)


def _item_to(item: dict[str, Any], target: str, reason: str | None = None) -> None:
    if target not in ITEM_TRANSITIONS[item["state"]]:
        raise Conflict(f"POQ item {item['id']} is {item['state']}; it cannot become {target}")
    item["state"] = target
    item["stateChange"] = [*item.get("stateChange", []), _change(target, reason)]


def _answer(item: dict[str, Any], found: ItemAssessment | MefError | None) -> None:
    """Fill a judged item in (state and the Seller's attributes) from its assessment."""
    if isinstance(found, MefError) or (isinstance(found, ItemAssessment) and found.error is not None):
        error = found if isinstance(found, MefError) else found.error
        assert error is not None
        path = error.property_path if isinstance(error, MefError) else error.pointer
        _item_to(item, "terminatedWithError", error.reason)
        item["terminationError"] = [{"code": error.code, "propertyPath": path or "/", "value": error.reason}]
        return
    if found is None:  # action modify/delete: products are not changed through Cadenza's POQ
        _item_to(item, "terminatedWithError", "only new products (action add) are qualified")
        item["terminationError"] = [{"code": "invalidValue", "propertyPath": "/action",
                                     "value": "Only action 'add' is qualified; change or disconnect a product "
                                              "with a product order"}]
        return
    _item_to(item, "done.ready", found.reason)
    color = "red" if not found.serviceable else ("green" if found.firm else "yellow")
    item["serviceabilityConfidence"] = color
    item["serviceabilityConfidenceReason"] = found.reason[:1000]
    item["guaranteedUntilDate"] = iso(now() + GUARANTEE)
    if color != "red" and found.lead_time_days is not None:
        item["installationInterval"] = {"amount": found.lead_time_days, "units": "calendarDays"}


def _internal(found: ItemAssessment | MefError | None) -> dict[str, Any]:
    if not isinstance(found, ItemAssessment):
        return {}
    return {"offering": found.offering, "mbps": found.mbps, "places": [
        {"kind": v.kind, "address": v.location.address, "site": v.location.site.id if v.location.site else None,
         "partner": v.offer.partner if v.offer else None, "partnerPoq": v.offer.poq_id if v.offer else None,
         "partnerQuote": v.offer.quote_id if v.offer else None} for v in found.verdicts]}


class Qualifications:
    """The POQ service of one domain, for one API family."""

    def __init__(self, database: Database, service: Serviceability, prices: PriceBook, *, family: Family,
                 wake: Callable[[], None] | None = None, defer: Callable[[Callable[[], None]], None] | None = None,
                 seller: dict[str, Any] | None = None) -> None:
        self._db = database
        self._service = service
        self._prices = prices
        self.family: Family = family
        self._wake = wake
        # How deferred POQs run later (an executor's submit); None answers them before returning.
        self._defer = defer
        self._seller = seller

    def create(self, body: dict[str, Any], *, party: str) -> dict[str, Any]:
        items = _items(body)
        check_create_shape(body)
        instant = bool(body.get("instantSyncQualification", False))
        if not instant and not body.get("requestedPOQCompletionDate"):
            raise Unprocessable("/requestedPOQCompletionDate: required when instantSyncQualification is false",
                                code="missingProperty", property_path="/requestedPOQCompletionDate")
        checked = [self._check(item, i) for i, item in enumerate(items)]
        document = {**body, "productOfferingQualificationItem": [
            {**item, "state": "acknowledged", "stateChange": [_change("acknowledged")]} for item in items]}
        document["relatedContactInformation"] = [*body["relatedContactInformation"], *self._seller_contact()]
        document["state"] = "acknowledged"
        document["stateChange"] = [_change("acknowledged")]
        document[INTERNAL] = {"checked": checked}
        if instant:
            return self._answer_now(document, party=party)
        document["expectedPOQCompletionDate"] = iso(now() + timedelta(minutes=1))
        with self._db.transaction() as session:
            row = poqs.add(session, family=self.family, owner=party, state="acknowledged", document={})
            poqs.save(row, {**document, "id": row.id, "href": _event(row)["href"]})
            _publish(session, row, "poqCreateEvent", self._wake)
            result = public(row.document)
        self._later(row.id)
        return result

    def get(self, poq_id: str, *, party: str | None) -> dict[str, Any]:
        with self._db.transaction() as session:
            return public(poqs.get(session, poq_id, party).document)

    def list(self, *, party: str | None, state: str | None, offset: int, limit: int,
             filters: dict[str, str | None]) -> tuple[list[dict[str, Any]], int]:
        with self._db.transaction() as session:
            rows, _ = poqs.list(session, party, state=state, offset=0, limit=10_000, family=self.family)
            found = [_find(r.document) for r in rows if all(v is None or r.document.get(k) == v
                                                             for k, v in filters.items())]
        return found[offset:offset + limit], len(found)

    def process(self, poq_id: str) -> None:
        """Finish a deferred POQ: inProgress, judge each item, final state. Safe to call twice."""
        with self._db.transaction() as session:
            row = poqs.get(session, poq_id, None, for_update=True)
            if row.state in FINAL:
                return
            document = dict(row.document)
            if row.state == "acknowledged":
                poq_transition(session, row, document, "inProgress", wake=self._wake)
                for item in document["productOfferingQualificationItem"]:
                    _item_to(item, "inProgress")
                    _publish(session, row, "poqItemStateChangeEvent", self._wake, poqItemId=item["id"])
                poqs.save(row, document)
            owner, checked = row.owner, document[INTERNAL]["checked"]
        results = self._judge(checked, party=owner)
        with self._db.transaction() as session:
            row = poqs.get(session, poq_id, None, for_update=True)
            if row.state in FINAL:
                return
            document = dict(row.document)
            target = self._settle(document, results)
            for item in document["productOfferingQualificationItem"]:
                _publish(session, row, "poqItemStateChangeEvent", self._wake, poqItemId=item["id"])
            poq_transition(session, row, document, target, wake=self._wake)

    def resume(self) -> int:
        """Queue every POQ a stopped process left unfinished; how many."""
        with self._db.transaction() as session:
            pending = [r.id for state in ("acknowledged", "inProgress")
                       for r in poqs.list(session, None, state=state, limit=10_000, family=self.family)[0]]
        for poq_id in pending:
            self._later(poq_id)
        return len(pending)

    # --- internals ------------------------------------------------------------------------
    def _check(self, item: dict[str, Any], index: int) -> dict[str, Any]:
        pointer = f"/productOfferingQualificationItem/{index}/product"
        if item.get("action") != "add":
            return {"action": item.get("action")}
        offering, mbps, places = check_product(item.get("product"), family=self.family, prices=self._prices,
                                               pointer=pointer, need_bandwidth=False)
        return {"action": "add", "offering": offering, "mbps": mbps, "places": places, "pointer": pointer}

    def _judge(self, checked: list[dict[str, Any]], *, party: str) -> list[ItemAssessment | None]:
        return [assess_product(self._service, self._prices, c["offering"], c["mbps"], c["places"],
                               party=self._visible_to(party), pointer=c["pointer"]) if c["action"] == "add"
                else None for c in checked]

    def _visible_to(self, party: str) -> str | None:
        # A buying provider asks about addresses of its own customers: all our sites are open to it.
        return party if self.family == "cantata" else None

    def _settle(self, document: dict[str, Any], results: list[ItemAssessment | None]) -> str:
        items = document["productOfferingQualificationItem"]
        for item, found in zip(items, results, strict=True):
            _answer(item, found)
        document[INTERNAL] = {**document[INTERNAL], "items": [_internal(f) for f in results]}
        if any(i["state"] == "terminatedWithError" for i in items):
            for item in items:
                if item["state"] == "done.ready":
                    item.update({"state": "done.abandoned", "stateChange": [
                        *item["stateChange"], _change("done.abandoned", "another item lacks information")]})
                    for key in ("serviceabilityConfidence", "serviceabilityConfidenceReason", "installationInterval",
                                "guaranteedUntilDate", "alternateProductOfferingProposal"):
                        item.pop(key, None)
            return "terminatedWithError"
        return "done.ready"

    def _answer_now(self, document: dict[str, Any], *, party: str) -> dict[str, Any]:
        results = self._judge(document[INTERNAL]["checked"], party=party)
        target = self._settle(document, results)
        document["state"] = target
        document["stateChange"] = [*document["stateChange"], _change(target)]
        document["effectiveQualificationDate"] = iso()
        with self._db.transaction() as session:
            row = poqs.add(session, family=self.family, owner=party, state=target, document={})
            poqs.save(row, {**document, "id": row.id, "href": _event(row)["href"]})
            _publish(session, row, "poqCreateEvent", self._wake)
            return public(row.document)

    def _seller_contact(self) -> list[dict[str, Any]]:
        return [self._seller] if self._seller else []

    def _later(self, poq_id: str) -> None:
        if self._defer is None:
            self.process(poq_id)
        else:
            self._defer(lambda: self.process(poq_id))


@cache
def _create_validator() -> Draft7Validator:
    return Draft7Validator(json.loads(_CREATE_SCHEMA.read_text(encoding="utf-8")))


def check_create_shape(body: dict[str, Any]) -> None:
    """Refuse a body that is not a ProductOfferingQualification_Create. The POQ is stored and
    answered with what the Buyer sent, so a body the spec does not allow (a contact without a
    role, a number that is null) would come back in a 201 and every GET that the spec does not
    allow either."""
    error = max(_create_validator().iter_errors(body), key=relevance, default=None)
    if error is None:
        return
    where = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in error.absolute_path)
    if error.validator == "required":
        missing = next(p for p in error.validator_value if p not in error.instance)
        raise Unprocessable(f"{where}/{missing}: the required property '{missing}' is missing",
                            code="missingProperty", property_path=f"{where}/{missing}")
    # The message quotes the offending value; a long one would hide what is wrong.
    text = error.message if len(repr(error.instance)) <= 40 else error.message.replace(repr(error.instance),
                                                                                         "the value")
    raise Unprocessable(f"{where or '/'}: {text}", property_path=where or "/")


def _items(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get("productOfferingQualificationItem")
    if not isinstance(items, list) or not items:
        raise Unprocessable("/productOfferingQualificationItem: give at least one item", code="missingProperty",
                            property_path="/productOfferingQualificationItem")
    contacts = body.get("relatedContactInformation")
    if not isinstance(contacts, list) or not contacts:
        raise Unprocessable("/relatedContactInformation: the Buyer Contact Information (role "
                            "buyerContactInformation) is required", code="missingProperty",
                            property_path="/relatedContactInformation")
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("id") or item.get("action") not in ("add", "modify", "delete"):
            raise Unprocessable(f"/productOfferingQualificationItem/{index}: each item needs an 'id' and an "
                                "'action' (add, modify or delete)", code="missingProperty",
                                property_path=f"/productOfferingQualificationItem/{index}")
        if item["id"] in seen:
            raise Unprocessable(f"/productOfferingQualificationItem/{index}/id: '{item['id']}' is used twice",
                                property_path=f"/productOfferingQualificationItem/{index}/id")
        seen.add(item["id"])
    return items


def _find(document: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "externalId", "state", "projectId")
    found = {k: document[k] for k in keys if document.get(k) is not None}
    if document.get("requestedPOQCompletionDate"):
        found["requestedPOQCompletionDate"] = str(document["requestedPOQCompletionDate"])[:10]
    return found
