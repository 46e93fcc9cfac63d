"""The durable move of a connectivity service to its new route, make before break.

Order, so the frames always have a whole path but for the moment of a commit:
1. the elements only on the new route get the service's construct (no frame reaches them yet);
2. the elements on both routes whose construct changes (where the routes part and meet again)
   get it replaced in place, one commit each, all sent at once: the frames follow the new
   ports as each commits;
3. the plan records the new route (what the network now carries: operational state is read
   from it), and a moved end point (icm/reassign.py) its new port;
4. the elements only on the old route lose the construct, and the old route's own links give
   back their bandwidth and S-VLANs (and a moved end point's old port its bandwidth and CE-VLAN),
   in the transaction that ends the move and queues the service's state-change event (what
   changed: the route, the end point).
An element refusing in 1 or 2 undoes everything: the changed elements get their old construct
back, the new elements lose theirs, the new links' (and port's) resources are released, the
reason is recorded; the service is as it was. Each step is idempotent (an element given what it holds
changes nothing; the records check the generation), so a workflow resumed after a crash
redoes nothing that is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dbos import DBOS

from cadenza.core.clock import iso, now
from cadenza.core.workflows import retry_unless_stopping, start_once, start_or_restart
from cadenza.icm import connectivity_service as cs
from cadenza.icm.activation import Starter, registered
from cadenza.icm.design import Hop, hops_from_json
from cadenza.icm.reroute import REROUTE, ROUTE_KEYS, describe_avoid, rerouting
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.icm.service import Icm
from cadenza.interfaces.adagio.contract import ElementResult

__all__ = ["RerouteJob", "reroute_connectivity_service", "submit_reroute", "resume_reroutes"]

NEW, OLD = "to", "from"


@dataclass(frozen=True, slots=True)
class RerouteJob:
    network_domain: str
    service: str
    generation: int


@dataclass(frozen=True, slots=True)
class _Move:
    old: list[Hop]
    new: list[Hop]

    def only(self, side: str) -> list[Hop]:
        """The constructs of the elements on the `side` route alone."""
        mine, other = (self.new, self.old) if side == NEW else (self.old, self.new)
        theirs = {hop.element for hop in other}
        return [hop for hop in mine if hop.element not in theirs]

    def changed(self, side: str) -> list[Hop]:
        """The `side` constructs of the elements on both routes whose construct changes."""
        old = {hop.element: hop for hop in self.old}
        new = {hop.element: hop for hop in self.new if hop.element in old and hop.fc != old[hop.element].fc}
        return list(new.values()) if side == NEW else [old[element] for element in new]


def _load(job: RerouteJob) -> tuple[Icm, ConnectivityServiceRow | None]:
    """The service, if this job's move is still under way (None: it ended, the step already ran)."""
    icm = registered(job.network_domain)
    with icm.database.read() as session:
        row = icm.get(session, job.service, None)
    return icm, row if rerouting(row) and row.generation == job.generation else None


def _move(row: ConnectivityServiceRow) -> _Move:
    pending = row.pending[REROUTE]
    return _Move(hops_from_json(row.uuid, pending[OLD]["hops"]), hops_from_json(row.uuid, pending[NEW]["hops"]))


def _refusals(results: list[ElementResult]) -> list[str]:
    return [f"{r.error.element} refused: {r.error.reason}" for r in results if r.error is not None]


# -- steps -----------------------------------------------------------------------------------
def _configure(job: RerouteJob, which: str) -> list[str]:
    icm, row = _load(job)
    if row is None:
        return []
    move = _move(row)
    hops = {"new-only": move.only(NEW), "switch": move.changed(NEW), "put-back": move.changed(OLD)}[which]
    return _refusals(icm.adagio.apply_many([(hop.element, hop.fc) for hop in hops]))


@DBOS.step()
def reroute_apply(job: RerouteJob, which: str) -> list[str]:
    """Configure the new route's constructs on the elements only on it ("new-only"), or in
    place on those on both routes ("switch"); the refusals."""
    return _configure(job, which)


@DBOS.step(retries_allowed=True, max_attempts=5, interval_seconds=1.0, backoff_rate=2.0,
           should_retry=retry_unless_stopping)
def reroute_put_back(job: RerouteJob) -> None:
    """The elements on both routes hold their old construct again."""
    problems = _configure(job, "put-back")
    if problems:
        # Raising makes DBOS retry: an element left on the new route while the others are back
        # on the old one breaks the service.
        raise RuntimeError("; ".join(problems))


@DBOS.step(retries_allowed=True, max_attempts=5, interval_seconds=1.0, backoff_rate=2.0,
           should_retry=retry_unless_stopping)
def reroute_unconfigure(job: RerouteJob, side: str) -> None:
    """Remove the constructs of the elements on the `side` route alone."""
    icm, row = _load(job)
    if row is None:
        return
    problems = _refusals(icm.adagio.remove_many([(hop.element, row.uuid) for hop in _move(row).only(side)]))
    if problems:
        # Raising makes DBOS retry: a construct left on an element is never acceptable.
        raise RuntimeError("; ".join(problems))


@DBOS.step()
def reroute_record_route(job: RerouteJob) -> None:
    """The plan follows the frames: from now on they take the new route."""
    icm = registered(job.network_domain)
    with icm.database.transaction() as session:
        row = icm.get(session, job.service, None)
        if not rerouting(row) or row.generation != job.generation:
            return  # the move ended before a crash
        pending = row.pending[REROUTE]
        if pending.get("switched"):
            return  # this step already ran
        row.plan = {**row.plan, **{key: pending[NEW][key] for key in ROUTE_KEYS}}
        end = pending.get("end")
        if end is not None:  # an end point moved too (icm/reassign.py): the service ends at the new port now
            row.request = {**row.request, end["name"]: end["to"]}
        row.pending = {REROUTE: {**pending, "switched": True}}


@DBOS.step()
def reroute_settle(job: RerouteJob, reason: str | None) -> None:
    """End the move: the route left gives back its own links (or, refused, the new route's
    links are given back and the reason kept); the state-change event says what changed."""
    icm = registered(job.network_domain)
    with icm.database.transaction() as session:
        row = icm.get(session, job.service, None)
        if not rerouting(row) or row.generation != job.generation:
            return  # this step already ran before a crash
        pending = row.pending[REROUTE]
        left, kept = (pending[OLD], pending[NEW]) if reason is None else (pending[NEW], pending[OLD])
        icm.inventory.release_links(session, row.uuid, [link for link in left["links"]
                                                        if link not in kept["links"]])
        end = pending.get("end")
        if end is not None:  # the port the service left, or the one it did not move to after all
            port = end["from"] if reason is None else end["to"]
            icm.inventory.release_end(session, row.uuid, port["element"], port["port"])
        what = describe_avoid(pending["avoid_links"], pending["avoid_elements"])
        row.pending = None
        row.reason = reason
        row.updated_at = now()
        notification = _route_changed(row, pending, what) if reason is None else {"additional-text": reason}
        cs.announce(session, row, wake=icm.wake, notification=notification)


def _route_changed(row: ConnectivityServiceRow, pending: dict[str, Any], what: str) -> dict[str, Any]:
    """A TAPI notification (tapi-notification.yang) of the route's change (and the end point's)."""
    end = pending.get("end")
    changed = [{"value-name": "route", "old-value": " -> ".join(pending[OLD]["elements"]),
                "new-value": " -> ".join(pending[NEW]["elements"])}]
    if end is not None:
        changed.append({"value-name": f"end-point {end['name']}", "old-value": end["from"]["sip"],
                        "new-value": end["to"]["sip"]})
    return {"notification-type": "ATTRIBUTE_VALUE_CHANGE", "target-object-type": "CONNECTIVITY_SERVICE",
            "target-object-identifier": row.uuid, "target-object-name": [{"value-name": "name", "value": row.uuid}],
            "event-time-stamp": iso(row.updated_at), "source-indicator": "MANAGEMENT_OPERATION",
            "layer-protocol-name": "ETH",
            "changed-attributes": changed,
            "additional-text": (f"end point {end['name']} moved from {end['from']['sip']} to {end['to']['sip']}, "
                                "make before break" if end is not None else
                                f"rerouted make before break, avoiding {what}")}


# -- workflow --------------------------------------------------------------------------------
@DBOS.workflow()
def reroute_connectivity_service(job: RerouteJob) -> str:
    problems = reroute_apply(job, "new-only")
    if not problems:
        problems = reroute_apply(job, "switch")
        if problems:
            reroute_put_back(job)
    if problems:
        reroute_unconfigure(job, NEW)
        reroute_settle(job, "Reroute refused and undone, the service kept its route: " + "; ".join(problems))
        return "refused"
    reroute_record_route(job)
    reroute_unconfigure(job, OLD)
    reroute_settle(job, None)
    return cs.INSTALLED


# -- submission ------------------------------------------------------------------------------
def submit_reroute(icm: Icm, row: ConnectivityServiceRow, *, start: Starter = start_once) -> None:
    start(reroute_connectivity_service, f"presto-reroute-{row.uuid}-{row.generation}",
          RerouteJob(icm.name, row.uuid, row.generation))


def resume_reroutes(icm: Icm) -> int:
    """Start, find running, or restart the move of every service caught mid-reroute."""
    with icm.database.read() as session:
        rows = [row for row in icm.list(session, None) if rerouting(row)]
    for row in rows:
        submit_reroute(icm, row, start=start_or_restart)
    return len(rows)
