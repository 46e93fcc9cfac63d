"""The durable steps of service fulfilment: each one database change or one call to an ICM or
a partner, safe to run again after a crash (PRESTO creates carry our uuid, removals accept
what is already gone, state changes check where the row already is)."""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import asdict
from typing import Any

from dbos import DBOS

from cadenza.core.clock import iso, iso_at, now
from cadenza.core.errors import Conflict, Unprocessable
from cadenza.core.trace import record
from cadenza.core.wakeups import WAKEUPS, News
from cadenza.core.workflows import retry_unless_stopping
from cadenza.interfaces.legato.paths import WAITING_NOTE_PREFIX
from cadenza.interfaces.legato.placement import ACCESS_PLACEMENT, EVC_PLACEMENT, INTERNET_PLACEMENT
from cadenza.interfaces.legato.usage import UsageChange, UsageError, UsageEvent, usage_event_id
from cadenza.interfaces.presto.client import PrestoNotFound, PrestoRefused, SegmentRequest
from cadenza.sof import operational
from cadenza.sof import service_inventory as inventory
from cadenza.sof import service_order as orders
from cadenza.sof.channels import ALLEGRO, LEGATO
from cadenza.sof.design import reserve
from cadenza.sof.partner_access import AccessRequest, PartnerAccessError, partner_news
from cadenza.sof.rows import PmJobRow, ServiceOrderRow
from cadenza.sof.service import Sof
from cadenza.sof.testing import SegmentResult, combine

__all__ = ["register", "registered"]

_SOFS: dict[str, Sof] = {}
_RETRY = {"retries_allowed": True, "max_attempts": 6, "interval_seconds": 0.5, "backoff_rate": 2.0,
          "should_retry": retry_unless_stopping}


# The reason a cancelled item fails with (`fulfilment.py`).
CANCELLED = "cancelled at the requester's demand before it completed; everything done so far was undone"


def register(sof: Sof) -> None:
    """Make a SOF reachable from its workflows, which carry only its name to stay replayable."""
    _SOFS[sof.name] = sof


def registered(name: str) -> Sof:
    return _SOFS[name]


# How long a wait woken by notifications goes without reading anyway, and how far the back-off
# of a source that sends none (an INTERLUDE partner) grows: activations there take a second or
# two, and a longer pause would add most of a second to each.
SAFETY_NET_S = 5.0
UNNOTIFIED_MAX_PAUSE_S = 0.5


def segment_news(uuid: str) -> str:
    """The wake-up key of one connectivity service, notified by the ICM's PRESTO events."""
    return f"presto:{uuid}"


def _poll(sof: Sof, read, done, what: str, news: str | None = None, *,  # noqa: ANN001, ANN202 - local helper
          watching: News | None = None, answered: Any = None):
    """Read until `done(value)`. With `news` (a wake-up key its source notifies) each read waits
    for the next notification, or SAFETY_NET_S; without, it backs off from the SOF's poll interval.
    `read(since)` is to read the source at `since` or later (a `time.monotonic()` value): when
    the last notification arrived, which a reading begun since shows (sof/segment_readings.py),
    or, with none (the first read, the safety net's), now. `watching`: the watch of `news` the
    caller began before asking for what it now waits for, and `answered` what the source
    answered then: it stands for the first read unless news came since."""
    deadline, pause = time.monotonic() + sof.activation_timeout_s, sof.poll_interval_s
    limit = SAFETY_NET_S if news else UNNOTIFIED_MAX_PAUSE_S
    with nullcontext(watching) if watching is not None else WAKEUPS.watch(news) as heard:
        while True:
            heard_at = heard.clear_heard()
            value = answered if answered is not None and heard_at is None else read(
                heard_at if heard_at is not None else time.monotonic())
            answered = None
            if done(value):
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} did not settle within {sof.activation_timeout_s:.0f} s")
            WAKEUPS.pause(heard, limit if news else pause)
            pause = min(pause * 1.5, limit)


# -- the order ------------------------------------------------------------------------------
@DBOS.step()
def start_order(sof_name: str, order_id: str) -> list[dict[str, Any]]:
    """The order `inProgress`, and its first unfinished item begun as `begin_item` would (that
    entry's `began` says whether it went to work; a modify's `change` is what `load_change`
    gives): one checkpoint, and one transaction, whose two state change events reach the
    requester together, to be read once."""
    sof = _SOFS[sof_name]
    with sof.database.transaction() as session:
        order = sof.order(session, order_id, None)
        if order.state == orders.ACKNOWLEDGED:
            orders.transition_to(session, order, orders.IN_PROGRESS, wake=sof.wake)
        entries: list[dict[str, Any]] = [
            {"item": i.item_id, "action": i.action, "service": i.service_id, "state": i.state}
            for i in sof.items(session, order_id)]
        first = next((e for e in entries if e["state"] not in orders.FINAL), None)
        if first is not None:
            first["began"] = _begin_item(session, sof, order, first["item"], first["action"], first["service"])
            if first["began"] and first["action"] == "modify":
                # what `load_change` would read, without a checkpoint of its own (an ALLEGRO
                # change is one item); a change that cannot be read fails its item, not the order
                try:
                    first["change"] = _change_of(session, sof, order_id, first["item"], first["service"])
                except Unprocessable as exc:
                    first["change"] = {"problem": f"{type(exc).__name__}: {exc}"}
        return entries


@DBOS.step()
def cancel_requested(sof_name: str, order_id: str) -> bool:
    sof = _SOFS[sof_name]
    with sof.database.transaction() as session:
        return sof.order(session, order_id, None).cancel_requested


@DBOS.step()
def item_to(sof_name: str, order_id: str, item_id: str, target: str, reason: str | None) -> None:
    sof = _SOFS[sof_name]
    with sof.database.transaction() as session:
        _item_to(session, sof, sof.order(session, order_id, None), item_id, target, reason)


def _item_to(session: Any, sof: Sof, order: Any, item_id: str, target: str, reason: str | None) -> None:
    items = sof.items(session, order.id)
    item = next(i for i in items if i.item_id == item_id)
    if item.state == target:
        return
    error = {"code": "otherIssue", "value": reason} if reason else None
    orders.item_transition_to(session, order, item, target, error=error, wake=sof.wake)
    _order_follows_held(session, sof, order, items)


@DBOS.step()
def begin_item(sof_name: str, order_id: str, item_id: str, action: str, service_id: str) -> bool:
    """The item goes to work (`inProgress`), or, when the requester cancelled the order
    meanwhile, fails as cancelled (an added service with it): whether it goes to work.
    One step, so a cancellation is read and acted on in the same transaction."""
    sof = _SOFS[sof_name]
    with sof.database.transaction() as session:
        return _begin_item(session, sof, sof.order(session, order_id, None), item_id, action, service_id)


def _begin_item(session: Any, sof: Sof, order: Any, item_id: str, action: str, service_id: str) -> bool:
    if order.cancel_requested:
        if action == "add":
            _settle(session, sof, sof.service(session, service_id, None), inventory.TERMINATED, CANCELLED)
        _item_to(session, sof, order, item_id, orders.FAILED, CANCELLED)
        return False
    _item_to(session, sof, order, item_id, orders.IN_PROGRESS, None)
    return True


@DBOS.step()
def item_held(sof_name: str, order_id: str, item_id: str, held: bool, reason: str) -> None:
    """The item waits for a partner that does not answer (`held`, noted on the order with what
    it waits for), or goes back to work (`inProgress`) once the partner answers."""
    sof = _SOFS[sof_name]
    with sof.database.transaction() as session:
        order = sof.order(session, order_id, None)
        items = sof.items(session, order_id)
        item = next(i for i in items if i.item_id == item_id)
        target = orders.HELD if held else orders.IN_PROGRESS
        if item.state == target or item.state not in (orders.IN_PROGRESS, orders.HELD):
            return
        texts = [n.get("text") for n in order.notes or []]
        if held and reason not in texts:
            note = {"id": f"{WAITING_NOTE_PREFIX}{len(texts) + 1}", "author": f"SOF-{sof.name}", "date": iso(),
                    "source": "sof", "text": reason[:1000]}
            order.notes = [*(order.notes or []), note]
        orders.item_transition_to(session, order, item, target, wake=sof.wake)
        _order_follows_held(session, sof, order, items)


def _order_follows_held(session: Any, sof: Sof, order: Any, items: list[Any]) -> None:
    """Legato: the order is `held` while at least one of its items is."""
    held = any(i.state == orders.HELD for i in items)
    if held and order.state == orders.IN_PROGRESS:
        orders.transition_to(session, order, orders.HELD, wake=sof.wake)
    elif not held and order.state == orders.HELD:
        orders.transition_to(session, order, orders.IN_PROGRESS, wake=sof.wake)


@DBOS.step()
def finish_order(sof_name: str, order_id: str, last_item: dict[str, Any] | None = None) -> str:
    """The order's end state from its items'. `last_item` (`item`, `target`, `reason`): the end
    of the item worked last, recorded here as `item_to` would: one checkpoint, and one
    transaction, whose two state change events reach the requester together, to be read once."""
    sof = _SOFS[sof_name]
    with sof.database.transaction() as session:
        order = sof.order(session, order_id, None)
        if last_item is not None:
            _item_to(session, sof, order, last_item["item"], last_item["target"], last_item["reason"])
        if order.state not in orders.FINAL:
            target = orders.outcome([i.state for i in sof.items(session, order_id)])
            orders.transition_to(session, order, target, wake=sof.wake)
        return order.state


# -- the service ----------------------------------------------------------------------------
@DBOS.step()
def load_service(sof_name: str, service_id: str) -> dict[str, Any]:
    sof = _SOFS[sof_name]
    with sof.database.transaction() as session:
        row = sof.service(session, service_id, None)
        return {"state": row.state, "design": row.design, "mbps": row.bandwidth_mbps}


@DBOS.step()
def load_change(sof_name: str, order_id: str, item_id: str, service_id: str) -> dict[str, Any]:
    """What a modify item asks of the service (Sof.read_change), read against the service as
    it is, and the service as `load_service` gives it: one checkpoint rather than two, and a
    read, which on SQLite does not queue behind the writers of the concurrent changes."""
    sof = _SOFS[sof_name]
    with sof.database.read() as session:
        return _change_of(session, sof, order_id, item_id, service_id)


def _change_of(session: Any, sof: Sof, order_id: str, item_id: str, service_id: str) -> dict[str, Any]:
    item = next(i for i in sof.items(session, order_id) if i.item_id == item_id)
    row = sof.service(session, service_id, None)
    change = Sof.read_change(row, item.service.get("serviceConfiguration", {}), "")
    return {"change": change, "service": {"state": row.state, "design": row.design, "mbps": row.bandwidth_mbps}}


@DBOS.step()
def reserve_resources(sof_name: str, service_id: str, order_id: str) -> dict[str, Any]:
    """Choose the S-VLANs and lay out the segments; `{"problem": ...}` when none is free. The
    trace of `order_id` says what was designed (step 8), in the same transaction."""
    sof = _SOFS[sof_name]
    with sof.database.transaction() as session:
        row = sof.service(session, service_id, None)
        if row.state != inventory.DESIGNED:
            return row.design
        design = row.design
    try:
        design = reserve(design, service_id, sof.network, lambda eps, wanted: sof.choose_vlan(service_id, eps, wanted))
    except Conflict as exc:
        return {"problem": exc.reason}
    with sof.database.transaction() as session:
        row = sof.service(session, service_id, None)
        row.design = design
        inventory.transition_to(session, row, inventory.RESERVED, wake=sof.wake)
        party = (design.get("partner") or {}).get("party")
        _note(session, sof, order_id, "8", "internal", f"SOF-{sof.name}",
              f"designed {len(design['segments'])} on-net segment(s)"
              + (f" and a partner segment at {party}" if party else ""))
    return design


@DBOS.step()
def settle_service(sof_name: str, service_id: str, target: str, reason: str | None) -> None:
    sof = _SOFS[sof_name]
    with sof.database.transaction() as session:
        _settle(session, sof, sof.service(session, service_id, None), target, reason)


def _settle(session: Any, sof: Sof, row: Any, target: str, reason: str | None) -> None:
    if row.state == target:
        return
    if target == inventory.TERMINATED:
        sof.release_vlans(session, row.id)
        job = session.get(PmJobRow, row.id)
        if job is not None and job.state == "running":
            job.state, job.stopped_at = "stopped", now()
        operational.forget_segments(session, row.id)
    inventory.transition_to(session, row, target, reason=reason, wake=sof.wake)
    # the state change event tells listeners to read the service, operational state included
    operational.refresh(session, row, reporter=sof.alarm_reporter, announce=False)


@DBOS.step(**_RETRY)
def settle_service_change(sof_name: str, service_id: str, order_id: str, before_mbps: int,
                          change: dict[str, Any]) -> float | None:
    """Step 13 in one checkpoint: the service as a modify left it (`Sof.read_change`), and
    assurance following its new rate. The bandwidth, and each changed CE-VLAN in the design
    (ends, segments, partner leg) and in the configuration it shows; then, as utilisation (PM
    reports, the §10.9 coordinator's input) is a share of the CIR, the design records from which
    network time the service runs at the new rate (`rateChanges`), so each measurement interval
    is judged against the CIR it ran at, not the one the service has when a report is made
    (sof/performance/service_pm.py). The network time of the change, None when the rate did
    not move. Run again after a crash it changes nothing twice."""
    sof = _SOFS[sof_name]
    mbps = change["mbps"]
    with sof.database.read() as session:
        design = sof.service(session, service_id, None).design
    known = next((c["atS"] for c in design.get("rateChanges") or [] if c.get("order") == order_id), None)
    follows = known is None and before_mbps != mbps and bool(design.get("segments"))
    at = float(sof.presto.get_network_time(design["segments"][0]["networkDomain"])["epoch-seconds"]) \
        if follows else known
    with sof.database.transaction() as session:
        row = sof.service(session, service_id, None)
        _settle_change(session, sof, row, change)
        if follows and at is not None:
            changes = [*(row.design.get("rateChanges") or []),
                       {"atS": at, "fromMbps": before_mbps, "toMbps": mbps, "order": order_id}]
            row.design = {**row.design, "rateChanges": changes}
            _note(session, sof, order_id, "13", "internal", f"SOF-{sof.name}",
                  f"assurance follows {mbps} Mbit/s: utilisation is measured against it from network time "
                  f"{iso_at(at)}")
    return at


def _settle_change(session: Any, sof: Sof, row: Any, change: dict[str, Any]) -> None:
    vlans: dict[str, int | None] = change.get("vlans") or {}
    design = dict(row.design)
    partner_vlan = change.get("partnerCeVlan")
    if row.bandwidth_mbps == change["mbps"] and all(
            design[e]["vlan"] == vlans[design[e]["edgePoint"]] for e in ("a", "z")
            if design[e]["edgePoint"] in vlans) and (
            "partnerCeVlan" not in change or (design.get("partner") or {}).get("ceVlan") == partner_vlan):
        return  # this step already ran before a crash
    row.bandwidth_mbps = change["mbps"]
    design["mbps"] = change["mbps"]
    for e in ("a", "z"):
        if design[e]["edgePoint"] in vlans:
            design[e] = {**design[e], "vlan": vlans[design[e]["edgePoint"]]}
    design["segments"] = [{**s, **{e: {**s[e], "vlan": vlans[s[e]["edgePoint"]]} for e in ("a", "z")
                                   if s[e]["edgePoint"] in vlans}} for s in design["segments"]]
    if "partnerCeVlan" in change and design.get("partner"):
        design["partner"] = {**design["partner"], "ceVlan": partner_vlan}
    row.design = design
    row.configuration = _configured_rate(_configured_vlans(row.configuration, vlans, change), change["mbps"])
    inventory.announce_changed(session, row, wake=sof.wake)


def _configured_rate(configuration: dict[str, Any], mbps: int) -> dict[str, Any]:
    """The configuration showing the new rate where it was ordered with one (the placement's
    bandwidthMbps, and the CIR of its bandwidth profile): what the customer reads over ALLEGRO."""
    config = dict(configuration)
    for key in (EVC_PLACEMENT, ACCESS_PLACEMENT, INTERNET_PLACEMENT):
        placement = config.get(key)
        if isinstance(placement, dict) and "bandwidthMbps" in placement:
            placement = {**placement, "bandwidthMbps": mbps}
            if isinstance(placement.get("bandwidthProfile"), dict) and "cirMbps" in placement["bandwidthProfile"]:
                placement["bandwidthProfile"] = {**placement["bandwidthProfile"], "cirMbps": mbps}
            config[key] = placement
    return config


def _configured_vlans(configuration: dict[str, Any], vlans: dict[str, int | None],
                      change: dict[str, Any]) -> dict[str, Any]:
    """The service's configuration with the CE-VLANs a modify changed, where it was ordered with them."""
    config = dict(configuration)
    evc = config.get(EVC_PLACEMENT)
    if isinstance(evc, dict):
        ends = []
        for end in evc.get("endPoints") or []:
            if end.get("uni") in vlans:
                end = {**end, "ceVlan": vlans[end["uni"]]}
            elif end.get("partner") and "partnerCeVlan" in change:
                end = {**end, "ceVlan": change["partnerCeVlan"]}
            ends.append(end)
        config[EVC_PLACEMENT] = {**evc, "endPoints": ends}
    for key in (ACCESS_PLACEMENT, INTERNET_PLACEMENT):
        placement = config.get(key)
        if isinstance(placement, dict) and vlans:
            config[key] = {**placement, "ceVlan": next(iter(vlans.values()))}
    return config


# -- PRESTO segments (step 9a) ------------------------------------------------------------------
@DBOS.step(**_RETRY)
def create_segment(sof_name: str, service_id: str, segment: dict[str, Any], mbps: int,
                   max_delay_ms: float | None, order_id: str) -> str | None:
    """Ask the ICM for the segment; the reason when it refuses (a PRESTO outage is retried), or
    CANCELLED, asking nothing, when the requester cancelled the order. The trace of
    `order_id` records the request (step 9a)."""
    sof = _SOFS[sof_name]
    if cancelled(sof, order_id):
        return CANCELLED
    nd = segment["networkDomain"]
    operation = f"create-connectivity-service {segment['uuid'][:8]}"
    request = SegmentRequest(uuid=segment["uuid"], a_sip=segment["a"]["edgePoint"], a_vlan=segment["a"]["vlan"],
                             z_sip=segment["z"]["edgePoint"], z_vlan=segment["z"]["vlan"], mbps=mbps,
                             max_delay_ms=max_delay_ms, name=f"{service_id}/{segment['index']}",
                             profile=segment.get("bandwidthProfile"))
    try:
        created = sof.presto.create_connectivity_service(nd, request)
    except PrestoRefused as exc:
        problem = f"the {nd} network refused segment {segment['index']}: {exc.body.get('reason', exc)}"
        with sof.database.transaction() as session:
            _note(session, sof, order_id, "9a", "PRESTO", f"ICM-{nd}", operation, problem)
        return problem
    with sof.database.transaction() as session:
        operational.track_segment(session, service_id, segment, created.operational_state)
        _note(session, sof, order_id, "9a", "PRESTO", f"ICM-{nd}", operation)
    return None


def cancelled(sof: Sof, order_id: str) -> bool:
    with sof.database.read() as session:
        return sof.order(session, order_id, None).cancel_requested


@DBOS.step(**_RETRY)
def await_segment(sof_name: str, segment: dict[str, Any], order_id: str) -> str | None:
    """Wait until the ICM has configured the segment; the reason when it failed. The trace of
    `order_id` records the outcome (step 10)."""
    sof = _SOFS[sof_name]
    nd, uuid = segment["networkDomain"], segment["uuid"]
    service = _poll(sof, lambda since: sof.readings.read(nd, uuid, since=since),
                    lambda s: s.state in ("installed", "failed", "removed"), f"segment {uuid} in {nd}",
                    segment_news(uuid))
    problem = None if service.state == "installed" else (
        f"the {nd} network could not activate segment {segment['index']}: {service.reason or service.state}")
    with sof.database.transaction() as session:
        operational.record_segment(session, uuid, service.operational_state, reporter=sof.alarm_reporter,
                                   faults=operational.route_faults(service), wake=sof.wake)
        _note(session, sof, order_id, "10", "ADAGIO", f"ECM-{nd}", f"forwarding constructs configured for {uuid[:8]}",
              problem, f"ICM-{nd}")
    return problem


@DBOS.step(**_RETRY)
def record_addressing(sof_name: str, service_id: str) -> dict[str, Any] | None:
    """An Internet Access: the subnet and addresses the gateway's ICM gave its last segment,
    kept in the design (the service's configuration shows them)."""
    sof = _SOFS[sof_name]
    with sof.database.transaction() as session:
        design = sof.service(session, service_id, None).design
    if not design.get("internet"):
        return None
    last = design["segments"][-1]
    ip = sof.presto.get_connectivity_service(last["networkDomain"], last["uuid"]).raw.get("cadenza-ip-interface")
    with sof.database.transaction() as session:
        row = sof.service(session, service_id, None)
        row.design = {**row.design, "internet": {**row.design["internet"], "addressing": ip}}
    return ip


@DBOS.step(**_RETRY)
def remove_segment(sof_name: str, segment: dict[str, Any]) -> None:
    """Take the segment off the network, whatever state it is in; nothing there is fine."""
    sof = _SOFS[sof_name]
    nd, uuid = segment["networkDomain"], segment["uuid"]

    def read(since: float) -> str:
        try:
            return sof.readings.read(nd, uuid, since=since).state
        except PrestoNotFound:
            return "absent"

    state = _poll(sof, read, lambda s: s not in ("planned", "modifying"), f"segment {uuid} in {nd}",
                  segment_news(uuid))
    if state == "installed":
        sof.presto.delete_connectivity_service(nd, uuid)
    if state in ("installed", "removing"):
        _poll(sof, read, lambda s: s in ("removed", "absent"), f"removal of segment {uuid} in {nd}",
              segment_news(uuid))


@DBOS.step(**_RETRY)
def change_segment(sof_name: str, segment: dict[str, Any], mbps: int,
                   ends: list[tuple[str, int]] | None = None) -> str | None:
    """The segment at `mbps`, each of its end points in `ends` ((UNI edge point, CE-VLAN)) on
    its new VLAN: one PRESTO update per end point (TAPI changes one per call), the first with
    the bandwidth. The reason when the ICM refuses or its elements do."""
    sof = _SOFS[sof_name]
    nd, uuid = segment["networkDomain"], segment["uuid"]
    calls: list[tuple[int | None, tuple[str, int] | None]] = [(mbps, None)] if not ends else [
        (mbps if n == 0 else None, (edge_point, vlan)) for n, (edge_point, vlan) in enumerate(ends)]
    for asked_mbps, end in calls:
        what = f"{mbps} Mbit/s" if end is None else f"CE-VLAN {end[1]} at {end[0]}"
        # watched before asking, so the answer (`modifying`) stands for a first reading: the news
        # of a change the ICM makes at once is heard all the same
        with WAKEUPS.watch(segment_news(uuid)) as heard:
            try:
                answer = sof.presto.update_connectivity_service(nd, uuid, asked_mbps,
                                                                end_point=(tuple(end) if end else None))
            except PrestoRefused as exc:
                return f"the {nd} network refused {what} on segment {segment['index']}: {exc.body.get('reason', exc)}"
            service = _poll(sof, lambda since: sof.readings.read(nd, uuid, since=since),
                            lambda s: s.state != "modifying", f"change of {uuid} in {nd}", segment_news(uuid),
                            watching=heard, answered=answer)
        if service.bandwidth_mbps != mbps:
            return (f"the {nd} network kept segment {segment['index']} at {service.bandwidth_mbps} Mbit/s: "
                    f"{service.reason}")
        if end is not None and service.vlan_at(end[0]) != end[1]:
            return (f"the {nd} network kept segment {segment['index']} on CE-VLAN {service.vlan_at(end[0])} at "
                    f"{end[0]}: {service.reason}")
    return None


# -- the partner segment (step 9b) --------------------------------------------------------------
@DBOS.step(**_RETRY)
def order_partner(sof_name: str, service_id: str, partner: dict[str, Any], mbps: int,
                  max_delay_ms: float | None) -> dict[str, Any]:
    sof = _SOFS[sof_name]
    access = sof.partner_access.get(partner["party"])
    if access is None:
        return {"problem": f"no way to order from partner {partner['party']} is configured in this domain"}
    request = AccessRequest(idempotency_key=f"{service_id}-access", partner=partner["party"], site=partner["site"],
                            ce_vlan=partner["ceVlan"], enni=partner["partnerEnni"], s_vlan=partner["sVlan"],
                            bandwidth_mbps=mbps, max_delay_ms=max_delay_ms, quote_item=partner.get("quoteItem"),
                            eir_mbps=partner.get("eirMbps", 0))
    try:
        reference = access.order(request)
    except PartnerAccessError as exc:
        if not exc.refused:  # no answer: the workflow waits for the partner (fulfilment._patiently)
            return {"unanswered": exc.reason}
        return {"problem": f"partner {partner['party']} refused the access segment: {exc.reason}"}
    with sof.database.transaction() as session:
        row = sof.service(session, service_id, None)
        row.design = {**row.design, "partner": {**row.design["partner"], "reference": reference}}
    return {"reference": reference}


@DBOS.step(**_RETRY)
def await_partner(sof_name: str, party: str, reference: str, wanted: str) -> dict[str, Any]:
    sof = _SOFS[sof_name]
    access = sof.partner_access[party]
    news = partner_news(party, reference) if access.notifies else None
    try:
        status = _poll(sof, lambda _since: access.status(reference), lambda s: s.state != "inProgress",
                       f"partner {party} segment {reference}", news)
    except PartnerAccessError as exc:
        if exc.refused:
            raise
        return {"unanswered": exc.reason}
    return asdict(status)


@DBOS.step(**_RETRY)
def modify_partner(sof_name: str, party: str, reference: str, mbps: int, key: str,
                   ce_vlan: int | None = None) -> dict[str, str]:
    """The partner's segment at `mbps` and, given `ce_vlan`, on that CE-VLAN at its UNI."""
    try:
        _SOFS[sof_name].partner_access[party].modify(reference, mbps, key, ce_vlan=ce_vlan)
    except PartnerAccessError as exc:
        if not exc.refused:
            return {"unanswered": exc.reason}
        asked = f"{mbps} Mbit/s" + (f" on CE-VLAN {ce_vlan}" if ce_vlan is not None else "")
        return {"problem": f"partner {party} refused {asked}: {exc.reason}"}
    return {}


@DBOS.step(**_RETRY)
def remove_partner(sof_name: str, party: str, reference: str, key: str) -> dict[str, str]:
    access = _SOFS[sof_name].partner_access[party]
    try:
        access.remove(reference, key)
        _poll(_SOFS[sof_name], lambda _since: access.status(reference), lambda s: s.state in ("removed", "failed"),
              f"removal of partner {party} segment {reference}")
    except PartnerAccessError as exc:
        if exc.refused:
            raise
        return {"unanswered": exc.reason}
    return {}


# -- testing and monitoring (steps 11 and 12) ---------------------------------------------------
@DBOS.step(**_RETRY)
def test_service(sof_name: str, service_id: str, partner_status: dict[str, Any] | None,
                 order_id: str, cir_mbps: int | None = None) -> dict[str, Any]:
    """The end-to-end activation test (step 11), recorded on the service and in the trace of
    `order_id`; `{"result": "CANCELLED"}`, testing nothing, when the requester cancelled.
    `cir_mbps`: the rate to test against when it is not yet the service's (a change, §10.3
    step 10, tests before inventory says so)."""
    sof = _SOFS[sof_name]
    if cancelled(sof, order_id):
        return {"result": "CANCELLED"}
    with sof.database.transaction() as session:
        row = sof.service(session, service_id, None)
        design, mbps = row.design, cir_mbps or row.bandwidth_mbps
    results = []
    for segment in design["segments"]:
        test = sof.presto.run_activation_test(segment["networkDomain"], segment["uuid"])
        results.append(SegmentResult(f"{segment['networkDomain']}/{segment['uuid']}", test.passed, test.delay_ms,
                                     test.loss_ratio, test.rate_mbps, test.failures))
    if partner_status is not None:
        test = partner_status.get("test")
        name = f"partner/{design['partner']['party']}"
        results.append(SegmentResult(name, bool(test and test["passed"]), test["delay_ms"], test["loss_ratio"],
                                     test["rate_mbps"], tuple(test["failures"])) if test else
                       SegmentResult(name, False, 0.0, 1.0, 0.0, ("the partner reported no test result",)))
    outcome = combine(results, cir_mbps=mbps, max_delay_ms=design.get("maxDelayMs"))
    party = (design.get("partner") or {}).get("party")
    with sof.database.transaction() as session:
        sof.service(session, service_id, None).test = outcome
        _note(session, sof, order_id, "11", "PRESTO", "ICMs" + (f" + {party}" if party else ""),
              f"service activation test: {outcome['result']}", "; ".join(outcome.get("failures", [])) or None)
    return outcome


@DBOS.step(**_RETRY)
def start_pm(sof_name: str, service_id: str, order_id: str) -> None:
    """Proactive PM: record what is monitored and how often, and take the first reading (step
    12, in the trace of `order_id`)."""
    sof = _SOFS[sof_name]
    with sof.database.transaction() as session:
        row = sof.service(session, service_id, None)
        segments = [{"networkDomain": s["networkDomain"], "uuid": s["uuid"]} for s in row.design["segments"]]
        partner = (row.design.get("partner") or {}).get("party")
    counters = {f"{s['networkDomain']}/{s['uuid']}": sof.presto.get_pm_counters(s["networkDomain"], s["uuid"])
                for s in segments}
    with sof.database.transaction() as session:
        job = session.get(PmJobRow, service_id)
        if job is None:
            job = PmJobRow(service_id=service_id, started_at=now())
            session.add(job)
        job.state, job.interval_s, job.stopped_at = "running", sof.pm_interval_s, None
        job.monitored = {"metrics": ["frameDelay", "frameLossRatio", "txFrames", "rxFrames", "txOctets", "rxOctets"],
                         "segments": segments, "partner": partner}
        job.last_counters, job.last_collected_at = counters, now()
        _note(session, sof, order_id, "12", "PRESTO", "ICMs", "proactive performance monitoring started")


# -- the usage event (§10.3 step 14) ------------------------------------------------------------
def usage_changes(before: dict[str, Any], change: dict[str, Any]) -> list[UsageChange]:
    """What a change moved, from `before` ({"mbps", "vlans": {UNI: CE-VLAN}, "partnerCeVlan"})."""
    moved = [UsageChange(attribute="bandwidthMbps", fromValue=before["mbps"], toValue=change["mbps"])] \
        if before["mbps"] != change["mbps"] else []
    moved += [UsageChange(attribute="ceVlan", endPoint=uni, fromValue=before["vlans"].get(uni), toValue=vlan)
              for uni, vlan in (change.get("vlans") or {}).items() if before["vlans"].get(uni) != vlan]
    if "partnerCeVlan" in change and change["partnerCeVlan"] != before.get("partnerCeVlan"):
        moved.append(UsageChange(attribute="partnerCeVlan", fromValue=before.get("partnerCeVlan"),
                                 toValue=change["partnerCeVlan"]))
    return moved


@DBOS.step(**_RETRY)
def report_usage(sof_name: str, service_id: str, order_id: str, item_id: str, before: dict[str, Any],
                 change: dict[str, Any]) -> str | None:
    """Tell the BUS what the change moved, for billing (a usage event over LEGATO). The event's
    id is the order item, so a step run twice (a crash between sending and recording) is kept
    once at the BUS. Only the BUS's own services are reported: a segment a peer SOF bought over
    INTERLUDE is billed by what that peer ordered. The reason when the BUS refused it."""
    sof = _SOFS[sof_name]
    with sof.database.read() as session:
        service = sof.service(session, service_id, None)
        order = sof.order(session, order_id, None)
        interface, channel = service.interface, order.interface
    moved = usage_changes(before, change)
    if sof.usage is None or interface != LEGATO or not moved:
        return None
    event = UsageEvent(id=usage_event_id(order_id, item_id), serviceId=service_id, serviceOrderId=order_id,
                       channel=ALLEGRO if channel == ALLEGRO else LEGATO, changes=moved, appliedAt=now())
    problem = None
    try:
        sof.usage.send(event)
    except UsageError as exc:
        if not exc.refused:
            raise  # the BUS is not answering: the step tries again
        problem = f"the BUS refused the usage event: {exc.reason}"
    summary = ", ".join(f"{c.attribute}{f' at {c.endPoint}' if c.endPoint else ''} {c.fromValue} -> {c.toValue}"
                        for c in moved)
    with sof.database.transaction() as session:
        _note(session, sof, order_id, "14", "LEGATO", f"BUS-{sof.name}", f"usage event: {summary}", problem)
    return problem


# -- the interaction trace (cadenza trace ORDER_ID) ---------------------------------------------
@DBOS.step()
def note(sof_name: str, order_id: str, step: str, reference_point: str, target: str, operation: str,
         detail: str | None = None, source: str | None = None) -> None:
    """File an interaction under the product order this service order serves (its externalId
    is `productOrderId/itemId`), or under the service order itself when it has none."""
    sof = _SOFS[sof_name]
    with sof.database.transaction() as session:
        _note(session, sof, order_id, step, reference_point, target, operation, detail, source)


def _note(session: Any, sof: Sof, order_id: str, step: str, reference_point: str, target: str, operation: str,
          detail: str | None = None, source: str | None = None) -> None:
    """`note` within the transaction of the step whose work it records: one checkpoint, not two."""
    row = session.get(ServiceOrderRow, order_id)
    external = (row.external_id or "") if row is not None else ""
    # a BUS's order names its product order (`productOrderId/itemId`); a peer SOF's INTERLUDE
    # key (e.g. `<service>-<order>-modify`) names nothing of ours: those file under the order
    filed = external.split("/", 1)[0] if "/" in external else order_id
    record(session, order_id=filed, step=step, reference_point=reference_point, source=source or f"SOF-{sof.name}",
           target=target, operation=operation, detail=detail)


def partner_option(sof_name: str, party: str | None) -> str | None:
    """How the partner is reached (MEF 55.0.1 step 9b option): 'interlude' or 'sonata'."""
    partner = next((p for p in _SOFS[sof_name].config.partners if p.party == party), None)
    return partner.ordering if partner else None
