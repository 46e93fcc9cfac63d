"""Fulfilment of a service order (MEF 55.0.1 steps 8-13) as a DBOS workflow whose id is the
order id: a resubmitted or recovered order runs nothing twice.

Per item: `add` reserves S-VLANs, creates every on-net segment over PRESTO and the partner
segment through `PartnerAccess`, tests end to end, starts proactive PM and activates the
service; `modify` changes the bandwidth and CE-VLANs on every segment and at the partner; `delete`
removes everything. Any failure (and a cancellation) is compensated step by step, so the
network and the partner hold nothing for a failed item, whose termination error says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from dbos import DBOS
from sqlalchemy import select

from cadenza.core.patience import Patience, Waiting, durable_now, durable_pause
from cadenza.core.workflows import start_once, start_or_restart
from cadenza.sof import service_inventory as inventory
from cadenza.sof import service_order as orders
from cadenza.sof import steps
from cadenza.sof.control.rows import ScheduledChangeRow
from cadenza.sof.rows import ServiceOrderRow
from cadenza.sof.service import Sof, cancel_news

__all__ = ["Failed", "fulfil", "submit", "resume_all"]

CANCELLED = steps.CANCELLED


class Failed(Exception):
    """An item cannot be fulfilled; `reason` is what a person needs to act on it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Item:
    sof: str
    order_id: str
    item_id: str
    service_id: str

    def sof_option(self, party: str | None) -> str | None:
        return steps.partner_option(self.sof, party)

    def check_cancel(self) -> None:
        if steps.cancel_requested(self.sof, self.order_id):
            raise Failed(CANCELLED)


def _as_failed(exc: Exception) -> Failed:
    return exc if isinstance(exc, Failed) else Failed(f"{type(exc).__name__}: {exc}")


def _ok(problem: str | None) -> None:
    if problem:
        raise Failed(problem)


def _patiently(item: Item, party: str, what: str, call: Callable[[], dict[str, Any]], *,
               cancellable: bool = True) -> dict[str, Any]:
    """Run a partner step until the partner answers. While it does not (`{"unanswered": ...}`)
    the item is `held` with what it waits for, and the step is tried again after a durable,
    growing pause (a restart resumes the wait); the item goes back `inProgress` when the
    partner answers, and fails once the partner's patience (its configuration) is spent."""
    sof = steps.registered(item.sof)
    patience = sof.partner_patience.get(party, Patience())
    since: float | None = None
    attempt = 0
    while True:
        outcome = call()
        if "unanswered" not in outcome:
            if since is not None:
                steps.item_held(item.sof, item.order_id, item.item_id, False, f"{party} answered again")
                steps.note(item.sof, item.order_id, "9b", "internal", f"SOF-{item.sof}",
                           f"{sof.partner_names.get(party, party)} ({party}) answered {what} again: work goes on")
            return outcome
        at = durable_now()
        since = at if since is None else since
        waiting = Waiting(party, sof.partner_names.get(party, party), what, since, patience)
        if waiting.expired(at):
            raise Failed(waiting.gave_up(outcome["unanswered"]))
        if attempt == 0:
            steps.note(item.sof, item.order_id, "9b", "internal", f"SOF-{item.sof}", "service order item held",
                       waiting.reason(outcome["unanswered"]))
        steps.item_held(item.sof, item.order_id, item.item_id, True, waiting.reason())
        durable_pause(min(patience.retry_in(attempt), max(waiting.gives_up_at - at, 0.0)),
                      key=cancel_news(item.order_id) if cancellable else None)
        attempt += 1
        if cancellable:  # taking things down (undo, delete) goes on whatever the requester says
            item.check_cancel()


# -- add --------------------------------------------------------------------------------------
def _add(item: Item) -> None:
    # Each step records its own line of the trace and reads a cancellation itself: one durable
    # step per state change, not three (the step, its note, a cancellation check).
    design = steps.reserve_resources(item.sof, item.service_id, item.order_id)  # step 8
    if "problem" in design:
        steps.settle_service(item.sof, item.service_id, inventory.TERMINATED, design["problem"])
        raise Failed(design["problem"])
    done: list[dict[str, Any]] = []
    partner_ref: str | None = None
    note = partial(steps.note, item.sof, item.order_id)
    partner_party = (design.get("partner") or {}).get("party")
    try:
        for segment in design["segments"]:  # step 9a
            problem = steps.create_segment(item.sof, item.service_id, segment, design["mbps"], design["maxDelayMs"],
                                           item.order_id)
            _ok(problem)
            done.append(segment)
        for segment in done:  # step 10
            _ok(steps.await_segment(item.sof, segment, item.order_id))
        if design.get("internet"):
            steps.record_addressing(item.sof, item.service_id)
        partner_status = None
        if design["partner"]:  # step 9b
            item.check_cancel()
            ordered = _patiently(item, partner_party, "the order of the access segment", partial(
                steps.order_partner, item.sof, item.service_id, design["partner"], design["mbps"],
                design["maxDelayMs"]))
            if item.sof_option(partner_party) == "interlude":
                note("9b", "INTERLUDE", f"SOF-{partner_party}", "order the access segment", ordered.get("problem"))
            else:  # the second option: LEGATO to our BUS, which orders over SONATA
                note("9b", "LEGATO", f"BUS-{item.sof}", "order the partner's access segment", ordered.get("problem"))
                note("9b", "SONATA", f"BUS-{partner_party}", "order the access segment", ordered.get("problem"),
                     f"BUS-{item.sof}")
            _ok(ordered.get("problem"))
            partner_ref = ordered["reference"]
            partner_status = _patiently(item, partner_party, f"progress of access segment {partner_ref}", partial(
                steps.await_partner, item.sof, partner_party, partner_ref, "active"))
            if partner_status["state"] != "active":
                raise Failed(f"partner {design['partner']['party']} could not deliver the access segment: "
                             f"{partner_status.get('reason') or partner_status['state']}")
        test = steps.test_service(item.sof, item.service_id, partner_status, item.order_id)  # step 11
        if test["result"] == "CANCELLED":
            raise Failed(CANCELLED)
        if test["result"] != "PASS":
            raise Failed("the end-to-end activation test failed: " + "; ".join(test["failures"]))
        steps.start_pm(item.sof, item.service_id, item.order_id)  # step 12
        steps.settle_service(item.sof, item.service_id, inventory.ACTIVE, None)  # step 13
    except Exception as exc:  # a step out of retries (an ICM or partner unreachable) fails the item too
        failure = _as_failed(exc)
        _undo(item, done, design, partner_ref)
        steps.settle_service(item.sof, item.service_id, inventory.TERMINATED, failure.reason)
        raise failure from None


def _undo(item: Item, segments: list[dict[str, Any]], design: dict[str, Any], partner_ref: str | None) -> None:
    for segment in reversed(segments):
        steps.remove_segment(item.sof, segment)
    if partner_ref is not None:
        party = design["partner"]["party"]
        _patiently(item, party, f"removal of access segment {partner_ref}", partial(
            steps.remove_partner, item.sof, party, partner_ref, f"{item.service_id}-remove"), cancellable=False)


# -- modify and delete ------------------------------------------------------------------------
def _segment_ends(segment: dict[str, Any], vlans: dict[str, int | None]) -> list[tuple[str, int]]:
    """The segment's end points a VLAN change moves: (UNI edge point, CE-VLAN in `vlans`)."""
    return [(segment[e]["edgePoint"], vlan) for e in ("a", "z")
            if segment[e]["edgePoint"] in vlans and (vlan := vlans[segment[e]["edgePoint"]]) is not None]


def _modify(item: Item, work: dict[str, Any]) -> None:
    """A bandwidth and/or CE-VLAN change (Sof.read_change), MEF 55.0.1 §10.3 steps 5-13. The
    partner's segment changes first: it is the one that may keep us waiting for hours or refuse,
    and our own segments change in seconds, so a VLAN they give up is not left free (for another
    order to take) while the partner decides. Then every segment changes in place, those ending
    at a UNI whose VLAN changes on it too, and the changed service is tested end to end (steps
    10-12). If a segment refuses or the test fails, what changed is put back, at the partner as
    well, and a put-back that fails is said in the reason rather than passed over. `work`: what
    `steps.load_change` gives (the change, the service as it is), or {"problem": ...}."""
    if "problem" in work:
        raise Failed(work["problem"])
    change, current = work["change"], work["service"]
    design, before = current["design"], current["mbps"]
    mbps, vlans = change["mbps"], change.get("vlans") or {}
    was = {p["edgePoint"]: p["vlan"] for s in design["segments"] for p in (s["a"], s["z"])}
    partner = design.get("partner")
    partner_status = None
    if partner:
        partner_status = _modify_partner(item, partner, mbps, change.get("partnerCeVlan"), "partnerCeVlan" in change,
                                         f"{item.service_id}-{item.order_id}-modify",
                                         undo=(before, partner.get("ceVlan")))
    changed: list[dict[str, Any]] = []
    try:
        for segment in design["segments"]:
            changed.append(segment)
            _ok(steps.change_segment(item.sof, segment, mbps, _segment_ends(segment, vlans)))
        _test_change(item, partner, partner_status, mbps)
    except Exception as exc:
        failure = _as_failed(exc)
        back = {edge_point: was[edge_point] for edge_point in vlans}
        unrestored = [problem for segment in changed  # put back what the network carried before
                      if (problem := steps.change_segment(item.sof, segment, before, _segment_ends(segment, back)))]
        if partner:
            try:
                _modify_partner(item, partner, before, partner.get("ceVlan"), "partnerCeVlan" in change,
                                f"{item.service_id}-{item.order_id}-modify-undo")
            except Failed as undo:
                unrestored.append(f"the partner's segment was not put back: {undo.reason}")
        if unrestored:
            raise Failed(f"{failure.reason}; putting the change back failed too: {'; '.join(unrestored)}") from None
        raise failure from None
    steps.settle_service_change(item.sof, item.service_id, item.order_id, before, change)  # step 13
    was_before = {"mbps": before, "vlans": {edge_point: was.get(edge_point) for edge_point in vlans},
                  "partnerCeVlan": (partner or {}).get("ceVlan")}
    try:  # step 14: the change is made; billing not hearing of it must not undo it, but is said
        steps.report_usage(item.sof, item.service_id, item.order_id, item.item_id, was_before, change)
    except Exception as exc:  # noqa: BLE001 - the BUS out of reach past every retry
        steps.note(item.sof, item.order_id, "14", "LEGATO", f"BUS-{item.sof}", "usage event not delivered",
                   f"{type(exc).__name__}: {exc}")


def _test_change(item: Item, partner: dict[str, Any] | None, partner_status: dict[str, Any] | None,
                 mbps: int) -> None:
    """Steps 10-12: every changed segment tested on the network at the new rate, and the service
    end to end. An INTERLUDE partner tests its segment after its change (the same fulfilment
    runs there) and reports the result with it; over SONATA the partner reports only the test of
    its first delivery, measured at the old rate, so that leg is left out rather than misread."""
    fresh = partner_status if partner and item.sof_option(partner["party"]) == "interlude" else None
    test = steps.test_service(item.sof, item.service_id, fresh, item.order_id, mbps)
    if test["result"] == "CANCELLED":
        raise Failed(CANCELLED)
    if test["result"] != "PASS":
        raise Failed(f"the test of the service changed to {mbps} Mbit/s failed: " + "; ".join(test["failures"]))


def _modify_partner(item: Item, partner: dict[str, Any], mbps: int, ce_vlan: int | None, vlan_changes: bool,
                    key: str, *, undo: tuple[int, int | None] | None = None) -> dict[str, Any]:
    """The partner's segment at `mbps` (and `ce_vlan`), followed until the partner's change ends;
    its status then (with the partner's test). Once the partner accepted it, stopping to wait (a
    cancel, the patience spent) sends the change back, `undo` = (mbps, CE-VLAN) as before,
    since the partner may still make it."""
    party, reference = partner["party"], partner["reference"]
    what = f"CE-VLAN change to {ce_vlan}" if vlan_changes else "bandwidth change"
    _ok(_patiently(item, party, f"{what} of access segment {reference}", partial(
        steps.modify_partner, item.sof, party, reference, mbps, key, ce_vlan if vlan_changes else None),
        cancellable=undo is not None).get("problem"))
    try:
        status = _patiently(item, party, f"progress of access segment {reference}", partial(
            steps.await_partner, item.sof, party, reference, "active"), cancellable=undo is not None)
    except Failed:
        if undo is not None:
            _modify_partner(item, partner, undo[0], undo[1], vlan_changes, f"{key}-undo")
        raise
    if status["state"] != "active" or status.get("change_failed") or status.get("bandwidth_mbps") not in (None, mbps):
        raise Failed(f"partner {party} could not make the {what}: "
                     f"{status.get('change_failed') or status.get('reason')}")
    return status


def _delete(item: Item) -> None:
    design = steps.load_service(item.sof, item.service_id)["design"]
    partner = design.get("partner")
    _undo(item, design["segments"], design, partner.get("reference") if partner else None)
    steps.settle_service(item.sof, item.service_id, inventory.TERMINATED, "disconnected by a delete order")


# -- the workflow -----------------------------------------------------------------------------
@DBOS.workflow()
def fulfil(sof_name: str, order_id: str) -> str:
    entries = steps.start_order(sof_name, order_id)  # begins the first unfinished item too
    unfinished = [e["item"] for e in entries if e["state"] not in orders.FINAL]
    last_item: dict[str, Any] | None = None  # the end of the last item, recorded with the order's
    for entry in entries:
        if entry["state"] in orders.FINAL:
            continue  # this item was finished before a restart
        item = Item(sof_name, order_id, entry["item"], entry["service"])
        began = entry["began"] if "began" in entry else steps.begin_item(
            sof_name, order_id, item.item_id, entry["action"], item.service_id)
        if not began:
            continue  # cancelled before it began
        try:
            if entry["action"] == "add":
                _add(item)
            elif entry["action"] == "modify":
                _modify(item, entry["change"] if "change" in entry else steps.load_change(
                    sof_name, order_id, item.item_id, item.service_id))
            else:
                _delete(item)
            end = {"item": item.item_id, "target": orders.COMPLETED, "reason": None}
        except Exception as exc:
            end = {"item": item.item_id, "target": orders.FAILED, "reason": _as_failed(exc).reason}
        if item.item_id == unfinished[-1]:
            last_item = end
        else:
            steps.item_to(sof_name, order_id, end["item"], end["target"], end["reason"])
    return steps.finish_order(sof_name, order_id, last_item)


def submit(sof: Sof, order_id: str) -> None:
    start_once(fulfil, order_id, sof.name, order_id)


def resume_all(sof: Sof) -> int:
    """Start, find running, or restart the workflow of every order not finished: one committed
    just before the process died and never handed to its workflow, or one whose workflow
    ended without finishing (a new run skips the items already finished)."""
    with sof.database.transaction() as session:
        ids = list(session.scalars(select(ServiceOrderRow.id).where(
            ServiceOrderRow.state.in_([orders.ACKNOWLEDGED, orders.IN_PROGRESS, orders.HELD]),
            # an ALLEGRO change waiting for its time is its schedule's to start (sof/control/schedule.py)
            ServiceOrderRow.id.not_in(select(ScheduledChangeRow.order_id)
                                      .where(ScheduledChangeRow.state != "released")))))
    for order_id in ids:
        start_or_restart(fulfil, order_id, sof.name, order_id)
    return len(ids)
