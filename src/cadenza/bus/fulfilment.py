"""Delivering a product order (MEF 55.0.1 §10.2 steps 5-7 and 13-14) as a durable workflow.

The workflow id is the order id. Each step is idempotent: a service order is found by its
externalId before one is created, state changes check where they already are, so a process
killed anywhere resumes without ordering anything twice. The order is atomic: if any item
fails, or the customer cancels, every service already delivered for it is taken down again.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import logging
import time
from typing import Any

from dbos import DBOS

from cadenza.bus.billing import bill_change, stop_billing
from cadenza.bus.control_policies import control_policy
from cadenza.bus.lead_time import expected_completion, installation_days
from cadenza.bus.ordering import order_plan, plans
from cadenza.bus.partner_choice import Choice, Decision, decide
from cadenza.bus.product_inventory import new_product, product_transition, products
from cadenza.bus.product_order import (
    ITEM_FINAL,
    TERMINAL,
    add_milestone,
    family,
    orders,
    set_expected_completion,
    transition_to,
)
from cadenza.bus.runtime import Bus, bus_of
from cadenza.bus.sonata_access import TEST_MILESTONE
from cadenza.core.clock import parse_iso
from cadenza.core.patience import durable_pause
from cadenza.core.trace import record
from cadenza.core.wakeups import WAKEUPS
from cadenza.core.workflows import (
    current_attempt,
    declare_queue,
    enqueue_once,
    enqueue_or_restart,
    retry_unless_stopping,
    start_once,
)
from cadenza.interfaces.legato import builders
from cadenza.interfaces.legato.client import LegatoRejected
from cadenza.interfaces.legato.paths import OVC_TYPE, WAITING_NOTE_PREFIX

__all__ = ["submit_order", "request_cancel", "service_order_event", "workflow_id"]

log = logging.getLogger(__name__)
FINAL = {"completed", "failed", "rejected", "partial"}
CANCELLING = {"assessingCancellation", "pendingCancellation"}
# How long a wait trusts the notifications before reading the service order anyway.
SAFETY_NET_S = 30.0


def workflow_id(order_id: str) -> str:
    return f"bus-order-{order_id}"


# However many orders are accepted at once, this many are worked on at a time; the rest wait
# (acknowledged, in the durable queue). Each waits mostly on its SOF, so the figure bounds
# threads and concurrent LEGATO calls rather than throughput. An order held for a partner gives
# its place back (`await_held_order_partner`). The domain's `order_queue_concurrency` sets the figure.
ORDERS_QUEUE = declare_queue("bus-product-orders", worker_concurrency=64)


def submit_order(bus: Bus, order_id: str) -> None:
    enqueue_once(ORDERS_QUEUE, fulfil_product_order, workflow_id(order_id), bus.name, order_id)


# An order in one of these has (or is to have) a workflow working on it.
UNFINISHED = ("acknowledged", "inProgress", *CANCELLING)


def resume_order(bus: Bus, order_id: str) -> None:
    """At start-up, for an order not finished: queue its workflow, find it queued or running,
    or run it again when it ended without finishing (its steps find what is done). For an order
    that was held, that is the last of its chain (`<id>-held-<n>`, `<id>-go-<n>`), with its own
    arguments."""
    link = _last_link(workflow_id(order_id))
    if link is None:
        enqueue_or_restart(ORDERS_QUEUE, fulfil_product_order, workflow_id(order_id), bus.name, order_id)
        return
    attempt = current_attempt(link)
    if DBOS.get_workflow_status(attempt) is not None:
        return  # waiting, queued, running or done: DBOS recovers it itself
    [status] = DBOS.list_workflows(workflow_ids=[link], load_output=False)
    args = status.input["args"] if status.input else (bus.name, order_id)
    if link.rsplit("-", 2)[-2] == "held":
        start_once(await_held_order_partner, attempt, *args)
    else:
        enqueue_once(ORDERS_QUEUE, fulfil_product_order, attempt, *args)


def _last_link(base: str) -> str | None:
    """The id of the last waiter or continuation an order's held items made, if any."""
    last = None
    for n in itertools.count(1):
        for link in (f"{base}-held-{n}", f"{base}-go-{n}"):
            if DBOS.get_workflow_status(link) is None:
                return last
            last = link
    raise AssertionError("unreachable")


def _news_of(order_id: str) -> str:
    return f"bus-order:{order_id}"


def request_cancel(order_id: str) -> None:
    """The order is already `assessingCancellation` in the database (that is what the workflow
    reads); this only makes a waiting workflow look now."""
    WAKEUPS.notify(_news_of(order_id))


def service_order_event(order_id: str, service_order_id: str) -> None:
    """A LEGATO notification arrived: wake the order's workflow (it re-reads the state itself),
    in whichever worker of the domain it runs."""
    if not WAKEUPS.notify(_news_of(order_id)):
        # Said only when that is known: nothing here waits and there is no other worker (the
        # relay's other processes cannot answer whether one of theirs woke).
        log.debug("no workflow waits for service order %s of order %s", service_order_id, order_id)


def _trace(session: Any, order_id: str, step: str, rp: str, source: str, target: str, op: str,
           detail: str | None = None) -> None:
    record(session, order_id=order_id, step=step, reference_point=rp, source=source, target=target, operation=op,
           detail=detail)


# -- steps ----------------------------------------------------------------------------------
@DBOS.step()
def begin_order(domain: str, order_id: str) -> dict[str, Any]:
    """inProgress, each item too; an `add` item's product appears (pendingActive). An order
    cancelled before its workflow began has nothing left to begin."""
    bus = bus_of(domain)
    with bus.database.transaction() as session:
        row = orders.get(session, order_id, None, for_update=True)
        plan = order_plan(session, order_id)
        if row.state != "acknowledged":
            return plan
        fam = family(row.family)
        transition_to(session, row, "inProgress", wake=bus.wake)
        for item in row.document["productOrderItem"]:
            transition_to(session, row, "inProgress", item_id=item["id"], wake=bus.wake)
            work = plan["work"][item["id"]]
            if item["action"] == "add" and "product_id" not in work:
                product = new_product(session, family=row.family, owner=row.owner, order_id=order_id,
                                      base=bus.public_url + fam.inventory_base, item=item,
                                      site=(work.get("end") or {}).get("site") if work["kind"] == "uni" else None)
                work["product_id"] = product.id
            if (work["kind"] in ("evc", "access", "internet") and not _off_net(work)) or (
                    work["kind"] == "existing" and work.get("offering")):
                _expect(session, bus, row, work)
        _relate_to_unis(session, plan, bus.public_url + fam.inventory_base)
        _store_plan(session, order_id, plan)
        _trace(session, order_id, "5", "internal", "BUS", "BUS",
               f"product to service mapping of {len(plan['work'])} item(s)")
        return plan


def _relate_to_unis(session: Any, plan: dict[str, Any], base: str) -> None:
    """An EVC (or Access E-Line) product names the UNI products it connects to, as MEF 125 and 106
    relate them (CONNECTS_TO_UNI_A / _Z / CONNECTS_TO_UNI): UNIs added by items of this order get
    their new product ids; existing UNIs were named by the buyer already."""
    for work in plan["work"].values():
        if work["action"] != "add" or not work.get("unis") or not work.get("product_id"):
            continue
        product = products.get(session, work["product_id"], None)
        document = dict(product.document)
        relations = [r for r in document.get("productRelationship") or [] if r.get("relationshipType")]
        for uni in work["unis"]:
            uni_id = plan["work"][uni["item"]]["product_id"] if uni["item"] else uni["product"]
            relations = [r for r in relations if r.get("id") != uni_id]
            relations.append({"relationshipType": uni["relationshipType"], "id": uni_id,
                              "href": f"{base}/product/{uni_id}"})
        document["productRelationship"] = relations
        products.save(product, document)


def _off_net(work: dict[str, Any]) -> bool:
    return any(end["edge_point"] is None for end in work.get("ends", []))


def _expect(session: Any, bus: Bus, row: Any, work: dict[str, Any]) -> None:
    """The item's expectedCompletionDate from the lead-time model (the order date + the lead time,
    the partner's quoted one counted once a partner is chosen)."""
    days = installation_days(bus.rules.lead_time_days, work["offering"], off_net=_off_net(work),
                             partner_days=[end.get("partner_lead_days") for end in work.get("ends", [])])
    start = parse_iso(row.document["orderDate"])
    set_expected_completion(session, row, work["item"], expected_completion(days, start=start), wake=bus.wake)


@DBOS.step()
def expect_completion(domain: str, order_id: str, item_id: str) -> None:
    """Once an off-net item's partners are chosen, its expected completion date is known."""
    bus = bus_of(domain)
    with bus.database.transaction() as session:
        row = orders.get(session, order_id, None, for_update=True)
        _expect(session, bus, row, order_plan(session, order_id)["work"][item_id])


def _store_plan(session: Any, order_id: str, plan: dict[str, Any]) -> None:
    row = plans.get(session, f"plan-{order_id}", None)
    plans.save(row, plan)


def choose_partners(domain: str, order_id: str, item_id: str, since: float | None = None,
                    attempt: int = 0) -> dict[str, Any]:
    """Steps 3d/6: an off-net end is served by the partner the policy picks among those
    that qualify and quote for its address over SONATA. While a partner that could serve it
    does not answer: `{"wait": seconds, "since": ..., "reason": ...}` (bus/partner_choice.decide).
    Workflow code, not a step: the partners are asked at once, each ask a step of its own
    (bus.partner_asks), which a step could not start."""
    bus = bus_of(domain)
    plan = read_order_plan(domain, order_id)
    as_read = json.dumps(plan, sort_keys=True)
    work = plan["work"][item_id]
    moved: str | None = None
    for n, end in enumerate(work.get("ends", [])):
        if end["edge_point"] is None and not end.get("partner"):
            choice = bus.partners.choose_for(end["address"], work["mbps"], ce_vlan=end.get("ce_vlan"),
                                             eir_mbps=(work.get("bandwidth") or {}).get("eirMbps", 0))
            decision, at = decide_partner(domain, choice, since, attempt)
            if decision.kind == "wait":
                return {"wait": decision.retry_in_s, "since": at if since is None else since,
                        "reason": decision.reason}
            trace_partner_choice(domain, order_id, end["city"], decision.reason)
            if decision.kind == "fail":
                return {"error": f"No partner can serve {end['city']}: {decision.reason}"}
            end["partner"] = decision.partner
            end["partner_lead_days"] = choice.lead_time_days if decision.partner == choice.partner else None
            moved = decision.reason if decision.failover else moved
        _note_uni_partner(plan, work, n, end)
    if json.dumps(plan, sort_keys=True) != as_read:  # an on-net item has nothing to store: no step for it
        store_order_plan(domain, order_id, plan)
    return {**work, "resumedBecause": moved} if moved else work


@DBOS.step()
def read_order_plan(domain: str, order_id: str) -> dict[str, Any]:
    with bus_of(domain).database.transaction() as session:
        return order_plan(session, order_id)


@DBOS.step()
def decide_partner(domain: str, choice: Choice, since: float | None, attempt: int) -> tuple[Decision, float]:
    """The partner policy's decision on `choice` now, and when now was (recorded: a replay
    decides the same, jitter included)."""
    at = time.time()
    return decide(choice, since=since, at=at, attempt=attempt, patience=bus_of(domain).partner_patience), at


@DBOS.step()
def trace_partner_choice(domain: str, order_id: str, city: str, reason: str) -> None:
    with bus_of(domain).database.transaction() as session:
        _trace(session, order_id, "6", "SONATA", "BUS-sp", "BUS-partners", f"qualify and quote access at {city}",
               reason)


@DBOS.step()
def store_order_plan(domain: str, order_id: str, plan: dict[str, Any]) -> None:
    with bus_of(domain).database.transaction() as session:
        _store_plan(session, order_id, plan)


def _note_uni_partner(plan: dict[str, Any], work: dict[str, Any], index: int, end: dict[str, Any]) -> None:
    """A partner's UNI added by this order is the partner of the end connected to it: noted on
    the UNI item's work, as a later EVC on that UNI reads it (bus.order_plans.offnet_uni)."""
    letter = ("A", "Z")[index] if index < 2 else None
    for uni in work.get("unis") or []:
        if uni.get("item") and uni.get("end") == letter and end.get("partner") and uni["item"] in plan["work"]:
            plan["work"][uni["item"]]["partner"] = end["partner"]


@DBOS.step()
def item_waits(domain: str, order_id: str, item_id: str, target: str, reason: str, step: str = "6") -> None:
    """An item held while a partner does not answer (`held`, MEF 123 item diagram), or back
    `inProgress` once it does; the reason goes in the item's stateChange and the trace."""
    bus = bus_of(domain)
    with bus.database.transaction() as session:
        row = orders.get(session, order_id, None)
        item = next(i for i in row.document["productOrderItem"] if i["id"] == item_id)
        if item["state"] == target or item["state"] not in ("inProgress", "held"):
            return  # replayed, or finished meanwhile
        transition_to(session, row, target, item_id=item_id, reason=reason, wake=bus.wake)
        _trace(session, order_id, step, "internal", "BUS-sp", "BUS-sp", f"order item {item_id} {target}", reason)


def _partner_site(address: dict[str, Any]) -> dict[str, str]:
    """The address fields the SOF's placement hint takes (docs/legato-profile.md)."""
    return {k: v for k, v in address.items() if k in ("streetNr", "streetName", "city", "postcode", "country")}


def _customer_contact(row: Any) -> dict[str, Any]:  # noqa: ANN401 - a ProductOrderRow
    """Who the service is for, as LEGATO's relatedContactInformation says it (docs/legato-profile.md):
    the buyer's first contact on the order, with role `customer` and the buyer's party as organization,
    so the SOF can show the service to that customer over ALLEGRO and to nobody else."""
    contacts = row.document.get("relatedContactInformation") or [{}]
    first = contacts[0]
    return {"role": "customer", "organization": row.owner, "name": first.get("name") or row.owner,
            "emailAddress": first.get("emailAddress", ""), "number": first.get("number", "")}


def _service_order_payload(order_id: str, work: dict[str, Any], customer: dict[str, Any],
                           control: dict[str, Any] | None = None) -> dict[str, Any]:
    """`control`: the product's dynamic control policy (bus/control_policies.py), for an added service."""
    external = f"{order_id}/{work['item']}"
    if work["action"] == "delete":
        item = builders.delete_item("1", work["service_id"])
    elif work["action"] == "modify":
        item = _modify_item(work)
    elif work["kind"] == "internet":
        config = builders.internet_configuration(uni=work["ends"][0]["edge_point"], ce_vlan=work["ends"][0]["ce_vlan"],
                                                 bandwidth_mbps=work["mbps"], identifier=external, control=control)
        item = builders.add_evc_item("1", config, name=external)
    elif work["kind"] == "access":
        access = work["access"]
        config = builders.ovc_access_configuration(
            site={"id": access["end"]["site"]} if access["end"]["site"] else access["end"]["address"],
            ce_vlan=access["end"]["ce_vlan"], enni=access["enni"], s_vlan=access["s_vlan"],
            bandwidth_mbps=work["mbps"], identifier=external, bandwidth_profile=work.get("bandwidth"))
        item = builders.add_evc_item("1", config, name=external)
    else:
        ends = [builders.on_net(e["edge_point"], e["ce_vlan"]) if e["edge_point"]
                else builders.off_net(e["partner"], address=_partner_site(e["address"]), ce_vlan=e["ce_vlan"],
                                      quote_item=e.get("partnerQuoteItem"))
                for e in work["ends"]]
        item = builders.add_evc_item("1", builders.evc_configuration(*ends, bandwidth_mbps=work["mbps"],
                                                                      identifier=external,
                                                                      bandwidth_profile=work.get("bandwidth"),
                                                                      sls=work.get("sls"), control=control),
                                     name=external)
    if item["action"] == "add":
        item["service"]["relatedContactInformation"] = [customer]
    return builders.service_order(item, external_id=external, description=f"product order {order_id}")


def _modify_item(work: dict[str, Any]) -> dict[str, Any]:
    """A modify's service order item: the new bandwidth and, when they change, the CE-VLANs
    (an EVC's per end point, an Access E-Line's at its UNI)."""
    kind = work.get("product_kind")
    vlans, before = work.get("vlans") or [], work.get("previous_vlans") or []
    moved = vlans != before
    if kind == "access":
        return builders.modify_item("1", work["service_id"], work["mbps"], service_type=OVC_TYPE,
                                    ce_vlan=vlans[0] if moved and vlans else None)
    return builders.modify_item("1", work["service_id"], work["mbps"], end_vlans=vlans if moved else None)


@DBOS.step(retries_allowed=True, max_attempts=8, interval_seconds=1.0, backoff_rate=2.0,
            should_retry=retry_unless_stopping)
def request_service(domain: str, order_id: str, work: dict[str, Any]) -> dict[str, str]:
    """Step 7 (BUS -> LEGATO -> SOF). The externalId makes a retried step find its order; a
    refusal is an answer (returned), an outage is retried."""
    bus = bus_of(domain)
    with bus.database.read() as session:
        customer = _customer_contact(orders.get(session, order_id, None))
    policy = control_policy(work.get("offering"), bus.config.dynamic_control) if work["action"] == "add" else None
    payload = _service_order_payload(order_id, work, customer,
                                     policy.model_dump(mode="json") if policy is not None else None)
    existing = bus.legato.list_service_orders(externalId=payload["externalId"])
    try:
        created = existing[0] if existing else bus.legato.create_service_order(payload)
    except LegatoRejected as exc:
        with bus.database.transaction() as session:
            _trace(session, order_id, "7", "LEGATO", "BUS-sp", "SOF-sp", "POST serviceOrder refused", exc.reason)
        return {"error": f"service orchestration refused item {work['item']}: {exc.reason}"}
    bus.services[created["id"]] = order_id
    with bus.database.transaction() as session:
        _trace(session, order_id, "7", "LEGATO", "BUS-sp", "SOF-sp",
               f"POST serviceOrder ({work['action']} {work.get('kind', '')}) -> {created['id']}")
    return {"id": created["id"]}


def _service_order_state(bus: Bus, service_order_id: str) -> dict[str, Any]:
    order = bus.legato.get_service_order(service_order_id)
    item = order["serviceOrderItem"][0]
    service_id = (item.get("service") or {}).get("id")
    reasons = [e.get("value") or e.get("code") for e in item.get("terminationError", []) or []]
    notes = order.get("note", []) or []
    reasons += [n.get("text") for n in notes if n.get("text") and not _waiting(n)]
    waiting = [n.get("text") for n in notes if _waiting(n)]
    return {"state": order["state"], "service": service_id, "reason": "; ".join(r for r in reasons if r),
            "waiting": waiting[-1] if waiting else None}


def _waiting(note: dict[str, Any]) -> bool:
    return str(note.get("id", "")).startswith(WAITING_NOTE_PREFIX)


def _cancel_requested(bus: Bus, order_id: str) -> bool:
    with bus.database.read() as session:
        return orders.get(session, order_id, None).state in CANCELLING


@DBOS.step()
def order_cancel_requested(domain: str, order_id: str) -> bool:
    return _cancel_requested(bus_of(domain), order_id)


@DBOS.step(retries_allowed=True, max_attempts=5, interval_seconds=1.0,
            should_retry=retry_unless_stopping)
def await_service_order(domain: str, order_id: str, service_order_id: str, cancel_known: bool,
                        held_known: bool = False) -> dict[str, Any]:
    """Step 13: wait until the service order is finished, the customer newly asks to cancel, or
    the order goes `held` (waiting for a partner) or back from it. Woken by the SOF's LEGATO
    notifications; reads anyway every SAFETY_NET_S."""
    bus = bus_of(domain)
    with WAKEUPS.watch(_news_of(order_id)) as news:
        while True:
            news.clear()
            state = _service_order_state(bus, service_order_id)
            cancel = _cancel_requested(bus, order_id)
            if state["state"] in FINAL or (cancel and not cancel_known) or (state["state"] == "held") != held_known:
                return {**state, "cancel": cancel}
            WAKEUPS.pause(news, SAFETY_NET_S)


@DBOS.step(retries_allowed=True, max_attempts=5, interval_seconds=1.0,
            should_retry=retry_unless_stopping)
def cancel_service_order(domain: str, order_id: str, service_order_id: str) -> None:
    """The customer cancels while the service order waits for a partner: the SOF stops waiting
    and undoes what it did (the order then ends failed, and the product order cancelled)."""
    bus = bus_of(domain)
    try:
        bus.legato.cancel_service_order(service_order_id)
    except LegatoRejected as exc:  # finished meanwhile: nothing to stop
        log.info("service order %s of order %s not cancelled: %s", service_order_id, order_id, exc.reason)
        return
    with bus.database.transaction() as session:
        _trace(session, order_id, "13", "LEGATO", "BUS-sp", "SOF-sp",
               f"cancel serviceOrder {service_order_id} (held, the customer cancelled)")


@DBOS.step()
def item_done(domain: str, order_id: str, work: dict[str, Any], outcome: dict[str, Any]) -> None:
    bus = bus_of(domain)
    test = None
    addressing = None
    if outcome["state"] == "completed" and work.get("kind") in ("access", "internet") and work["action"] == "add":
        # read before the transaction: no call to another entity while holding the database
        service = bus.legato.get_service(outcome["service"])
        configuration = service.get("serviceConfiguration") or {}
        if work["kind"] == "access":
            test = configuration.get("cadenzaActivationTest")
        else:
            addressing = ((configuration.get("cadenzaDesign") or {}).get("internet") or {}).get("addressing")
    with bus.database.transaction() as session:
        row = orders.get(session, order_id, None)
        plan = order_plan(session, order_id)
        plan["work"][work["item"]]["outcome"] = outcome
        _store_plan(session, order_id, plan)
        if outcome["state"] == "completed":
            _trace(session, order_id, "13", "LEGATO", "SOF-sp", "BUS-sp",
                   f"serviceOrder {outcome.get('serviceOrder')} completed: service {outcome['service']} active")
            if work["action"] == "add":
                product = products.get(session, plan["work"][work["item"]]["product_id"], None)
                product.external_key = outcome["service"]
                if addressing:
                    _show_addressing(product, addressing)
            if test:
                # How the segment tested, as a milestone of its item, so the buyer's SOF can include
                # it in the end-to-end result (step 11).
                add_milestone(session, row, work["item"], TEST_MILESTONE,
                              f"result={test['result']} frameDelayMs={test['frameDelayMs']} "
                              f"frameLossRatio={test['frameLossRatio']} "
                              f"informationRateMbps={test['informationRateMbps']}", wake=bus.wake)
        else:
            _trace(session, order_id, "13", "LEGATO", "SOF-sp", "BUS-sp",
                   f"serviceOrder {outcome.get('serviceOrder')} {outcome['state']}", outcome.get("reason"))
            item = next(i for i in row.document["productOrderItem"] if i["id"] == work["item"])
            if item["state"] not in ITEM_FINAL:  # a cancelled item stays cancelled
                if item["state"] == "held":
                    transition_to(session, row, "inProgress", item_id=work["item"], wake=bus.wake)
                transition_to(session, row, "failed", item_id=work["item"], reason=outcome.get("reason"),
                              wake=bus.wake, error={"code": "otherIssue", "value": (outcome.get("reason") or "")[:255]})


def _show_addressing(product: Any, addressing: dict[str, Any]) -> None:
    """An Internet Access's addressing, where MEF 139 puts it: the UNI Access Link's IPv4
    Connection Addressing (one primary subnet with the Service Provider's address and the
    subscriber's, handed out by DHCP; MEF 69.1 §9.4 [R23], [R25])."""
    network = ipaddress.IPv4Network(addressing["ipv4-prefix"])
    document = dict(product.document)
    configuration = dict(document.get("productConfiguration") or {})
    configuration["ipUniAccessLink"] = {**(configuration.get("ipUniAccessLink") or {}), "ipv4ConnectionAddressing": [{
        "ipv4PrimarySubnet": {"ipv4Prefix": {"ipv4Address": str(network.network_address),
                                             "prefixLength": network.prefixlen},
                              "serviceProviderIpv4Addresses": [addressing["gateway-ipv4-address"]],
                              "subscriberIpv4Address": [addressing["subscriber-ipv4-address"]]}}]}
    document["productConfiguration"] = configuration
    products.save(product, document)


@DBOS.step(retries_allowed=True, max_attempts=5, interval_seconds=1.0, should_retry=retry_unless_stopping)
def services_gone(domain: str, service_ids: list[str]) -> list[str]:
    """Which of these services the SOF no longer holds (terminated or unknown): what a failed
    order's delete items really did, read from service inventory rather than assumed."""
    bus = bus_of(domain)
    gone = []
    for service_id in service_ids:
        try:
            state = bus.legato.get_service(service_id).get("state")
        except LegatoRejected as exc:
            if exc.status != 404:
                raise
            state = None
        if state in (None, "terminated"):
            gone.append(service_id)
    return gone


@DBOS.step()
def uni_assigned(domain: str, order_id: str, work: dict[str, Any]) -> None:
    bus = bus_of(domain)
    end = work.get("end") or {}
    where = (f"edge point {end['edge_point']}" if end.get("edge_point")
             else f"{end.get('city')}, with the partner's access line of the EVC on it")
    with bus.database.transaction() as session:
        _trace(session, order_id, "5", "internal", "BUS", "BUS",
               f"UNI {work['action']}: {where}" if work["action"] == "add" else f"UNI {work['product_id']} released")


@DBOS.step()
def finish_product_order(domain: str, order_id: str, target: str, reason: str | None,
                         gone: list[str] | None = None) -> str:
    """Step 14: the order's end state and its products, all in one transaction, as the network
    is: an `add` that did not complete leaves its product `cancelled` (never active), a `modify`
    leaves it as it was (its change was undone), a `delete` leaves it `active` unless its service
    is `gone`. Answers "cancel" without finishing when a cancellation arrived after the last
    item was delivered: the workflow releases what it delivered first."""
    bus = bus_of(domain)
    with bus.database.transaction() as session:
        row = orders.get(session, order_id, None, for_update=True)
        if row.state in TERMINAL:
            return row.state
        if row.state in CANCELLING:
            if target == "completed":
                return "cancel"
            target, reason = "cancelled", reason or "Cancelled at the customer's request; everything was released"
        plan = order_plan(session, order_id)
        for item in row.document["productOrderItem"]:
            work = plan["work"][item["id"]]
            product = products.get(session, work["product_id"], None) if work.get("product_id") else None
            if target == "completed":
                transition_to(session, row, "completed", item_id=item["id"], wake=bus.wake)
                if product is not None:
                    _settle_product(product, work)
                    if work["action"] == "delete":
                        stop_billing(session, product.id)
                    elif work["action"] == "modify":
                        bill_change(session, bus, product.id, work)
                continue
            _end_item(session, row, item["id"], target, reason, bus.wake)
            if product is not None and work["action"] == "add":
                product_transition(product, "cancelled", reason=reason)
            elif product is not None and work["action"] == "delete" and work.get("service_id") in (gone or []):
                product_transition(product, "pendingTerminate", reason=reason)
                product_transition(product, "terminated", reason="its service was disconnected before the order "
                                                                 "failed")
                stop_billing(session, product.id)
        if target == "cancelled" and row.state == "assessingCancellation":
            transition_to(session, row, "pendingCancellation", wake=bus.wake)
        transition_to(session, row, target, reason=reason, wake=bus.wake)
        _trace(session, order_id, "14", row.family.upper(), "BUS-sp", "Customer" if row.family == "cantata"
               else "Buyer", f"productOrder {target}", reason)
        return target


def _end_item(session: Any, row: Any, item_id: str, target: str, reason: str | None, wake: Any) -> None:
    """An unfinished item of an order that fails or is cancelled, along the item diagram: failed
    (from inProgress, held or pending), or cancelled (only from pending)."""
    state = next(i["state"] for i in row.document["productOrderItem"] if i["id"] == item_id)
    if state in ITEM_FINAL:
        return
    if target == "cancelled":
        if state == "held":
            transition_to(session, row, "inProgress", item_id=item_id, reason=reason, wake=wake)
        transition_to(session, row, "pending", item_id=item_id, reason=reason, wake=wake)
        transition_to(session, row, "cancelled", item_id=item_id, reason=reason, wake=wake)
    else:
        transition_to(session, row, "failed", item_id=item_id, reason=reason, wake=wake)


def _settle_product(product: Any, work: dict[str, Any]) -> None:
    if work["action"] == "add":
        product_transition(product, "active")
    elif work["action"] == "modify":
        product_transition(product, "active.pendingChange")
        document = dict(product.document)
        document["productConfiguration"] = work["configuration"]
        products.save(product, document)
        product_transition(product, "active")
    elif work["action"] == "delete":
        product_transition(product, "pendingTerminate")
        product_transition(product, "terminated")


# -- the workflow -------------------------------------------------------------------------------
def _await_service_order(domain: str, order_id: str, service_order_id: str, item_id: str | None = None, *,
                         cancel: bool = False) -> tuple[dict[str, Any], bool]:
    """Follow the service order by its notifications (polling only as a safety net); returns its
    final state and whether the customer asked to cancel meanwhile. Once the service order is
    `held` (its partner does not answer), so is the product order item `item_id`, with the SOF's
    word on what it waits for, and this returns `{"held": True}` at once: the order's workflow
    hands the waiting to `await_held_order_partner` rather than keep its place in the queue."""
    held = False
    while True:
        state = await_service_order(domain, order_id, service_order_id, cancel, held)
        cancel = cancel or state.pop("cancel")
        now_held = state["state"] == "held"
        if cancel and now_held:  # do not let the customer's cancel wait for a silent partner
            cancel_service_order(domain, order_id, service_order_id)
        if item_id is not None and now_held != held:
            item_waits(domain, order_id, item_id, "held" if now_held else "inProgress",
                       (state.get("waiting") or "the service order is held") if now_held
                       else "the partner answered again: work goes on", "13")
        if item_id is not None and now_held:
            return {"held": True}, cancel
        held = now_held
        if state["state"] in FINAL:
            return {**state, "serviceOrder": service_order_id}, cancel


def _choose_or_hold(domain: str, order_id: str, item_id: str) -> dict[str, Any]:
    """Choose the partners of an item; while a partner it needs does not answer, the item is held
    and `{"held": {since, attempt, wait}}` says how `await_held_order_partner` is to go on asking."""
    work = choose_partners(domain, order_id, item_id)
    if "wait" not in work:
        return work
    item_waits(domain, order_id, item_id, "held", work["reason"])
    return {"held": {"since": work["since"], "attempt": 1, "wait": work["wait"]}}


def _choose_patiently(domain: str, order_id: str, item_id: str, held: dict[str, Any]) -> dict[str, Any]:
    """Ask again after a durable, growing pause (a restart resumes the wait) until the partners
    are chosen (the item back inProgress), the partner's patience is spent, or the customer
    cancels."""
    since, attempt, wait = held["since"], held["attempt"], held["wait"]
    while True:
        durable_pause(wait, key=_news_of(order_id))
        if order_cancel_requested(domain, order_id):
            return {"cancelled": True}
        work = choose_partners(domain, order_id, item_id, since, attempt)
        if "wait" not in work:
            if "error" not in work:
                item_waits(domain, order_id, item_id, "inProgress",
                           work.get("resumedBecause") or "the partner answered again: work goes on")
            return work
        item_waits(domain, order_id, item_id, "held", work["reason"])
        attempt, wait = attempt + 1, work["wait"]


def _follow_held(domain: str, order_id: str, item_id: str, service_order_id: str, cancel: bool) -> bool:
    """Wait while the item's service order is held; stop the SOF's waiting if the customer
    cancels. Returns whether the customer cancelled."""
    while True:
        state = await_service_order(domain, order_id, service_order_id, cancel, True)
        cancel = cancel or state.pop("cancel")
        if state["state"] != "held":
            why = ("the partner answered again: work goes on" if state["state"] in ("inProgress", "completed")
                   else f"the wait for the partner ended: the service order is {state['state']}")
            item_waits(domain, order_id, item_id, "inProgress", why, "13")
            return cancel
        cancel_service_order(domain, order_id, service_order_id)  # held still: the customer newly cancelled


@DBOS.workflow()
def await_held_order_partner(domain: str, order_id: str, resume: dict[str, Any]) -> str:
    """While an order item is held for a partner: wait, outside the orders queue (this workflow is
    not queued), until the partner answers, its patience is spent or the customer cancels, then
    queue the order's work again where it stopped (`resume`). Durable like any workflow: a restart
    resumes the wait; the continuation's id is fixed, so it is queued once."""
    item_id = resume["item"]
    if "service_order" in resume:
        resume = {**resume, "cancel": _follow_held(domain, order_id, item_id, resume["service_order"],
                                                   resume.get("cancel", False))}
    else:
        chosen = _choose_patiently(domain, order_id, item_id, resume["choice"])
        resume = {**{k: v for k, v in resume.items() if k != "choice"}, "chosen": chosen}
    enqueue_once(ORDERS_QUEUE, fulfil_product_order, f"{resume['base']}-go-{resume['n']}", domain, order_id, resume)
    return "resumed"


def _hand_off(domain: str, order_id: str, resume: dict[str, Any]) -> str:
    """End this queued workflow, giving back its place in the queue, with a waiter for the partner."""
    n = resume.get("n", 0) + 1
    base = workflow_id(order_id)  # one chain per order, whichever attempt of its workflow holds
    resume = {**resume, "n": n, "base": base}
    start_once(await_held_order_partner, f"{base}-held-{n}", domain, order_id, resume)
    return "held"


def _rollback(domain: str, order_id: str, delivered: list[dict[str, Any]]) -> list[str]:
    """Undo what this order delivered, newest first: take down the services it brought up, set
    back the bandwidth it changed. A delete cannot be undone. Returns what could not be undone."""
    problems: list[str] = []
    for work in reversed(delivered):
        if not work.get("service_id"):
            continue
        if work["action"] == "add":
            undo = {**work, "action": "delete", "item": f"{work['item']}-rollback"}
        elif work["action"] == "modify" and work.get("previous_mbps"):
            undo = {**work, "mbps": work["previous_mbps"], "vlans": work.get("previous_vlans"),
                    "previous_vlans": work.get("vlans"), "item": f"{work['item']}-rollback"}
        else:
            continue
        requested = request_service(domain, order_id, undo)
        if "id" not in requested:
            problems.append(requested.get("error", f"item {work['item']} could not be undone"))
            continue
        outcome, _ = _await_service_order(domain, order_id, requested["id"])
        if outcome["state"] != "completed":
            problems.append(f"undoing item {work['item']} {outcome['state']}: {outcome.get('reason') or ''}".strip())
    return problems


def _close(domain: str, order_id: str, plan: dict[str, Any], delivered: list[dict[str, Any]], target: str,
           reason: str) -> str:
    """End an order that failed or was cancelled: undo what it delivered, then record what the
    network holds (which delete items' services are gone) with the order's end state."""
    problems = _rollback(domain, order_id, delivered)
    if problems:
        reason = f"{reason}; not everything could be undone: {'; '.join(problems)}"
    deleting = [w["service_id"] for w in plan["work"].values() if w["action"] == "delete" and w.get("service_id")]
    gone = services_gone(domain, deleting) if deleting else []
    return finish_product_order(domain, order_id, target, reason, gone)


@DBOS.workflow()
def fulfil_product_order(domain: str, order_id: str, resume: dict[str, Any] | None = None) -> str:
    """The order's work, item by item, from the start or, queued again by `await_held_order_partner`, from
    the item that was held (`resume`: where, what was delivered, what the wait found)."""
    plan = begin_order(domain, order_id)
    resume = resume or {}
    delivered: list[dict[str, Any]] = list(resume.get("delivered", []))
    failure: str | None = None
    cancelled = False
    sequence = plan["sequence"]
    for index in range(resume.get("at", 0), len(sequence)):
        item_id = sequence[index]
        resumed = resume if resume.get("item") == item_id else {}
        # a service order under way is followed to its end even if the customer cancelled: its
        # SOF is undoing what it did
        if not resumed.get("service_order") and (cancelled or order_cancel_requested(domain, order_id)):
            cancelled = True
            break
        work = plan["work"][item_id]
        if work.get("kind") == "uni":
            uni_assigned(domain, order_id, work)  # no service: the UNI is the site's port (ordering._plan_uni)
            continue
        here = {"at": index, "item": item_id, "delivered": delivered,
                **{k: resume[k] for k in ("n", "base") if k in resume}}
        service_order = resumed.get("service_order")
        if service_order is None:
            if work["action"] == "add" and work.get("kind") == "evc":
                work = resumed["chosen"] if "chosen" in resumed else _choose_or_hold(domain, order_id, item_id)
                if "held" in work:
                    return _hand_off(domain, order_id, {**here, "choice": work["held"]})
                if "cancelled" in work:
                    cancelled = True
                    break
                if "error" in work:
                    failure = work["error"]
                    break
                if _off_net(work):
                    expect_completion(domain, order_id, item_id)
            requested = request_service(domain, order_id, work)
            if "error" in requested:
                failure = requested["error"]
                break
            service_order = requested["id"]
        outcome, cancel_seen = _await_service_order(domain, order_id, service_order, item_id,
                                                    cancel=resumed.get("cancel", False))
        if outcome.get("held"):
            return _hand_off(domain, order_id, {**here, "service_order": service_order, "cancel": cancel_seen})
        cancelled = cancelled or cancel_seen
        item_done(domain, order_id, work, outcome)
        if outcome["state"] != "completed":
            failure = f"Item {item_id} could not be delivered: {outcome.get('reason') or outcome['state']}"
            break
        delivered.append({**work, "service_id": outcome["service"]})
    if failure or cancelled:
        target = "cancelled" if cancelled and not failure else "failed"
        return _close(domain, order_id, plan, delivered, target,
                      failure or "Cancelled at the customer's request; everything was released")
    finished = finish_product_order(domain, order_id, "completed", None)
    if finished == "cancel":  # the cancellation came after the last item was delivered
        return _close(domain, order_id, plan, delivered, "cancelled",
                      "Cancelled at the customer's request; everything was released")
    return finished
