"""Durable configuration of connectivity services on the network elements.

Each change is a DBOS workflow with idempotent steps: applying a forwarding construct an
element already holds changes nothing, so a step that re-runs after a crash never configures
an element twice. When any element refuses, the compensation is written out: remove what was
configured, give the resources back, record why.

Activation works on the group of services planned together (`Icm.create`), under the id the
planning recorded in each plan: the group's constructs reach each element in one transaction
and the outcomes are recorded in one, which is what lets an ICM activate hundreds of services
a second. Each service still succeeds or fails on its own. Changes and removals are per service,
their workflow ids derived from the service uuid.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from dbos import DBOS

from cadenza.core.workflows import retry_unless_stopping, start_once, start_or_restart
from cadenza.icm import connectivity_service as cs
from cadenza.icm.design import Hop, hops_from_json, hops_to_json, with_committed_rate
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.icm.service import Icm
from cadenza.interfaces.adagio.contract import ElementResult, FcEndPoint, ForwardingConstruct

__all__ = ["Job", "Group", "register", "registered", "submit_activation", "submit_change", "submit_removal",
           "resume_all", "reinstall_all"]

log = logging.getLogger(__name__)

_ICMS: dict[str, Icm] = {}
# The hops of services just planned, handed from planning to their activation in memory:
# reading them back means decoding every plan again. After a restart the plans are read.
_fresh: dict[str, list[Hop]] = {}
_fresh_lock = threading.Lock()
Starter = Callable[..., object]  # start_once, or start_or_restart when recovering


def register(icm: Icm) -> None:
    """Make an ICM reachable from its workflows (which carry only its name, to stay replayable)
    and have every group of services it plans activated."""
    _ICMS[icm.name] = icm

    def activate_planned(activation: str, planned: list[tuple[ConnectivityServiceRow, list[Hop]]]) -> None:
        with _fresh_lock:
            _fresh.update((row.uuid, hops) for row, hops in planned)
        submit_activation(icm, activation, [row.uuid for row, _ in planned])

    icm.on_planned = activate_planned


def registered(name: str) -> Icm:
    return _ICMS[name]


@dataclass(frozen=True, slots=True)
class Job:
    network_domain: str
    service: str
    generation: int = 0


@dataclass(frozen=True, slots=True)
class Group:
    """Services planned together and activated together."""

    network_domain: str
    services: tuple[str, ...]


def _refusal(result: ElementResult) -> str:
    assert result.error is not None
    return f"{result.error.element} refused: {result.error.reason}"


def _hops(row: ConnectivityServiceRow) -> list[Hop]:
    return hops_from_json(row.uuid, row.plan["hops"])


def _with_bandwidth(hops: Sequence[Hop], mbps: int) -> list[Hop]:
    return [Hop(h.element, ForwardingConstruct(h.fc.fc_id, h.fc.end_points, with_committed_rate(h.fc.bandwidth, mbps),
                                               h.fc.description, h.fc.ip)) for h in hops]


def _with_end_vlans(hops: Sequence[Hop], a_vlan: int | None, z_vlan: int | None) -> list[Hop]:
    """The service's end points on the new CE-VLANs: the first element's inbound end point is
    end a, the last element's outbound one end z (design_hops); the S-VLANs between stay."""
    changed = list(hops)
    for index, side, vlan in ((0, 0, a_vlan), (len(changed) - 1, 1, z_vlan)):
        hop = changed[index]
        ends = list(hop.fc.end_points)
        ends[side] = FcEndPoint(ends[side].port, vlan)
        changed[index] = Hop(hop.element, replace(hop.fc, end_points=(ends[0], ends[1])))
    return changed


def _as_settled(row: ConnectivityServiceRow, settings: dict[str, int | None]) -> list[Hop]:
    """The row's constructs carrying `settings` ({"mbps", "a", "z"}); the bandwidth profile is
    left exactly as it is when the committed rate does not change."""
    hops = _hops(row)
    if settings["mbps"] != row.bandwidth_mbps:
        hops = _with_bandwidth(hops, int(settings["mbps"] or 0))
    return _with_end_vlans(hops, settings["a"], settings["z"])


def _load(job: Job) -> tuple[Icm, ConnectivityServiceRow]:
    icm = _ICMS[job.network_domain]
    with icm.database.read() as session:
        return icm, icm.get(session, job.service, None)


def _load_group(group: Group) -> tuple[Icm, list[ConnectivityServiceRow]]:
    icm = _ICMS[group.network_domain]
    with icm.database.read() as session:
        return icm, icm.get_many(session, group.services)


# -- steps -----------------------------------------------------------------------------------
@DBOS.step()
def configure_group(group: Group) -> dict[str, list[str]]:
    """Every hop of every service of the group; per service the reasons it failed (none: installed)."""
    with _fresh_lock:
        fresh = [_fresh.pop(uuid, None) for uuid in group.services]
    if all(hops is not None for hops in fresh):
        icm = _ICMS[group.network_domain]
        services = list(zip(group.services, fresh, strict=True))
    else:
        icm, rows = _load_group(group)
        services = [(row.uuid, _hops(row)) for row in rows if row.state == cs.PLANNED]
    items = [(uuid, hop) for uuid, hops in services for hop in hops]
    results = icm.adagio.apply_many([(hop.element, hop.fc) for _, hop in items])
    problems: dict[str, list[str]] = {uuid: [] for uuid, _ in services}
    for (uuid, _hop), result in zip(items, results, strict=True):
        if not result.ok:
            problems[uuid].append(_refusal(result))
    return problems


@DBOS.step(retries_allowed=True, max_attempts=5, interval_seconds=1.0, backoff_rate=2.0,
            should_retry=retry_unless_stopping)
def unconfigure_group(group: Group) -> None:
    icm, rows = _load_group(group)
    results = icm.adagio.remove_many([(hop.element, row.uuid) for row in rows for hop in _hops(row)])
    problems = [_refusal(result) for result in results if not result.ok]
    if problems:
        # Raising makes DBOS retry: a construct left on an element is never acceptable.
        raise RuntimeError("; ".join(problems))


@DBOS.step()
def record_activations(group: Group, failures: dict[str, str]) -> None:
    """Installed, or failed with its reason and its resources given back: one transaction for the group."""
    icm = _ICMS[group.network_domain]
    with icm.database.transaction() as session:
        # services no longer planned are left alone: this step already ran before a crash
        cs.settle_activations(session, icm.name, group.services, failures, wake=icm.wake,
                              release=lambda uuid: icm.inventory.release(session, uuid))


@DBOS.step()
def configure_elements(job: Job, settings: dict[str, int | None] | None = None) -> list[str]:
    """Every element of the route holds the service's construct as planned, or as it is with
    `settings` ({"mbps", "a", "z"}: a change); the reasons of those that refuse."""
    return _configure(job, settings)


def _configure(job: Job, settings: dict[str, int | None] | None) -> list[str]:
    icm, row = _load(job)
    hops = _hops(row) if settings is None else _as_settled(row, settings)
    return [_refusal(result) for result in icm.adagio.apply_many([(hop.element, hop.fc) for hop in hops])
            if not result.ok]


@DBOS.step(retries_allowed=True, max_attempts=5, interval_seconds=1.0, backoff_rate=2.0,
            should_retry=retry_unless_stopping)
def unconfigure_elements(job: Job) -> None:
    icm, row = _load(job)
    problems = [_refusal(result) for result in icm.adagio.remove_many([(hop.element, row.uuid) for hop in _hops(row)])
                if not result.ok]
    if problems:
        # Raising makes DBOS retry: a construct left on an element is never acceptable.
        raise RuntimeError("; ".join(problems))


@DBOS.step()
def record_outcome(job: Job, target: str, reason: str | None, release: bool) -> None:
    icm = _ICMS[job.network_domain]
    with icm.database.transaction() as session:
        row = icm.get(session, job.service, None)
        if row.state == target:
            return  # this step already ran before a crash
        if release:
            icm.inventory.release(session, row.uuid)
        cs.transition_to(session, row, target, reason=reason, wake=icm.wake)


@DBOS.step()
def apply_change(job: Job, after: dict[str, int | None]) -> list[str]:
    """`configure_elements` with the change and, when every element took it, `settle_change`
    as asked, in one checkpoint: a change the elements take (nearly all) is one step. Run again
    after a crash between the two, the elements are given what they already hold (no change)
    and the settling sees where the row already is."""
    problems = _configure(job, after)
    if not problems:
        _settle(job, after, None)
    return problems


@DBOS.step()
def settle_change(job: Job, kept: dict[str, int | None], reason: str | None, hold_both: bool = False) -> None:
    """End a change with the service as `kept`: what was asked, or what it was when refused.
    The reservation follows `kept`, and of each end point's two CE-VLANs the one not kept is
    given back, in the transaction that records the outcome; unless `hold_both` (an element
    could not be put back and may still forward the other one): then the service holds both
    until it is removed, so no other service is given a VLAN an element still uses."""
    _settle(job, kept, reason, hold_both)


def _settle(job: Job, kept: dict[str, int | None], reason: str | None, hold_both: bool = False) -> None:
    icm = _ICMS[job.network_domain]
    with icm.database.transaction() as session:
        row = icm.get(session, job.service, None)
        if row.state != cs.MODIFYING or row.generation != job.generation:
            return  # this step already ran before a crash
        before, after = row.pending["from"], row.pending["to"]
        icm.inventory.change_bandwidth(session, row.uuid, int(kept["mbps"] or 0))
        request = dict(row.request)
        for name in "az":
            if before[name] == after[name]:
                continue
            end = request[name]
            dropped = after[name] if kept[name] == before[name] else before[name]
            if dropped is not None and not hold_both:
                icm.inventory.release_ce_vlan(session, row.uuid, element=end["element"], port=end["port"],
                                              vlan=dropped)
            request[name] = {**end, "vlan_id": kept[name]}
        row.plan = {**row.plan, "hops": hops_to_json(_as_settled(row, kept))}
        row.bandwidth_mbps = int(kept["mbps"] or 0)
        row.request = request
        row.pending = None
        cs.transition_to(session, row, cs.INSTALLED, reason=reason, wake=icm.wake)


def _describe(settings: dict[str, int | None], changed: Sequence[str]) -> str:
    words = {"mbps": f"{settings['mbps']} Mbit/s", "a": f"CE-VLAN {settings['a']} at end point a",
             "z": f"CE-VLAN {settings['z']} at end point z"}
    return ", ".join(words[key] for key in changed)


# -- workflows -------------------------------------------------------------------------------
@DBOS.workflow()
def activate_group(group: Group) -> dict[str, str]:
    problems = configure_group(group)
    failures = {uuid: "Activation failed and was rolled back: " + "; ".join(reasons)
                for uuid, reasons in problems.items() if reasons}
    if failures:
        unconfigure_group(Group(group.network_domain, tuple(failures)))
    record_activations(group, failures)
    return {uuid: cs.FAILED if uuid in failures else cs.INSTALLED for uuid in group.services}


@DBOS.workflow()
def change_connectivity_service(job: Job, before: dict[str, int | None], after: dict[str, int | None]) -> str:
    """A change of bandwidth and/or end point CE-VLANs: every element takes it, or every
    element is given back what it held and the service stays as it was."""
    problems = apply_change(job, after)
    if not problems:
        return cs.INSTALLED
    unrestored = configure_elements(job, before)  # put back what the elements held before
    changed = [key for key in ("mbps", "a", "z") if before[key] != after[key]]
    reason = (f"Change to {_describe(after, changed)} refused, kept {_describe(before, changed)}: "
              + "; ".join(problems))
    if unrestored:
        reason += ("; putting the elements back failed too, so the service holds both CE-VLANs until it is "
                   "removed: " + "; ".join(unrestored))
    settle_change(job, before, reason, bool(unrestored))
    return "refused"


@DBOS.workflow()
def remove(job: Job) -> str:
    unconfigure_elements(job)
    record_outcome(job, cs.REMOVED, None, True)
    return cs.REMOVED


# -- submission ------------------------------------------------------------------------------
def submit_activation(icm: Icm, activation: str, services: list[str], *, start: Starter = start_once) -> None:
    start(activate_group, activation, Group(icm.name, tuple(services)))


def submit_change(icm: Icm, row: ConnectivityServiceRow, *, start: Starter = start_once) -> None:
    pending = row.pending or {}
    start(change_connectivity_service, f"presto-modify-{row.uuid}-{row.generation}",
          Job(icm.name, row.uuid, row.generation), pending["from"], pending["to"])


def submit_removal(icm: Icm, row: ConnectivityServiceRow, *, start: Starter = start_once) -> None:
    start(remove, f"presto-remove-{row.uuid}", Job(icm.name, row.uuid))


_REINSTALL_BATCH = 500  # services per ADAGIO call when a network is given back its services


def reinstall_all(icm: Icm) -> int:
    """Put back on the elements the constructs of every installed service, after the network
    came back without them (a twin process that restarted, not persisting its elements).
    Applying what an element already holds changes nothing, so this is safe whenever; an
    element that refuses is logged for the operator. Services in the middle of a change are
    their workflows' business. Returns how many services were put back."""
    with icm.database.read() as session:
        rows = [row for row in icm.list(session, None) if row.state == cs.INSTALLED]
    for start in range(0, len(rows), _REINSTALL_BATCH):  # a big network goes back a batch at a time
        items = [(hop.element, hop.fc) for row in rows[start:start + _REINSTALL_BATCH] for hop in _hops(row)]
        for result in icm.adagio.apply_many(items):
            if not result.ok:
                log.error("%s: could not put back %s: %s", icm.name, result.fc_id, _refusal(result))
    log.info("%s: %d installed connectivity services put back on the network", icm.name, len(rows))
    return len(rows)


def resume_all(icm: Icm) -> int:
    """Start, find running, or restart the workflow of every service caught mid-change: the
    process died between committing a request and starting its workflow, or a workflow ended
    without finishing (a new run redoes nothing that is done: the steps are idempotent)."""
    with icm.database.transaction() as session:
        rows = [r for r in icm.list(session, None) if r.state in (cs.PLANNED, cs.MODIFYING, cs.REMOVING)]
    groups: dict[str, list[str]] = {}
    for row in rows:
        if row.state == cs.PLANNED:
            groups.setdefault(row.plan.get("activation") or f"presto-activate-{row.uuid}", []).append(row.uuid)
        else:
            {cs.MODIFYING: submit_change, cs.REMOVING: submit_removal}[row.state](icm, row, start=start_or_restart)
    for activation, services in groups.items():
        submit_activation(icm, activation, services, start=start_or_restart)
    return len(rows)
