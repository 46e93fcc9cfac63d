"""Taking a product order: check every item, build the order the spec describes, plan the work.

Everything a person can get wrong is refused here, before anything is accepted, with a 422
whose propertyPath points at the field; what is accepted is then delivered by the durable
workflow in `cadenza.bus.fulfilment`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cadenza.bus import (
    mapping,
    quote_contract,  # a module: ordering, quote_contract, quote and product_change import in a ring
)
from cadenza.bus.item_structure import ReadItem, read_items
from cadenza.bus.lead_time import CatalogLeadTime
from cadenza.bus.order_plans import order_plan, plans
from cadenza.bus.places import End, resolve_place
from cadenza.bus.product_inventory import products, serving_service, uni_at_site, uni_place, users_of
from cadenza.bus.product_order import Family, orders
from cadenza.bus.rows import BusResourceRow
from cadenza.bus.settings import BusSettings
from cadenza.core.clock import iso
from cadenza.core.errors import NotFound, Unprocessable
from cadenza.core.ids import new_id
from cadenza.core.trace import record

__all__ = ["OfferingRules", "SeveralProblems", "plans", "accept_order", "order_plan", "merge_configuration",
           "read_change"]

@dataclass(frozen=True, slots=True)
class OfferingRules:
    """What ordering needs from the catalog: which offerings a family may order, what each
    is (an EVC between two places, or an Access E-Line to our ENNI), and the schema check."""

    kind_of: Callable[[str, str], str | None]  # (offering id, family) -> "evc" | "access" | "uni" | ... | None
    validate: Callable[[dict[str, Any], str], None]  # (productConfiguration, pointer)
    lead_time_days: CatalogLeadTime  # (offering id, off-net?) -> days, for bus.lead_time


def _fail(reason: str, pointer: str, code: str = "invalidValue") -> Unprocessable:
    return Unprocessable(reason, code=code, property_path=pointer)


def _item_order(items: list[dict[str, Any]]) -> list[str]:
    """Items in the order they can be delivered: an item after those it relies on, and
    disconnects last where nothing says otherwise (a disconnect cannot be undone if a later item
    fails; an add or a modify can)."""
    ids = [i["id"] for i in sorted(items, key=lambda i: i["action"] == "delete")]
    after = {i["id"]: [r["id"] for r in (i.get("productOrderItemRelationship") or [])] for i in items}
    done: list[str] = []
    visiting: set[str] = set()

    def visit(item_id: str) -> None:
        if item_id in done:
            return
        if item_id in visiting:
            raise _fail(f"Order items {sorted(visiting)} rely on each other in a circle",
                        "/productOrderItem", "invalidValue")
        visiting.add(item_id)
        for other in after[item_id]:
            visit(other)
        visiting.discard(item_id)
        done.append(item_id)

    for item_id in ids:
        visit(item_id)
    return done


def _plan_add(config: BusSettings, rules: OfferingRules, fam: Family, party: str, item: dict[str, Any],
              pointer: str, read: ReadItem | None = None, used: bool = True) -> dict[str, Any]:
    """`read` is the item as cadenza.bus.item_structure reads it: an EVC's places then come from
    its UNI items or UNI products, wherever the buyer gave them; `used`: some EVC of the order
    connects to this (UNI) item."""
    product = read.product if read is not None else (item.get("product") or {})
    place_at = (lambda n: read.place_pointers[n]) if read is not None and read.unis else (
        lambda n: f"{pointer}/product/place/{n}")
    offering = (product.get("productOffering") or {}).get("id")
    if not offering:
        raise _fail("Say what to order: product/productOffering/id", f"{pointer}/product/productOffering",
                    "missingProperty")
    kind = rules.kind_of(offering, fam.name)
    if kind is None:
        raise _fail(f"Product offering '{offering}' cannot be ordered here; see the product catalog",
                    f"{pointer}/product/productOffering/id", "referenceNotFound")
    if kind == "uni":
        return _plan_uni(config, rules, party, product, pointer, used=used)
    if kind == "internet" and not any(e.kind == "internet" for nd in config.network_domains
                                      for e in nd.edge_points):
        raise _fail(f"Product offering '{offering}' can be quoted but not ordered here: this network has no "
                    "Internet gateway to deliver it from", f"{pointer}/product/productOffering/id")
    configuration = product.get("productConfiguration")
    if not isinstance(configuration, dict):
        raise _fail("An 'add' item needs product/productConfiguration", f"{pointer}/product/productConfiguration",
                    "missingProperty")
    rules.validate(configuration, f"{pointer}/product/productConfiguration")
    asked = mapping.bandwidth(configuration, pointer=f"{pointer}/product")
    mbps = asked.cir_mbps
    unis = [{"end": u.end, "relationshipType": u.relationship_type, "item": u.item, "product": u.product}
            for u in (read.unis if read is not None else ())]
    places = product.get("place") or []
    if kind == "evc":
        if len(places) != 2:
            raise _fail("An EVC product needs two places (its two UNI sites) in product/place, or two UNI items "
                        "it connects to (productOrderItemRelationship CONNECTS_TO_UNI_A and CONNECTS_TO_UNI_Z)",
                        f"{pointer}/product/place", "missingProperty")
        # an off-net end's partner is asked for the same profile, CIR (0 allowed) and EIR
        ends = [resolve_place(config, place, party=party, pointer=place_at(n)) for n, place in enumerate(places)]
        vlans = mapping.evc_vlans(configuration)
        planned = [_end(end, vlan) for end, vlan in zip(ends, vlans, strict=True)]
        for uni in read.unis if read is not None else ():
            if uni.partner:  # an off-net UNI in inventory: its partner's line is there already (choose_partners)
                planned[("A", "Z").index(uni.end)]["partner"] = uni.partner
        work = {"kind": "evc", "offering": offering, "mbps": mbps, "bandwidth": asked.to_json(), "unis": unis,
                "ends": planned}
        if configuration.get("carrierEthernetSls"):  # the objectives the customer bought, for SOF to assess
            work["sls"] = configuration["carrierEthernetSls"]
        return work
    if kind == "internet":
        if len(places) != 1:
            raise _fail("An Internet Access needs exactly one place: the subscriber's site",
                        f"{pointer}/product/place", "missingProperty")
        end = resolve_place(config, places[0], party=party, pointer=place_at(0))
        if not end.on_net:
            raise _fail(f"No Internet Access can be delivered at {end.city or 'this address'}: we have no UNI there",
                        place_at(0), "invalidValue")
        if mbps < 1:
            raise _fail("An Internet Access is sold at a committed rate: give the CIR of its ipUni bandwidth "
                        "profile envelope", f"{pointer}/product/productConfiguration/ipUni", "missingProperty")
        # The whole UNI is the subscriber's IP UNI (MEF 69.1 Basic Internet Access: one access link).
        return {"kind": "internet", "offering": offering, "mbps": mbps, "bandwidth": asked.to_json(), "unis": unis,
                "ends": [_end(end, None)]}
    if len(places) != 1:
        raise _fail("An Access E-Line needs exactly one place: the UNI site", f"{pointer}/product/place",
                    "missingProperty")
    end = resolve_place(config, places[0], party=party, pointer=place_at(0))
    if not end.on_net:
        raise _fail(f"No UNI can be provided at {end.city or 'this address'}: it is outside our footprint",
                    place_at(0), "invalidValue")
    ce_vlan, s_vlan = mapping.access_vlans(configuration, pointer=f"{pointer}/product")
    enni = next((e.id for nd in config.network_domains for e in nd.edge_points
                 if e.kind == "enni" and e.partner == party), None)
    if enni is None:
        raise _fail(f"There is no ENNI between us and {party}: an interconnect agreement comes first",
                    f"{pointer}/product/productConfiguration/enniEp", "invalidValue")
    # CIR 0 with an EIR is a best-effort line, as an EVC may be (mapping.bandwidth wants one above 0)
    return {"kind": "access", "offering": offering, "mbps": mbps, "bandwidth": asked.to_json(), "unis": unis,
            "access": {"end": _end(end, ce_vlan), "enni": enni, "s_vlan": s_vlan}}


def _plan_uni(config: BusSettings, rules: OfferingRules, party: str, product: dict[str, Any], pointer: str, *,
              used: bool) -> dict[str, Any]:
    """A UNI (MEF 125 subscriber UNI, MEF 106 operator UNI) at one place. On-net it is the site's
    edge point, cabled already, so it is assigned, not configured: elements are configured by the
    EVCs that use it. Off-net it is the partner's, delivered with the access line of the EVC."""
    configuration = product.get("productConfiguration")
    if not isinstance(configuration, dict):
        raise _fail("An 'add' item needs product/productConfiguration", f"{pointer}/product/productConfiguration",
                    "missingProperty")
    rules.validate(configuration, f"{pointer}/product/productConfiguration")
    places = product.get("place") or []
    if len(places) != 1:
        raise _fail("A UNI item has exactly one place: where the UNI is installed", f"{pointer}/product/place",
                    "missingProperty")
    end = resolve_place(config, places[0], party=party, pointer=f"{pointer}/product/place/0")
    if not end.on_net and not used:
        raise _fail(f"{end.city or 'This place'} is served by a partner, whose UNI comes with the access line of an "
                    "EVC: add the EVC that connects to this UNI to the order", f"{pointer}/product/place/0")
    return {"kind": "uni", "offering": (product.get("productOffering") or {}).get("id"),
            "mbps": mapping.uni_port_mbps(configuration), "end": _end(end, None)}


def _end(end: End, vlan: int | None) -> dict[str, Any]:
    return {"edge_point": end.edge_point, "ce_vlan": vlan, "address": end.address, "city": end.city,
            "site": end.site.id if end.site else None}


def merge_configuration(stored: Any, change: Any) -> Any:
    """A modify's productConfiguration applied to the product's (JSON Merge Patch, RFC 7386):
    objects merge attribute by attribute, anything else is replaced, `null` removes. MEF 123
    asks the Buyer for the full description, which merges to itself; a Buyer that sends only
    what changes keeps the rest (docs/bus-profile.md)."""
    if not isinstance(change, dict):
        return change
    merged = dict(stored) if isinstance(stored, dict) else {}
    for key, value in change.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_configuration(merged.get(key), value)
    return merged


def _plan_existing(session: Session, rules: OfferingRules, party: str, item: dict[str, Any],
                   pointer: str, *, family: str = "cantata", deleted: frozenset[str] = frozenset()) -> dict[str, Any]:
    """`deleted`: the products this order deletes (an EVC deleted with its UNI frees the UNI)."""
    product_id = (item.get("product") or {}).get("id")
    if not product_id:
        raise _fail(f"A '{item['action']}' item names the product to change: product/id", f"{pointer}/product/id",
                    "missingProperty")
    try:
        row = products.get(session, product_id, party)
    except NotFound as exc:
        raise _fail(exc.reason, f"{pointer}/product/id", "referenceNotFound") from exc
    if row.state not in ("active",):
        raise _fail(f"Product {product_id} is {row.state}; only an active product can be changed",
                    f"{pointer}/product/id")
    offering = (row.document.get("productOffering") or {}).get("id")
    if offering and rules.kind_of(offering, family) == "uni":
        return _plan_existing_uni(session, party, item, pointer, row, deleted)
    plan: dict[str, Any] = {"kind": "existing", "product_id": product_id, "service_id": serving_service(row),
                            "offering": offering}
    if item["action"] == "modify":
        change = (item.get("product") or {}).get("productConfiguration")
        if not isinstance(change, dict):
            raise _fail("A 'modify' item carries the new product/productConfiguration",
                        f"{pointer}/product/productConfiguration", "missingProperty")
        stored = row.document.get("productConfiguration") or {}
        configuration = _keep_addressing(stored, merge_configuration(stored, change),
                                         f"{pointer}/product/productConfiguration")
        rules.validate(configuration, f"{pointer}/product/productConfiguration")
        _refuse_unchangeable(stored, configuration, f"{pointer}/product/productConfiguration")
        _refuse_profile_change(stored, configuration, f"{pointer}/product")
        plan["mbps"] = mapping.bandwidth_mbps(configuration, pointer=f"{pointer}/product")
        plan["previous_mbps"] = mapping.bandwidth_mbps(stored, pointer=f"{pointer}/product") if stored else None
        plan["configuration"] = configuration
        kind = rules.kind_of(offering, family) if offering else None
        plan["product_kind"] = kind
        plan["vlans"] = _vlans(kind, configuration, f"{pointer}/product")
        plan["previous_vlans"] = _vlans(kind, stored, f"{pointer}/product") if stored else plan["vlans"]
    return plan


def read_change(session: Session, rules: OfferingRules, party: str, item: dict[str, Any], pointer: str, *,
                family: str) -> dict[str, Any]:
    """A modify or delete item read as an order reads it, with the product's offering: POQ and
    quote judge a change from the same reading (bus.product_change)."""
    plan = _plan_existing(session, rules, party, item, pointer, family=family)
    row = products.get(session, plan["product_id"], party)
    return {**plan, "offering": (row.document.get("productOffering") or {}).get("id")}


def _keep_addressing(stored: dict[str, Any], configuration: dict[str, Any], pointer: str) -> dict[str, Any]:
    """An Internet Access's addressing is the provider's to give (the gateway handed it out):
    a modify that leaves it empty keeps it, one that names other addresses is refused."""
    given = (stored.get("ipUniAccessLink") or {}).get("ipv4ConnectionAddressing")
    if not given:
        return configuration
    link = dict(configuration.get("ipUniAccessLink") or {})
    asked = link.get("ipv4ConnectionAddressing")
    if asked and asked != given:
        raise _fail("The addresses of an Internet Access are assigned by us and cannot be changed in place; "
                    "disconnect it and order a new one", f"{pointer}/ipUniAccessLink/ipv4ConnectionAddressing")
    return {**configuration, "ipUniAccessLink": {**link, "ipv4ConnectionAddressing": given}}


def _vlans(kind: str | None, configuration: dict[str, Any], pointer: str) -> list[int | None]:
    """The CE-VLANs a modify may change: at end point A and Z of an EVC, at the UNI of an
    Access E-Line (None: port-based, all VLANs); none for other products."""
    if kind == "evc" or "evcEndPointA" in configuration or "evcEndPointZ" in configuration:
        return list(mapping.evc_vlans(configuration))
    if kind == "access" or "enniEp" in configuration:
        return [mapping.access_vlans(configuration, pointer=pointer)[0]]
    return []


def _refuse_unchangeable(stored: dict[str, Any], configuration: dict[str, Any], pointer: str) -> None:
    """What the network changes in place is the bandwidth and the CE-VLAN of an end point that
    stays VLAN-based (an EVC's evcEndPointMap, an Access E-Line's uniEp/ovcEndPointMap). The
    type, the S-VLAN at an ENNI and a change between port-based and VLAN-based are refused
    rather than recorded in inventory without being configured (MEF 123: an attribute the
    Seller does not allow to change is a 422)."""
    if configuration.get("@type") != stored.get("@type"):
        raise _fail(f"A modify keeps the product's type ({stored.get('@type')}); order a new product for "
                    f"{configuration.get('@type')}", f"{pointer}/@type")
    if "enniEp" in stored:
        s_before = mapping.access_vlans(stored, pointer=pointer)[1]
        s_after = mapping.access_vlans(configuration, pointer=pointer)[1]
        if s_before != s_after:
            raise _fail(f"The S-VLAN at the ENNI of an existing Access E-Line cannot change in place (from {s_before} "
                        f"to {s_after}): only its CE-VLAN at the UNI and its bandwidth can",
                        f"{pointer}/enniEp/ovcEndPointMap")
    ends = ("evcEndPointA/evcEndPointMap", "evcEndPointZ/evcEndPointMap") if "enniEp" not in stored else (
        "uniEp/ovcEndPointMap",)
    for where, before, after in zip(ends, _vlans(None, stored, pointer), _vlans(None, configuration, pointer),
                                    strict=False):
        if before != after and (before is None or after is None):
            raise _fail(f"An end point of an existing product stays {'port-based' if before is None else 'VLAN-based'} "
                        f"(from {before or 'all VLANs'} to {after or 'all VLANs'}): only the CE-VLAN of a VLAN-based "
                        "end point can change in place; disconnect it and order a new one", f"{pointer}/{where}")


class SeveralProblems(Unprocessable):
    """More than one thing is wrong with the request: the 422 lists each (an Error422 apiece)."""

    def __init__(self, problems: list[Unprocessable]) -> None:
        super().__init__(problems[0].reason, code=problems[0].code, property_path=problems[0].property_path)
        self.problems = problems


def _refuse_products_changed_twice(items: list[dict[str, Any]]) -> None:
    """An order changes (modifies or deletes) each existing product in one item at most: two
    changes of one product have no order the buyer could rely on, and a failure of one would
    leave the product neither as it was nor as asked."""
    changing: dict[str, list[int]] = {}
    for n, item in enumerate(items):
        product_id = (item.get("product") or {}).get("id") if isinstance(item.get("product"), dict) else None
        if item["action"] in ("modify", "delete") and isinstance(product_id, str) and product_id:
            changing.setdefault(product_id, []).append(n)
    for product_id, positions in changing.items():
        if len(positions) > 1:
            names = " and ".join(f"'{items[n]['id']}' ({items[n]['action']})" for n in positions)
            raise SeveralProblems([
                _fail(f"Items {names} all change product {product_id}: an order may change a product in one item "
                      "only; put the changes into one item or order them one after the other",
                      f"/productOrderItem/{n}/product/id") for n in positions])


def _refuse_profile_change(stored: dict[str, Any], configuration: dict[str, Any], pointer: str) -> None:
    """What a modify changes in the network is the committed rate of a profile with one flow
    (icm/design.with_committed_rate): an excess rate, the flows per class of service or a CIR of
    0 would be recorded in inventory without being configured, so they are a 422 instead."""
    if not stored:
        return
    before = mapping.bandwidth(stored, pointer=pointer)
    after = mapping.bandwidth(configuration, pointer=pointer)
    if before == after:
        return
    where = f"{pointer}/productConfiguration"
    if after.eir_mbps != before.eir_mbps:
        raise _fail(f"The excess rate (EIR) of an existing product cannot change in place here (from "
                    f"{before.eir_mbps} to {after.eir_mbps} Mbit/s): only the committed rate (CIR) can", where)
    if after.cir_mbps < 1:
        raise _fail("A modify keeps a committed rate (CIR) of at least 1 Mbit/s; disconnect the product and order a "
                    "best-effort one", where)
    if len(after.flows) > 1 or [f.cos for f in after.flows] != [f.cos for f in before.flows]:
        raise _fail("The committed rate of a product with several classes of service, or its classes, cannot change "
                    "in place here: only the CIR of a single-class profile can", where)


def _plan_existing_uni(session: Session, party: str, item: dict[str, Any], pointer: str, row: BusResourceRow,
                       deleted: frozenset[str]) -> dict[str, Any]:
    if item["action"] == "modify":
        raise _fail("A UNI's configuration is not changed by an order here; order a new UNI and move the EVCs to it",
                    f"{pointer}/action")
    users = [u.id for u in users_of(session, row.id, party) if u.id not in deleted]
    if users:
        raise _fail(f"UNI {row.id} is still used by EVC product(s) {', '.join(sorted(users))}: disconnect them "
                    "first, or in this order", f"{pointer}/product/id")
    return {"kind": "uni", "product_id": row.id, "service_id": None}


def accept_order(session: Session, *, config: BusSettings, rules: OfferingRules, fam: Family, party: str,
                 payload: dict[str, Any], base_url: str = "", wake: Callable[[], None] | None = None
                 ) -> BusResourceRow:
    """Validate and store a new product order (state `acknowledged`) and its delivery plan."""
    items = payload.get("productOrderItem") or []
    seen: set[str] = set()
    for n, item in enumerate(items):
        if item["id"] in seen:
            raise _fail(f"Order item id '{item['id']}' is used twice", f"/productOrderItem/{n}/id")
        seen.add(item["id"])
    for n, item in enumerate(items):
        relations = item.get("productOrderItemRelationship") or []
        if not isinstance(relations, list):
            raise _fail("productOrderItemRelationship is a list of {id, relationshipType}",
                        f"/productOrderItem/{n}/productOrderItemRelationship")
        for m, relation in enumerate(relations):
            if not isinstance(relation, dict):
                raise _fail("Each productOrderItemRelationship is an object {id, relationshipType}",
                            f"/productOrderItem/{n}/productOrderItemRelationship/{m}")
            if relation.get("id") not in seen or relation.get("id") == item["id"]:
                raise _fail(f"Item {item['id']} relates to '{relation.get('id')}', which is not another item of "
                            "this order", f"/productOrderItem/{n}/productOrderItemRelationship/{m}/id",
                            "referenceNotFound")
    _refuse_products_changed_twice(items)
    read = read_items(items, resource="order", base="/productOrderItem",
                      kind_of=lambda offering: rules.kind_of(offering, fam.name),  # type: ignore[arg-type,return-value]
                      existing_uni=lambda product_id, where: uni_place(
                          session, product_id, party, pointer=where,
                          is_uni=lambda o: o is not None and rules.kind_of(o, fam.name) == "uni"))
    used = {u.item for r in read for u in r.unis if u.item}
    deleted = frozenset(str((i.get("product") or {}).get("id")) for i in items if i["action"] == "delete")
    work: dict[str, Any] = {}
    for n, item in enumerate(items):
        pointer = f"/productOrderItem/{n}"
        step = (_plan_add(config, rules, fam, party, item, pointer, read[n], item["id"] in used)
                if item["action"] == "add"
                else _plan_existing(session, rules, party, item, pointer, family=fam.name, deleted=deleted))
        work[item["id"]] = {"item": item["id"], "action": item["action"], **step}
    _refuse_second_uni_at_a_site(session, rules, fam.name, items, work)
    sequence = _item_order(items)
    order_id = new_id()
    quote_contract.bind_quotes(session, family=fam.name, party=party, order_id=order_id, items=items, work=work,
                               wake=wake)
    now = iso()
    document: dict[str, Any] = {
        **{k: payload[k] for k in ("externalId", "projectId", "note", "relatedContactInformation") if k in payload},
        "id": order_id, "href": f"{base_url}{fam.order_base}/productOrder/{order_id}", "orderDate": now,
        "state": "acknowledged", "stateChange": [{"state": "acknowledged", "changeDate": now}],
        "productOrderItem": [{**item, "state": "acknowledged",
                              "stateChange": [{"state": "acknowledged", "changeDate": now}]} for item in items],
    }
    row = orders.add(session, family=fam.name, owner=party, state="acknowledged", document=document,
                     resource_id=order_id, external_key=None)
    plans.add(session, family=fam.name, owner=party, state="planned", resource_id=f"plan-{order_id}",
              document={"order": order_id, "sequence": sequence, "work": work})
    record(session, order_id=order_id, step="4", reference_point=fam.name.upper(),
           source="Customer" if fam.name == "cantata" else f"Buyer {party}", target=f"BUS-{config.name}",
           operation=f"POST productOrder ({len(items)} item(s))")
    return row


def _refuse_second_uni_at_a_site(session: Session, rules: OfferingRules, family: str, items: list[dict[str, Any]],
                                 work: dict[str, Any]) -> None:
    """A site's edge point is one UNI: a UNI item at a site that holds a UNI product in service
    already (or twice in one order) is refused, naming the product to connect to instead."""
    taken: dict[str, str] = {}
    for n, item in enumerate(items):
        step = work[item["id"]]
        site = (step.get("end") or {}).get("site") if step.get("kind") == "uni" else None
        if site is None:
            continue
        where = f"/productOrderItem/{n}/product/place/0"
        if site in taken:
            raise _fail(f"Item {item['id']} adds a second UNI at site {site}, where item {taken[site]} adds one: "
                        "connect both EVCs to that UNI item", where)
        taken[site] = item["id"]
        held = uni_at_site(session, site, is_uni=lambda o: o is not None and rules.kind_of(o, family) == "uni")
        if held is not None:
            raise _fail(f"Site {site} has its UNI already (product {held.id}, {held.state}): connect the EVC to "
                        "that UNI by its product id (productRelationship) instead of adding one", where)

