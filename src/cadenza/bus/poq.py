"""Product Offering Qualification (MEF 79, CANTATA and SONATA): states, transitions, and the
service that qualifies each item with `Serviceability`.

A POQ asking for an instant answer (`instantSyncQualification`) is created already in its
final state; the Notification spec then expects only `poqCreateEvent`. A deferred POQ is
created `acknowledged` and its durable assessment (bus.deferred) later moves it through
`inProgress` to its final state, publishing every POQ and item state change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import relevance
from sqlalchemy.orm import Session

from cadenza.bus import product_change  # a module: product_change -> ordering -> quote_contract -> quote
from cadenza.bus.deferred import INTERNAL, DeferredRequests, public, state_change
from cadenza.bus.keys import poq_keys
from cadenza.bus.lead_time import interval
from cadenza.bus.product_assessment import ItemAssessment, assess_product, check_product, structure_notes
from cadenza.bus.rows import BusResourceRow
from cadenza.bus.store import ResourceStore
from cadenza.core.clock import iso, now
from cadenza.core.errors import Conflict, MefError, Unprocessable
from cadenza.core.notifications.outbox import publish
from cadenza.core.paging import Windows
from cadenza.interfaces.sonata.paths import poq_base, poq_listener_base

__all__ = ["POQ_TRANSITIONS", "ITEM_TRANSITIONS", "FINAL", "poqs", "poq_transition", "Qualifications",
           "check_create_shape"]

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

poqs = ResourceStore("poq", label="product offering qualification", keys=poq_keys)
# The spec's ProductOfferingQualification_Create and what it references, copied from the MEF API.
_CREATE_SCHEMA = Path(__file__).parent / "schemas" / "api" / "productOfferingQualification_Create.json"


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
    document["stateChange"] = [*document.get("stateChange", []), state_change(target, reason)]
    if target in FINAL:
        document["effectiveQualificationDate"] = iso()
        document.pop("expectedPOQCompletionDate", None)
    poqs.save(row, document, state=target)
    _publish(session, row, "poqStateChangeEvent", wake)


def _item_to(item: dict[str, Any], target: str, reason: str | None = None) -> None:
    if target not in ITEM_TRANSITIONS[item["state"]]:
        raise Conflict(f"POQ item {item['id']} is {item['state']}; it cannot become {target}")
    item["state"] = target
    item["stateChange"] = [*item.get("stateChange", []), state_change(target, reason)]


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
    if found.undecided:  # a partner it needs did not answer in the time the Buyer gave (MEF 79: unable to provide)
        _item_to(item, "done.abandoned", found.reason)
        return
    _item_to(item, "done.ready", found.reason)
    color = "red" if not found.serviceable else ("green" if found.firm else "yellow")
    item["serviceabilityConfidence"] = color
    item["serviceabilityConfidenceReason"] = found.reason[:1000]
    item["guaranteedUntilDate"] = iso(now() + GUARANTEE)
    if color != "red" and found.lead_time_days is not None:
        item["installationInterval"] = interval(found.lead_time_days)


def _internal(found: ItemAssessment | MefError | None) -> dict[str, Any]:
    if not isinstance(found, ItemAssessment):
        return {}
    return {"offering": found.offering, "mbps": found.mbps, "places": [
        {"kind": v.kind, "address": v.location.address, "site": v.location.site.id if v.location.site else None,
         "partner": v.offer.partner if v.offer else None, "partnerPoq": v.offer.poq_id if v.offer else None,
         "partnerQuote": v.offer.quote_id if v.offer else None} for v in found.verdicts]}


class Qualifications(DeferredRequests):
    """The POQ service of one domain, for one API family."""

    store = poqs

    def __init__(self, *args: Any, seller: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seller = seller

    def href(self, row: BusResourceRow) -> str:
        return _event(row)["href"]

    def publish(self, session: Session, row: BusResourceRow, event_type: str, **extra: str) -> None:
        _publish(session, row, event_type, self._wake, **extra)

    def create(self, body: dict[str, Any], *, party: str) -> dict[str, Any]:
        items = _items(body)
        check_create_shape(body)
        instant = bool(body.get("instantSyncQualification", False))
        if not instant and not body.get("requestedPOQCompletionDate"):
            raise Unprocessable("/requestedPOQCompletionDate: required when instantSyncQualification is false",
                                code="missingProperty", property_path="/requestedPOQCompletionDate")
        read = self._read(items, resource="poq", base="/productOfferingQualificationItem", party=party)
        checked = [{**self._check({**item, "product": r.product}, i, party=party), **structure_notes(r)}
                   for i, (item, r) in enumerate(zip(items, read, strict=True))]
        document = {**body, "productOfferingQualificationItem": [
            {**item, "state": "acknowledged", "stateChange": [state_change("acknowledged")]} for item in items]}
        document["relatedContactInformation"] = [*body["relatedContactInformation"], *self._seller_contact()]
        document["state"] = "acknowledged"
        document["stateChange"] = [state_change("acknowledged")]
        document[INTERNAL] = {"checked": checked}
        if instant:
            # An instant POQ is created in its final state; the spec then expects only poqCreateEvent.
            target = self._settle(document, self._judge(checked, party))
            document["state"] = target
            document["stateChange"] = [*document["stateChange"], state_change(target)]
            document["effectiveQualificationDate"] = iso()
            return self._stored(document, party=party, state=target, event_type="poqCreateEvent")
        document["expectedPOQCompletionDate"] = iso(now() + timedelta(minutes=1))
        result = self._stored(document, party=party, state="acknowledged", event_type="poqCreateEvent")
        self._later(result["id"])
        return result

    def get(self, poq_id: str, *, party: str | None) -> dict[str, Any]:
        with self._db.transaction() as session:
            return public(poqs.get(session, poq_id, party).document)

    def list(self, *, party: str | None, state: str | None, offset: int, limit: int,
             filters: dict[str, str | None], within: Windows | None = None) -> tuple[list[dict[str, Any]], int]:
        return self._listing(party=party, state=state, offset=offset, limit=limit, filters=filters, summary=_find,
                             within=within)

    # --- the deferred path ------------------------------------------------------------------
    def _begin(self, session: Session, row: BusResourceRow, document: dict[str, Any]) -> None:
        poq_transition(session, row, document, "inProgress", wake=self._wake)
        for item in document["productOfferingQualificationItem"]:
            _item_to(item, "inProgress")
            self.publish(session, row, "poqItemStateChangeEvent", poqItemId=item["id"])
        poqs.save(row, document)

    def _judge(self, checked: list[dict[str, Any]], owner: str) -> list[ItemAssessment | None]:
        return [assess_product(self._service, self._prices, c["offering"], c["mbps"], c["places"],
                               party=self._visible_to(owner), pointer=c["pointer"],
                               configuration=c.get("configuration"), buyer=owner, eir_mbps=c.get("eir", 0),
                               place_pointers=c.get("placePointers"), partners=c.get("partners"))
                if c["action"] == "add"
                else product_change.assess_change(self._service.network, self._prices, c) if "productId" in c
                else None for c in checked]

    def _finish(self, session: Session, row: BusResourceRow, document: dict[str, Any],
                results: list[ItemAssessment | None]) -> None:
        target = self._settle(document, results)
        for item in document["productOfferingQualificationItem"]:
            self.publish(session, row, "poqItemStateChangeEvent", poqItemId=item["id"])
        poq_transition(session, row, document, target, wake=self._wake)

    # --- internals ------------------------------------------------------------------------
    def _check(self, item: dict[str, Any], index: int, *, party: str) -> dict[str, Any]:
        pointer = f"/productOfferingQualificationItem/{index}/product"
        if item.get("action") in ("modify", "delete"):  # a change of a product the buyer has
            return product_change.check_change(self._db, self._prices, family=self.family, party=party, item=item,
                                pointer=f"/productOfferingQualificationItem/{index}")
        offering, mbps, places = check_product(item.get("product"), family=self.family, prices=self._prices,
                                               pointer=pointer, need_bandwidth=False)
        return {"action": "add", "offering": offering, "mbps": mbps, "places": places, "pointer": pointer,
                "configuration": (item.get("product") or {}).get("productConfiguration")}

    def _deadline(self, document: dict[str, Any]) -> str | None:
        return document.get("requestedPOQCompletionDate")

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
                        *item["stateChange"], state_change("done.abandoned", "another item lacks information")]})
                    for key in ("serviceabilityConfidence", "serviceabilityConfidenceReason", "installationInterval",
                                "guaranteedUntilDate", "alternateProductOfferingProposal"):
                        item.pop(key, None)
            return "terminatedWithError"
        if any(i["state"] == "done.abandoned" for i in items):
            return "done.unableToProvide"
        return "done.ready"

    def _seller_contact(self) -> list[dict[str, Any]]:
        return [self._seller] if self._seller else []


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
