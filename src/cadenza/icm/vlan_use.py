"""VLAN ids in use per port, mirrored in memory for choosing S-VLANs.

Choosing the lowest S-VLAN free on both ends of a link used to read every VLAN of both ports
from the database: on a core link carrying hundreds of services that read grew with every
service and became most of a reservation. The mirror is read whole on first use. A
claim enters it at once (so a transaction planning many services sees its own claims, and
concurrent ones avoid them) and leaves it again if its transaction rolls back; a release
leaves it when its transaction commits. Per port a low-water mark remembers below which id
everything is taken, so the lowest free id is found without scanning the taken ones.

The unique constraint on (domain, element, port, vlan) stays the only authority: when a claim
collides (another process took the id), the caller forgets the mirror and plans again. Ids
another process gave back stay taken here until then, or until a transaction that plans on
fresh pictures reads its ports again (`refresh`): a refusal is never the mirror's word alone.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.orm import Session

from cadenza.core.db import per_transaction
from cadenza.icm.rows import VlanAllocationRow

__all__ = ["Port", "VlanUse", "FIRST_S_VLAN", "LAST_VLAN"]

Port = tuple[str, str]  # (element, port)
FIRST_S_VLAN = 2  # 1 is the default VLAN of most equipment: never handed out as an S-VLAN
LAST_VLAN = 4094

_VLANS = VlanAllocationRow.__table__
_USED_IN_DOMAIN = (select(_VLANS.c.element, _VLANS.c.port, _VLANS.c.vlan_id)
                   .where(_VLANS.c.network_domain == bindparam("domain")))


class VlanUse:
    def __init__(self, domain: str) -> None:
        self._domain = domain
        self._used: dict[Port, set[int]] = {}
        self._low: dict[Port, int] = {}  # every id from FIRST_S_VLAN up to (not incl.) this is taken
        self._complete = False  # every port of the domain read (else: read on first use)
        self._open: Counter[tuple[Port, int]] = Counter()  # claimed by transactions not yet ended
        self._lock = threading.RLock()

    def taken(self, session: Session, ports: Iterable[Port]) -> dict[Port, set[int]]:
        """The ids in use on each port (committed, or claimed by a transaction still open)."""
        wanted = list(dict.fromkeys(ports))
        self._load(session, wanted)
        with self._lock:
            return {port: set(self._used[port]) for port in wanted}

    def in_use(self, session: Session, port: Port, vlan: int) -> bool:
        """Whether `vlan` is in use on `port` (committed, or claimed by a transaction still open)."""
        self._load(session, [port])
        with self._lock:
            return vlan in self._used[port]

    def lowest_free(self, session: Session, a: Port, b: Port) -> int | None:
        """The lowest S-VLAN id in use on neither port."""
        self._load(session, [a, b])
        with self._lock:
            used_a, used_b = self._used[a], self._used[b]
            vlan = max(self._low[a], self._low[b])
            while vlan <= LAST_VLAN and (vlan in used_a or vlan in used_b):
                vlan += 1
            return vlan if vlan <= LAST_VLAN else None

    def claimed(self, session: Session, claims: Iterable[tuple[Port, int]]) -> None:
        """Ids `session` has inserted: taken from now on, unless it rolls back."""
        claims = list(claims)
        self._pending(session).claims.extend(claims)
        with self._lock:
            self._open.update(claims)
            for port, vlan in claims:
                if port in self._used:
                    self._take(port, vlan)

    def released(self, session: Session, releases: Iterable[tuple[Port, int]]) -> None:
        """Ids `session` has deleted: free once it commits."""
        self._pending(session).releases.extend(releases)

    def refresh(self, session: Session, ports: Iterable[Port]) -> None:
        """Read these ports again from the database (as `session` sees it), keeping what
        transactions of this process have claimed and not yet ended, and what `session` has
        given back but not yet committed: ids another process took or gave back since show."""
        wanted = list(dict.fromkeys(ports))
        if not wanted:
            return
        stored: dict[Port, set[int]] = {port: set() for port in wanted}
        for element, port, vlan in session.execute(
                select(_VLANS.c.element, _VLANS.c.port, _VLANS.c.vlan_id).where(
                    _VLANS.c.network_domain == self._domain,
                    tuple_(_VLANS.c.element, _VLANS.c.port).in_(wanted))):
            stored[(element, port)].add(vlan)
        own: _Pending | None = session.info.get(self)
        for port, vlan in own.releases if own is not None else ():
            if port in stored:
                stored[port].add(vlan)
        with self._lock:
            for port, vlan in self._open:
                if port in stored:
                    stored[port].add(vlan)
            for port, vlans in stored.items():
                self._used[port], self._low[port] = set(), FIRST_S_VLAN
                for vlan in vlans:
                    self._take(port, vlan)

    def forget(self) -> None:
        """Drop the whole mirror: the next look reads it again from the database."""
        with self._lock:
            self._used.clear()
            self._low.clear()
            self._complete = False

    # -- internals ------------------------------------------------------------------------
    def _load(self, session: Session, wanted: list[Port]) -> None:
        with self._lock:
            if self._complete:
                for port in wanted:
                    if port not in self._used:  # a port nobody has used yet
                        self._used[port], self._low[port] = set(), FIRST_S_VLAN
                return
        # The first look reads the whole domain in one statement (a list of ports would be a
        # statement per new port). It sees this transaction's own claims too: they are in its
        # pending list, so a rollback takes them out again like any other.
        loaded: dict[Port, set[int]] = {port: set() for port in wanted}
        for element, port, vlan in session.execute(_USED_IN_DOMAIN, {"domain": self._domain}):
            loaded.setdefault((element, port), set()).add(vlan)
        with self._lock:
            for port, vlans in loaded.items():
                if port not in self._used:
                    self._used[port], self._low[port] = set(), FIRST_S_VLAN
                    for vlan in vlans:
                        self._take(port, vlan)
            self._complete = True

    def _take(self, port: Port, vlan: int) -> None:
        used = self._used[port]
        used.add(vlan)
        low = self._low[port]
        while low in used:
            low += 1
        self._low[port] = low

    def _free(self, port: Port, vlan: int) -> None:
        if port in self._used:
            self._used[port].discard(vlan)
            self._low[port] = min(self._low[port], max(vlan, FIRST_S_VLAN))

    def _pending(self, session: Session) -> _Pending:
        return per_transaction(session, self, _Pending, after_commit=self._committed,
                               after_rollback=self._rolled_back)

    def _committed(self, pending: _Pending) -> None:
        with self._lock:
            self._ended(pending.claims)
            for port, vlan in pending.releases:
                self._free(port, vlan)

    def _rolled_back(self, pending: _Pending) -> None:
        with self._lock:
            self._ended(pending.claims)
            for port, vlan in pending.claims:
                self._free(port, vlan)

    def _ended(self, claims: list[tuple[Port, int]]) -> None:
        for claim in claims:
            left = self._open[claim] - 1
            if left > 0:
                self._open[claim] = left
            else:
                del self._open[claim]


@dataclass
class _Pending:
    """A transaction's claims (taken at once, undone on rollback) and releases (on commit)."""

    claims: list[tuple[Port, int]] = field(default_factory=list)
    releases: list[tuple[Port, int]] = field(default_factory=list)
