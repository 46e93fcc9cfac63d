"""ICM PM collection (MEF 55.0.1 §10.4 step 4.1 and §10.6 step 2): read the ended PM bins of
every installed connectivity service from the elements over ADAGIO, keep them, and tell the
hub when a direction crosses a threshold.

Each direction of a service is the session at its ingress edge (the `a` and `z` ends). A
collection asks each session for the bins after the last one stored (at most `catch_up_bins`
back, what an element still keeps), so collections that overlap, run twice or were killed half
way store each bin once (the bin's primary key) and leave no gap: the next one starts from what
is stored. An element that does not answer is asked again next time. Bins older than the
retention are deleted.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cadenza.core.clock import iso, now
from cadenza.core.gc_tuning import collector_paused
from cadenza.core.notifications.outbox import publish
from cadenza.icm import connectivity_service as cs
from cadenza.icm.pm_bins import to_values_many
from cadenza.icm.pm_rows import PmBinRow, PmThresholdRow
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.icm.service import Icm
from cadenza.icm.settings import PmSettings
from cadenza.interfaces.adagio.contract import LOST_PROBE, AdagioError, PmInterval
from cadenza.interfaces.presto.paths import LISTENER_BASE, THRESHOLD_CROSSING_EVENT, events_api, icm_base

__all__ = ["Collected", "collect", "collect_service", "insert_bins", "store_bins", "FRAME_LOSS", "MEAN_DELAY"]

log = logging.getLogger(__name__)

FRAME_LOSS = "frame-loss-ratio"  # threshold parameters, as TAPI tca-info names what crossed
MEAN_DELAY = "mean-frame-delay"
_WATCHED = (cs.INSTALLED, cs.MODIFYING)
# Services read with one ADAGIO call per element and stored in one transaction. Their sessions
# are spread over the elements: batches of 500 asked most elements for a session or two per
# `<get>`, and the call per element cost more than its sessions; 5,000 services' bins of one
# interval are about 80 MB in hand.
_BATCH = 5_000


@dataclass
class Collected:
    sessions: int = 0
    bins: int = 0
    unreachable: list[str] = field(default_factory=list)
    crossings: int = 0
    expired: int = 0


def collect(icm: Icm, settings: PmSettings) -> Collected:
    sim_now, interval_s, *_ = icm.adagio.pm_clock()
    ended = int(sim_now // interval_s)  # bins before this one have ended
    result = Collected()
    with icm.database.transaction() as session:
        # the four columns collection needs, not ORM rows (their loading was a tenth of a collection)
        services = [_Watched(*values) for values in session.execute(select(
            ConnectivityServiceRow.uuid, ConnectivityServiceRow.request, ConnectivityServiceRow.owner,
            ConnectivityServiceRow.max_delay_ms).where(
            ConnectivityServiceRow.network_domain == icm.name, ConnectivityServiceRow.state.in_(_WATCHED)))]
        last = _last_stored(icm).of(session, icm.name, services, prune=True)
    for first in range(0, len(services), _BATCH):
        _collect_services(icm, services[first:first + _BATCH], settings, ended, last, result)
    horizon = int(sim_now - settings.retention_days * 86_400)
    with icm.database.transaction() as session:
        # `network_domain || ''` keeps SQLite off the primary key for this term: by it, SQLite
        # read every bin of the domain (a scan growing with the retention, a tenth to a fifth of
        # a collection already at a few intervals kept); by `start`'s index it reads only the
        # bins that expire
        result.expired = session.execute(delete(PmBinRow).where(
            PmBinRow.network_domain.concat("") == icm.name, PmBinRow.start < horizon)).rowcount or 0
    if result.unreachable:
        log.info("%s: PM of %d sessions not collected, asked again next time: %s", icm.name,
                 len(result.unreachable), "; ".join(result.unreachable[:3]))
    return result


def collect_service(icm: Icm, row: ConnectivityServiceRow, settings: PmSettings) -> Collected:
    """What has ended of one service's bins and is not stored yet, fetched now (§10.4 step 4:
    a report asks for what the cache lacks, not for everything)."""
    sim_now, interval_s, *_ = icm.adagio.pm_clock()
    ended = int(sim_now // interval_s)
    watched = _Watched(row.uuid, row.request, row.owner, row.max_delay_ms)
    with icm.database.read() as session:
        last = _last_stored(icm).of(session, icm.name, [watched])
    result = Collected()
    _collect_services(icm, [watched], settings, ended, last, result)
    return result


class _LastStored:
    """The number of the last bin stored of each session (service, ingress), kept by the ICM
    instead of derived from `icm_pm_bin` at every collection: `max(number)` per session scanned
    the primary key's index over every bin kept, which grows with the retention. A session this
    process has not stored nor read yet (after a start, or a new service) is read from the table
    once. What is kept is never ahead of the table (kept after the commit, of bins stored or
    found stored), so a collection never skips a bin; behind it (another worker stored more),
    a collection asks for bins already stored, which their primary key keeps once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._numbers: dict[tuple[str, str], int] = {}

    def of(self, session: Session, network_domain: str, services: Sequence[_Watched], *, prune: bool = False
           ) -> dict[tuple[str, str], int]:
        """The last stored bin of each session of `services` that has one; `prune`: forget the
        sessions of other services (`services` are all the ICM watches)."""
        keys = [(row.uuid, _ingress(end)) for row in services for end in (row.request["a"], row.request["z"])]
        with self._lock:
            if prune:
                self._numbers = {key: self._numbers[key] for key in keys if key in self._numbers}
            missing = sorted({uuid for uuid, ingress in keys if (uuid, ingress) not in self._numbers})
        found: dict[tuple[str, str], int] = {}
        for at in range(0, len(missing), _LOOKUP_CHUNK):
            found.update(((uuid, ingress), number) for uuid, ingress, number in session.execute(
                select(PmBinRow.service_uuid, PmBinRow.ingress, func.max(PmBinRow.number))
                .where(PmBinRow.network_domain == network_domain,
                       PmBinRow.service_uuid.in_(missing[at:at + _LOOKUP_CHUNK]))
                .group_by(PmBinRow.service_uuid, PmBinRow.ingress)))
        self.stored(found)
        with self._lock:
            return {key: self._numbers[key] for key in keys if key in self._numbers}

    def stored(self, numbers: dict[tuple[str, str], int]) -> None:
        """Sessions' bins up to these numbers are in the table (committed)."""
        with self._lock:
            for key, number in numbers.items():
                if number > self._numbers.get(key, -1):
                    self._numbers[key] = number


_LOOKUP_CHUNK = 500  # services per `max(number)` lookup: well within a statement's bound parameters
_LAST_STORED: weakref.WeakKeyDictionary[Icm, _LastStored] = weakref.WeakKeyDictionary()
_LAST_STORED_LOCK = threading.Lock()


def _last_stored(icm: Icm) -> _LastStored:
    with _LAST_STORED_LOCK:
        kept = _LAST_STORED.get(icm)
        if kept is None:
            kept = _LAST_STORED[icm] = _LastStored()
        return kept


def _ingress(end: dict[str, Any]) -> str:
    return f"{end['element']}:{end['port']}"


@dataclass(frozen=True, slots=True)
class _Watched:
    """What collection reads of a connectivity service."""

    uuid: str
    request: dict[str, Any]
    owner: str
    max_delay_ms: float | None


def _collect_services(icm: Icm, rows: list[_Watched], settings: PmSettings, ended: int,
                      last: dict[tuple[str, str], int], result: Collected) -> None:
    """Read the new bins of each direction of `rows`, then store them and tell their crossings in
    one transaction: a statement per bin and a transaction per session were most of the time.
    No cyclic collection meanwhile: the bins, rows and tuples are freed by reference counting,
    and a full collection walking the domain's heap cost up to a third of an interval's work."""
    with collector_paused():
        _read_and_store(icm, rows, settings, ended, last, result)


def _read_and_store(icm: Icm, rows: list[_Watched], settings: PmSettings, ended: int,
                    last: dict[tuple[str, str], int], result: Collected) -> None:
    asked: list[tuple[_Watched, str]] = []
    items: list[tuple[str, str, str, list[int]]] = []
    for row in rows:
        for end in (row.request["a"], row.request["z"]):
            ingress = _ingress(end)
            first = max(last.get((row.uuid, ingress), -1) + 1, ended - settings.catch_up_bins)
            if first >= ended:
                continue
            asked.append((row, ingress))
            items.append((end["element"], row.uuid, end["port"], list(range(first, ended))))
    result.sessions += len(items)
    # every session of an element in one ADAGIO call (one `<get>`): a call per session was most
    # of the reading
    read: list[tuple[_Watched, str, list[PmInterval]]] = []
    for (row, ingress), found in zip(asked, icm.adagio.pm_intervals_many(items) if items else [], strict=True):
        if isinstance(found, AdagioError):
            result.unreachable.append(f"{ingress}: {found}")
        elif found:
            read.append((row, ingress, found))
    if not read:
        return
    with icm.database.transaction() as session:
        result.bins += store_bins(session, icm.name, [b for _, _, bins in read for b in bins])
        states = {(t.service_uuid, t.ingress, t.parameter): t for t in session.scalars(select(PmThresholdRow).where(
            PmThresholdRow.network_domain == icm.name,
            PmThresholdRow.service_uuid.in_(sorted({row.uuid for row, _, _ in read}))))}
        figures = _figures([b for _, _, bins in read for b in bins])
        for row, ingress, bins in read:
            result.crossings += _crossings(session, icm, row, ingress, bins, settings, states, figures)
    # committed: these bins are stored (or were, by another collection: their key kept them once)
    _last_stored(icm).stored({(row.uuid, ingress): max(b.number for b in bins) for row, ingress, bins in read})


def store_bins(session: Session, network_domain: str, bins: Sequence[PmInterval]) -> int:
    """Store bins read over ADAGIO as `icm_pm_bin` rows, each once; how many were new."""
    with collector_paused():
        return insert_bins(session, to_values_many(network_domain, bins, now()))


def insert_bins(session: Session, values: list[dict[str, Any]]) -> int:
    """Insert `icm_pm_bin` rows, each bin once (its primary key); how many were new.

    On SQLite the rows go to the driver's `executemany` as tuples, each column's bind processor
    applied once per column (once for a value all rows share, as `collected_at`): SQLAlchemy's
    own executemany builds and processes a dict per row, which cost more than SQLite's work.
    PostgreSQL keeps SQLAlchemy's insert, which sends the rows as multi-row VALUES."""
    if not values:
        return 0
    connection = session.connection()
    dialect = connection.dialect
    table = PmBinRow.__table__
    if dialect.name == "postgresql":
        outcome = session.execute(postgresql.insert(table).on_conflict_do_nothing(), values)
        return outcome.rowcount if outcome.rowcount is not None and outcome.rowcount >= 0 else len(values)
    compiled = sqlite.insert(table).on_conflict_do_nothing().compile(dialect=dialect, column_keys=list(values[0]))
    names = compiled.positiontup or []
    columns: list[list[Any]] = []
    for name in names:
        column = [row[name] for row in values]
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            first = column[0]
            column = [process(first)] * len(column) if all(v is first for v in column) else \
                [process(v) for v in column]
        columns.append(column)
    cursor = connection.exec_driver_sql(str(compiled), list(zip(*columns, strict=True)))
    return cursor.rowcount if cursor.rowcount is not None and cursor.rowcount >= 0 else len(values)


def _crossings(session: Session, icm: Icm, row: _Watched, ingress: str, bins: list[PmInterval],
               settings: PmSettings, states: dict[tuple[str, str, str], PmThresholdRow],
               figures: dict[int, tuple[float | None, float | None]]) -> int:
    """Publish each threshold this direction crossed (above, or cleared) in the new bins."""
    delay_limit = row.max_delay_ms or settings.tca_mean_delay_ms
    published = 0
    for interval in sorted(bins, key=lambda b: b.number):
        loss, delay = figures[id(interval)]
        for parameter, (value, limit) in {FRAME_LOSS: (loss, settings.tca_frame_loss_percent),
                                          MEAN_DELAY: (delay, delay_limit)}.items():
            if limit is None or value is None:
                continue
            state = states.get((row.uuid, ingress, parameter))
            above = value > limit
            if (state is None and not above) or (state is not None and state.above == above):
                continue
            if state is None:
                state = states[(row.uuid, ingress, parameter)] = PmThresholdRow(
                    network_domain=icm.name, service_uuid=row.uuid, ingress=ingress, parameter=parameter, above=above,
                    since_number=interval.number)
                session.add(state)
            else:
                state.above, state.since_number = above, interval.number
            publish(session, api=events_api(icm.name), event_type=THRESHOLD_CROSSING_EVENT, party=row.owner,
                    listener_base_path=LISTENER_BASE, wake=icm.wake, resource={
                        "id": row.uuid,
                        "href": f"{icm_base(icm.name)}/restconf/data/context/connectivity-service={row.uuid}/",
                        "ingress": ingress, "egress": interval.far_end,
                        "threshold-crossing": "THRESHOLD_ABOVE" if above else "CLEARED",
                        "threshold-parameter": parameter, "threshold-value": limit, "measured-value": round(value, 6),
                        "perceived-severity": "WARNING" if above else "CLEARED",
                        "measurement-interval": iso(datetime.fromtimestamp(interval.start, UTC)),
                        "suspect-interval-flag": not interval.complete})
            published += 1
    return published


def _figures(bins: list[PmInterval]) -> dict[int, tuple[float | None, float | None]]:
    """Each bin's frame loss (%) and mean delay (ms) by `id(bin)`, the bins of one shape at once
    (a numpy view per bin and figure was a tenth of a collection). Loss is of green frames;
    the mean is over delivered probes, summed as whole µs."""
    found: dict[int, tuple[float | None, float | None]] = {}
    shapes: dict[tuple[int, int], list[PmInterval]] = {}
    for interval in bins:
        shapes.setdefault((len(interval.step_bytes) // 2, interval.probes_per_step), []).append(interval)
    for (n, m), group in shapes.items():
        frames = np.frombuffer(b"".join([b.frame_bytes for b in group]), dtype="<u8").reshape(len(group), 6, n)
        sent = frames[:, 1].sum(axis=1).tolist()
        received = frames[:, 4].sum(axis=1).tolist()
        delays = np.frombuffer(b"".join([b.delay_bytes for b in group]), dtype="<u4").reshape(len(group), n * m)
        delivered = delays != LOST_PROBE
        totals = np.where(delivered, delays, 0).sum(axis=1, dtype=np.uint64).tolist()
        counts = delivered.sum(axis=1).tolist()
        for interval, s, r, total, count in zip(group, sent, received, totals, counts, strict=True):
            found[id(interval)] = (100 * (s - r) / s if s else None, total / count / 1000 if count else None)
    return found
