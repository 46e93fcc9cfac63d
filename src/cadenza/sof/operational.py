"""A service's operational state (MEF OperationalState, the `operationalState` of an EVC or OVC):
can it carry traffic now?

The SOF derives it from what its ICMs say of the service's PRESTO segments: `ENABLED` while the
service is `active` and every segment is ENABLED, else `DISABLED`. Each segment's last reported
state is kept in `sof_segment_state`. A segment's state change event (PRESTO hub) is only a
hint: when it disagrees with what is kept, the segment is read again over PRESTO and that
reading is recorded, so a forged or stale event can cause a read but never a state. A reading
of every segment (`reconcile`, at start-up and every `operational_reconcile_s` of the SOF's
settings) catches an event lost on the way. A change of the service's operational state
publishes `serviceAttributeValueChangeEvent`. What the ICM says is down on a DISABLED segment's
route (`route-faults`) is kept beside its state: the service's alarm (sof/alarms) names it.

The partner's leg of an off-net service ordered over INTERLUDE is one more kept segment, read
from the partner's service inventory (sof/partner_state.py); one ordered over SONATA is not
included: neither SONATA product inventory nor its events carry an operational state
(docs/legato-profile.md).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from cadenza.core.db import Database
from cadenza.interfaces.legato.paths import OPERATIONAL_DISABLED, OPERATIONAL_ENABLED
from cadenza.interfaces.presto import paths as presto
from cadenza.interfaces.presto.client import ConnectivityService, PrestoError, PrestoNotFound
from cadenza.sof import service_inventory as inventory
from cadenza.sof.alarms import alarm
from cadenza.sof.rows import SegmentStateRow, ServiceRow
from cadenza.sof.service import Sof

__all__ = ["ENABLED", "DISABLED", "derived", "track_segment", "record_segment", "route_faults", "refresh",
           "forget_segments", "follow_segment", "reconcile", "reading_turn"]

log = logging.getLogger(__name__)

ENABLED = OPERATIONAL_ENABLED
DISABLED = OPERATIONAL_DISABLED
# How often every segment is read anyway. Events carry the changes within a second; this only
# bounds how long a lost one can leave a service showing the wrong state.
# A reading is recorded before the next one is taken, so an older reading (a reconcile's list
# taken before an event's read) cannot overwrite a newer one. The threads of one process take
# turns on a lock; the workers of a domain on PostgreSQL then on an advisory lock of the SOF,
# held by one connection of each process at most (a thread waits on the process's lock first).
_READING = threading.Lock()
_turn_ended = 0.0  # time.monotonic() when this process last gave the turn back
# Per segment, a time.monotonic() no later than the start of the last reading this process
# recorded of it (kept in turns, read in turns). An event heard before that needs no reading of
# its own: when one link carries a thousand segments, its failure is a thousand events, and each
# waiting its turn to read one segment left the listener's threads all waiting behind the lock
# while the periodic reading had already recorded what they would read.
_recorded: OrderedDict[str, float] = OrderedDict()
_RECORDED_KEPT = 100_000
# Followers waiting for the turn in this process. When many wait (a link failure), the one
# whose turn it is reads its network domain's whole list once, as the periodic reading does,
# and the others then find their segments recorded: one list instead of a read each.
_waiting: dict[str, int] = {}
_WAITING = threading.Lock()
MANY_WAITING = 32


def _recorded_since(uuid: str, begun: float) -> None:
    _recorded[uuid] = max(begun, _recorded.get(uuid, begun))
    _recorded.move_to_end(uuid)
    while len(_recorded) > _RECORDED_KEPT:
        _recorded.popitem(last=False)


def reading_key(sof_name: str) -> int:
    """The advisory lock (a signed 64-bit key) the workers of one SOF take turns on."""
    return int.from_bytes(hashlib.sha256(f"sof-reading\0{sof_name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def reading_turn(database: Database, sof_name: str) -> Iterator[float]:
    """Read and record one reading with no other reading of this SOF in between, in any worker.
    Yields the `time.monotonic()` since which no other turn recorded a reading: one begun since
    (sof/segment_readings.py), even outside the turn, is no older than anything recorded."""
    global _turn_ended
    with _READING:
        try:
            if database.is_sqlite:  # one process
                yield _turn_ended
                return
            key = reading_key(sof_name)
            with database.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
                conn.commit()  # a session lock: it outlives the statement's transaction
                try:
                    yield time.monotonic()  # other workers' turns end unseen here
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    conn.commit()
        finally:
            _turn_ended = time.monotonic()


def derived(lifecycle: str, segments: Iterable[str]) -> str:
    """The service's operational state from its lifecycle state and its segments' TAPI states."""
    if lifecycle != inventory.ACTIVE:
        return DISABLED
    return ENABLED if all(state == presto.ENABLED for state in segments) else DISABLED


def track_segment(session: Session, service_id: str, segment: dict[str, Any], state: str) -> None:
    """Start keeping a segment's state once its ICM has accepted it."""
    row = session.get(SegmentStateRow, segment["uuid"])
    if row is None:
        session.add(SegmentStateRow(uuid=segment["uuid"], service_id=service_id,
                                    network_domain=segment["networkDomain"], operational_state=state))
    else:
        row.operational_state = state


def refresh(session: Session, service: ServiceRow, *, reporter: alarm.Reporter, announce: bool = True,
            wake: Callable[[], None] | None = None) -> bool:
    """Derive the service's state from its kept segments; publish when it changed and `announce`.
    The service's alarm follows (sof/alarms/alarm.py), raised by `reporter`."""
    states = session.scalars(select(SegmentStateRow.operational_state).where(
        SegmentStateRow.service_id == service.id))
    new = derived(service.state, states)
    changed = new != service.operational_state
    if changed:
        service.operational_state = new
        if announce:
            inventory.announce_changed(session, service, wake=wake)
    alarm.follow(session, service, reporter=reporter, wake=wake)
    return changed


def route_faults(segment: ConnectivityService) -> list[str] | None:
    """What the ICM says is down on a segment's route; None while it carries traffic."""
    if segment.operational_state != presto.DISABLED:
        return None
    said = (segment.raw.get("cadenza-activation") or {}).get("route-faults") or []
    return [str(fault) for fault in said]


def record_segment(session: Session, uuid: str, state: str, *, reporter: alarm.Reporter,
                   faults: list[str] | None = None, wake: Callable[[], None] | None = None) -> bool:
    """What an ICM read says of a segment (its state, and what is down on its route), and what
    follows for its service. Returns whether anything kept changed."""
    row = session.get(SegmentStateRow, uuid)
    faults = faults if state == presto.DISABLED else None
    if row is None or (row.operational_state == state and row.route_faults == faults):
        return False
    row.operational_state, row.route_faults = state, faults
    service = session.get(ServiceRow, row.service_id)
    if service is not None:
        refresh(session, service, reporter=reporter, wake=wake)
    return True


def forget_segments(session: Session, service_id: str) -> None:
    """A terminated service has no segments left to follow."""
    session.execute(delete(SegmentStateRow).where(SegmentStateRow.service_id == service_id))


def _read(sof: Sof, network_domain: str, uuid: str, since: float) -> tuple[str, list[str] | None]:
    try:
        segment = sof.readings.read(network_domain, uuid, since=since)
    except PrestoNotFound:  # gone from the network: it carries nothing
        return presto.DISABLED, [f"segment {uuid} is gone from the {network_domain} network"]
    return segment.operational_state, route_faults(segment)


def follow_segment(sof: Sof, uuid: str, hint: Any, heard_at: float | None = None) -> None:
    """A PRESTO event named segment `uuid`, saying `hint` of its state: read it again if that
    differs from what is kept. A failed read raises, so the ICM's outbox sends the event again.
    `heard_at` (`time.monotonic()`, now if not given): when the event arrived. A reading begun
    since then by a step waiting for the segment serves here too (sof/segment_readings.py), and
    so does a reading recorded since (another event's, or a list of the whole network domain)."""
    heard_at = time.monotonic() if heard_at is None else heard_at
    with sof.database.read() as session:
        row = session.get(SegmentStateRow, uuid)
        if row is None or row.operational_state == hint:
            return
        network_domain = row.network_domain
    with _WAITING:
        _waiting[network_domain] = _waiting.get(network_domain, 0) + 1
    counted = True
    try:
        with reading_turn(sof.database, sof.name) as quiet_since:
            with _WAITING:
                _waiting[network_domain] -= 1
                counted = False
                many = _waiting[network_domain] >= MANY_WAITING
            if _recorded.get(uuid, -1.0) >= heard_at:
                return  # a reading begun since the event arrived is recorded: it shows what the event told
            if many and _record_domain(sof, network_domain) is not None and _recorded.get(uuid, -1.0) >= heard_at:
                return
            since = max(heard_at, quiet_since)
            state, faults = _read(sof, network_domain, uuid, since)
            with sof.database.transaction() as session:
                record_segment(session, uuid, state, reporter=sof.alarm_reporter, faults=faults, wake=sof.wake)
            _recorded_since(uuid, since)
    finally:
        if counted:  # the turn was never had
            with _WAITING:
                _waiting[network_domain] -= 1


def _record_domain(sof: Sof, network_domain: str) -> int | None:
    """In a reading turn: read every segment of `network_domain` in one list and record what
    differs; how many changed, or None when the ICM did not answer."""
    begun = time.monotonic()
    try:
        now = {s.uuid: (s.operational_state, route_faults(s))
               for s in sof.presto.list_connectivity_services(network_domain)}
    except PrestoError as exc:
        log.info("%s: the operational state of %s's segments cannot be read now: %s", sof.name, network_domain, exc)
        return None
    changed = 0
    with sof.database.transaction() as session:
        for row in session.scalars(select(SegmentStateRow).where(
                SegmentStateRow.network_domain == network_domain)).all():
            state, faults = now.get(row.uuid, (presto.DISABLED, [
                f"segment {row.uuid} is gone from the {network_domain} network"]))
            if record_segment(session, row.uuid, state, reporter=sof.alarm_reporter, faults=faults, wake=sof.wake):
                changed += 1
    for uuid in now:  # recorded (committed): the events heard before the list need no reading
        _recorded_since(uuid, begun)
    return changed


def reconcile(sof: Sof) -> int:
    """Read every kept segment from its ICM (one list per network domain) and record what
    differs; returns how many segments changed. A domain that does not answer is skipped."""
    with sof.database.read() as session:
        # a partner's segment (its party as the domain) is read from the partner (sof/partner_state.py)
        domains = sorted(set(session.scalars(select(SegmentStateRow.network_domain).distinct()))
                         - set(sof.partner_access))
    changed = 0
    for network_domain in domains:
        with reading_turn(sof.database, sof.name):
            found = _record_domain(sof, network_domain)
        if found:
            log.info("%s: %d segment(s) in %s had changed unheard", sof.name, found, network_domain)
            changed += found
    return changed
