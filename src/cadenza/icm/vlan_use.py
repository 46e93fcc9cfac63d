"""VLAN ids in use per port, mirrored in memory for choosing S-VLANs.

Choosing the lowest S-VLAN free on both ends of a link used to read every VLAN of both ports
from the database: on a core link carrying hundreds of services that read grew with every
service and became most of a reservation. The mirror is loaded per port on first use and
follows this process's committed claims and releases; the unique constraint on
(domain, element, port, vlan) stays the only authority. When a claim collides (another
process took the id), the caller forgets the ports and plans again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping

from sqlalchemy import bindparam, event, select, tuple_
from sqlalchemy.orm import Session

from cadenza.icm.rows import VlanAllocationRow

__all__ = ["Port", "VlanUse"]

Port = tuple[str, str]  # (element, port)

_VLANS = VlanAllocationRow.__table__
_USED_ON = (select(_VLANS.c.element, _VLANS.c.port, _VLANS.c.vlan_id)
            .where(_VLANS.c.network_domain == bindparam("domain"),
                   tuple_(_VLANS.c.element, _VLANS.c.port).in_(bindparam("ports", expanding=True))))
_CLAIMS = "vlan_claims"
_RELEASES = "vlan_releases"


class VlanUse:
    def __init__(self, domain: str) -> None:
        self._domain = domain
        self._used: dict[Port, set[int]] = {}
        self._lock = threading.Lock()

    def taken(self, session: Session, ports: Iterable[Port]) -> dict[Port, set[int]]:
        """The ids in use on each port, as committed plus what `session` has claimed so far."""
        wanted = list(dict.fromkeys(ports))
        self._load(session, wanted)
        pending: Mapping[Port, set[int]] = session.info.get(_CLAIMS, {})
        with self._lock:
            return {port: self._used[port] | pending.get(port, set()) for port in wanted}

    def lowest_free(self, session: Session, a: Port, b: Port, candidates: Iterable[int]) -> int | None:
        """The first of `candidates` in use on neither port (committed or claimed by `session`)."""
        self._load(session, [a, b])
        pending: Mapping[Port, set[int]] = session.info.get(_CLAIMS, {})
        empty: set[int] = set()
        with self._lock:
            sets = (self._used[a], self._used[b], pending.get(a, empty), pending.get(b, empty))
            return next((v for v in candidates if not any(v in used for used in sets)), None)

    def _load(self, session: Session, wanted: list[Port]) -> None:
        with self._lock:
            missing = [port for port in wanted if port not in self._used]
        if not missing:
            return
        loaded: dict[Port, set[int]] = {port: set() for port in missing}
        for element, port, vlan in session.execute(_USED_ON, {"domain": self._domain, "ports": missing}):
            loaded[(element, port)].add(vlan)
        # Claims of this session are in `loaded` already (same transaction): keep only what is
        # committed, so a rollback cannot leave them behind in the mirror.
        for port, vlans in session.info.get(_CLAIMS, {}).items():
            if port in loaded:
                loaded[port] -= vlans
        with self._lock:
            for port, vlans in loaded.items():
                self._used.setdefault(port, vlans)

    def claimed(self, session: Session, claims: Iterable[tuple[Port, int]]) -> None:
        """Note ids `session` has inserted; they join the mirror when it commits."""
        _grouped(claims, self._pending(session, _CLAIMS))

    def released(self, session: Session, releases: Iterable[tuple[Port, int]]) -> None:
        """Note ids `session` has deleted; they leave the mirror when it commits."""
        _grouped(releases, self._pending(session, _RELEASES))

    def forget(self) -> None:
        """Drop the whole mirror: it is read again port by port."""
        with self._lock:
            self._used.clear()

    def _pending(self, session: Session, key: str) -> dict[Port, set[int]]:
        if _CLAIMS not in session.info:
            session.info[_CLAIMS], session.info[_RELEASES] = {}, {}
            event.listen(session, "after_commit", self._committed, once=True)
            event.listen(session, "after_rollback", _rolled_back, once=True)
        return session.info[key]

    def _committed(self, session: Session) -> None:
        claims, releases = session.info.pop(_CLAIMS, {}), session.info.pop(_RELEASES, {})
        with self._lock:
            for port, vlans in claims.items():
                if port in self._used:
                    self._used[port] |= vlans
            for port, vlans in releases.items():
                if port in self._used:
                    self._used[port] -= vlans


def _grouped(items: Iterable[tuple[Port, int]], into: dict[Port, set[int]]) -> dict[Port, set[int]]:
    for port, vlan in items:
        into.setdefault(port, set()).add(vlan)
    return into


def _rolled_back(session: Session) -> None:
    session.info.pop(_CLAIMS, None)
    session.info.pop(_RELEASES, None)
