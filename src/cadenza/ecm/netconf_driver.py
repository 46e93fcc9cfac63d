"""The NETCONF driver: ncclient sessions to the elements, kept open and reused.

One session per element, used by one transaction at a time. A session that broke (element
restarted, SSH dropped) is replaced on the next use; a failure while connecting or talking
is `ElementUnreachable`, an rpc-error is `ElementRefused` with the element's error-message.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TypeVar

import paramiko
from lxml import etree
from ncclient.manager import Manager
from ncclient.operations import OperationError, RPCError, TimeoutExpiredError
from ncclient.transport.errors import TransportError

from cadenza.ecm.model import NAMESPACE
from cadenza.ecm.ncsession import connect
from cadenza.ecm.ssh import PASSWORD, USERNAME
from cadenza.ecm.state_xml import alarms_filter, parse_alarms, parse_pm, pm_filter, pm_filter_many
from cadenza.ecm.xmlcodec import edits_to_xml, parse_data
from cadenza.interfaces.adagio.contract import (
    Alarm,
    ElementRefused,
    ElementUnreachable,
    ForwardingConstruct,
    PmInterval,
)

__all__ = ["NetconfDriver"]

T = TypeVar("T")
_NO_ANSWER = (TransportError, OperationError, TimeoutExpiredError, paramiko.SSHException, socket.error, EOFError)


class _NcSession:
    def __init__(self, element: str, manager: Manager) -> None:
        self.element = element
        self._m = manager

    def lock(self) -> None:
        self._call(self._m.lock, "candidate")

    def unlock(self) -> None:
        self._call(self._m.unlock, "candidate")

    def get(self, fc_ids: str | Sequence[str] | None = None) -> dict[str, ForwardingConstruct]:
        subtree = None
        if fc_ids is not None:  # only these constructs: keeps replies small as the element fills up
            top = etree.Element(f"{{{NAMESPACE}}}forwarding-constructs", nsmap={None: NAMESPACE})
            for fc_id in [fc_ids] if isinstance(fc_ids, str) else fc_ids:
                etree.SubElement(etree.SubElement(top, f"{{{NAMESPACE}}}forwarding-construct"),
                                 f"{{{NAMESPACE}}}id").text = fc_id
            subtree = ("subtree", top)
        reply = self._call(self._m.get_config, source="running", filter=subtree)
        return dict(parse_data(reply.data_ele).fcs)

    def get_pm(self, fc_id: str, port: str, numbers: Sequence[int]) -> list[PmInterval]:
        reply = self._call(self._m.get, filter=("subtree", pm_filter(fc_id, port, numbers)))
        return parse_pm(reply.data_ele, self.element)

    def get_pm_many(self, sessions: Sequence[tuple[str, str, Sequence[int]]]) -> list[list[PmInterval]]:
        if not sessions:
            return []
        reply = self._call(self._m.get, filter=("subtree", pm_filter_many(sessions)))
        found: dict[tuple[str, str], list[PmInterval]] = {}
        for interval in parse_pm(reply.data_ele, self.element):
            found.setdefault((interval.fc_id, interval.port), []).append(interval)
        return [found.get((fc_id, port), []) for fc_id, port, _ in sessions]

    def get_alarms(self) -> list[Alarm]:
        reply = self._call(self._m.get, filter=("subtree", alarms_filter()))
        return parse_alarms(reply.data_ele, self.element)

    def edit(self, fcs: Sequence[ForwardingConstruct] = (), removed: Sequence[str] = ()) -> None:
        self._call(self._m.edit_config, target="candidate", config=edits_to_xml(fcs, removed))

    def commit(self) -> None:
        self._call(self._m.commit)

    def discard(self) -> None:
        self._call(self._m.discard_changes)

    def _call(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        try:
            return fn(*args, **kwargs)
        except RPCError as exc:
            raise ElementRefused(self.element, exc.message or exc.tag or str(exc)) from None
        except _NO_ANSWER as exc:
            raise ElementUnreachable(self.element, f"no answer: {type(exc).__name__}: {exc}") from None


class NetconfDriver:
    waits_on_io = True

    def __init__(self, ports: Mapping[str, int], *, host: str = "127.0.0.1", username: str = USERNAME,
                 password: str = PASSWORD, timeout: float = 10.0) -> None:
        self._ports = dict(ports)
        self._host = host
        self._credentials = (username, password)
        self._timeout = timeout
        self._locks = {name: threading.Lock() for name in self._ports}
        self._managers: dict[str, Manager] = {}

    @contextmanager
    def session(self, element: str) -> Iterator[_NcSession]:
        if element not in self._ports:
            raise ElementUnreachable(element, "no such element")
        with self._locks[element]:
            manager = self._managers.get(element)
            if manager is None or not manager.connected:
                manager = self._connect(element)
            try:
                yield _NcSession(element, manager)
            except ElementUnreachable:
                self._drop(element)
                raise

    def close(self) -> None:
        for element in list(self._managers):
            with self._locks[element]:
                manager = self._managers.pop(element, None)
                if manager is not None and manager.connected:
                    try:
                        manager.close_session()
                    except Exception:  # closing on the way out: the element may already be gone
                        manager._session.close()

    def _connect(self, element: str) -> Manager:
        self._drop(element)
        try:
            manager = connect(self._host, self._ports[element], *self._credentials, timeout=self._timeout)
        except Exception as exc:  # ncclient raises many unrelated types while connecting
            raise ElementUnreachable(element, f"cannot open a NETCONF session: {type(exc).__name__}: {exc}") from None
        self._managers[element] = manager
        return manager

    def _drop(self, element: str) -> None:
        manager = self._managers.pop(element, None)
        if manager is not None:
            manager._session.close()
