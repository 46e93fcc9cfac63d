"""The scale driver: the manager talks to the element datastores in-process, no SSH.

Each call goes through the same `ElementDatastore` methods and the same edit, YANG and
end-point checks the NETCONF server uses, so behaviour is identical; only the transport and
the XML encoding are skipped, which lets one process drive hundreds of elements.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TypeVar

from cadenza.ecm.datastore import ElementDatastore
from cadenza.ecm.errors import ElementDown, RpcError
from cadenza.ecm.model import Edit, fc_to_raw
from cadenza.ecm.netconf_server import ElementStateSource
from cadenza.interfaces.adagio.contract import (
    Alarm,
    ElementRefused,
    ElementUnreachable,
    ForwardingConstruct,
    PmInterval,
)

__all__ = ["ScaleDriver"]

T = TypeVar("T")
_sessions = itertools.count(1)


class _ScaleSession:
    def __init__(self, datastore: ElementDatastore, state: ElementStateSource) -> None:
        self._ds = datastore
        self._state = state
        self._owner = f"scale-{next(_sessions)}"

    def lock(self) -> None:
        self._call(self._ds.lock, "candidate", self._owner)

    def unlock(self) -> None:
        self._call(self._ds.unlock, "candidate", self._owner)

    def get(self, fc_ids: str | Sequence[str] | None = None) -> dict[str, ForwardingConstruct]:
        fcs = self._call(self._ds.get_config, "running").fcs
        if fc_ids is None:
            return dict(fcs)
        wanted = [fc_ids] if isinstance(fc_ids, str) else fc_ids
        return {fc_id: fcs[fc_id] for fc_id in wanted if fc_id in fcs}

    def get_pm(self, fc_id: str, port: str, numbers: Sequence[int]) -> list[PmInterval]:
        self._call(self._ds.get_config, "running")  # a failed element answers nothing
        return self._state.pm_intervals(self._ds.name, fc_id, port, list(numbers))

    def get_pm_many(self, sessions: Sequence[tuple[str, str, Sequence[int]]]) -> list[list[PmInterval]]:
        self._call(self._ds.get_config, "running")
        return self._state.pm_intervals_many(self._ds.name, sessions)

    def get_alarms(self) -> list[Alarm]:
        self._call(self._ds.get_config, "running")
        return self._state.alarms(self._ds.name)

    def edit(self, fcs: Sequence[ForwardingConstruct] = (), removed: Sequence[str] = ()) -> None:
        edits = [Edit("replace", "forwarding-construct", fc.fc_id, fc_to_raw(fc), fc) for fc in fcs]
        edits += [Edit("remove", "forwarding-construct", fc_id) for fc_id in removed]
        self._call(self._ds.edit, edits, self._owner)

    def commit(self) -> None:
        self._call(self._ds.commit, self._owner)

    def discard(self) -> None:
        self._call(self._ds.discard, self._owner)

    def end(self) -> None:
        self._ds.release(self._owner)

    def _call(self, fn: Callable[..., T], *args: object) -> T:
        try:
            return fn(*args)
        except RpcError as exc:
            raise ElementRefused(self._ds.name, exc.message) from None
        except ElementDown:
            raise ElementUnreachable(self._ds.name, "element does not answer (down)") from None


class ScaleDriver:
    waits_on_io = False

    def __init__(self, datastores: Mapping[str, ElementDatastore], state: ElementStateSource) -> None:
        self._datastores = dict(datastores)
        self._state = state
        self._locks = {name: threading.Lock() for name in self._datastores}

    @contextmanager
    def session(self, element: str) -> Iterator[_ScaleSession]:
        if element not in self._datastores:
            raise ElementUnreachable(element, "no such element")
        with self._locks[element]:
            session = _ScaleSession(self._datastores[element], self._state)
            try:
                yield session
            finally:
                session.end()  # like closing a NETCONF session: locks go, uncommitted changes too

    def close(self) -> None:
        return None
