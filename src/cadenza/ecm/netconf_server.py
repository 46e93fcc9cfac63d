"""Serve one element's datastore over NETCONF/SSH on 127.0.0.1 (RFC 6241, RFC 6242).

Capabilities: base 1.0/1.1 (from the library), `:candidate`, and the Cadenza element module.
edit-config runs as test-then-set with rollback-on-error whatever the request asks: an
invalid request leaves the candidate untouched and answers an rpc-error naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import paramiko
from lxml import etree
from netconf import error as ncerror
from netconf.server import NetconfServerSession

from cadenza.ecm.datastore import ElementDatastore
from cadenza.ecm.errors import ElementDown, RpcError
from cadenza.ecm.model import MODULE, NAMESPACE
from cadenza.ecm.ssh import LoopbackNetconfServer, PasswordGate, host_key
from cadenza.ecm.state_xml import STATE_MODULE, STATE_NAMESPACE, requested, state_to_xml
from cadenza.ecm.xmlcodec import NC_NS, config_to_xml, parse_edits
from cadenza.interfaces.adagio.contract import Alarm, PmInterval

__all__ = ["CAPABILITIES", "ElementServer", "ElementStateSource"]

CAPABILITIES = (
    "urn:ietf:params:netconf:capability:candidate:1.0",
    f"{NAMESPACE}?module={MODULE}&revision=2026-11-27",
    f"{STATE_NAMESPACE}?module={STATE_MODULE}&revision=2026-12-03",
)
_NC = f"{{{NC_NS}}}"


def _local(elm: etree._Element) -> str:
    return etree.QName(elm).localname


class ElementStateSource(Protocol):
    """Where an element's operational state comes from (the twin: traffic, faults)."""

    def pm_intervals(self, element: str, fc_id: str, port: str, numbers: list[int] | None) -> list[PmInterval]: ...

    def pm_intervals_many(self, element: str, sessions: Sequence[tuple[str, str, Sequence[int] | None]]
                          ) -> list[list[PmInterval]]: ...

    def alarms(self, element: str) -> list[Alarm]: ...

    def pm_clock(self) -> tuple[float, int, int, float]: ...


class _Methods:
    """The rpc_* handlers `netconf.server` dispatches to; each maps onto the datastore."""

    def __init__(self, datastore: ElementDatastore, state: ElementStateSource | None) -> None:
        self.ds = datastore
        self.state = state

    def nc_append_capabilities(self, capabilities: etree._Element) -> None:
        for uri in CAPABILITIES:
            etree.SubElement(capabilities, "capability").text = uri

    def rpc_get_config(self, session: NetconfServerSession, rpc: etree._Element, source: etree._Element,
                       subtree: etree._Element | None) -> etree._Element:
        return self._call(session, rpc, self._data, _local(source[0]) if len(source) else "running", subtree)

    def rpc_get(self, session: NetconfServerSession, rpc: etree._Element, subtree: etree._Element | None) -> Any:
        return self._call(session, rpc, self._data_and_state, subtree)

    def rpc_lock(self, session: NetconfServerSession, rpc: etree._Element, target: str) -> etree._Element:
        return self._call(session, rpc, self.ds.lock, target, _owner(session))

    def rpc_unlock(self, session: NetconfServerSession, rpc: etree._Element | None, target: str) -> Any:
        if rpc is None:  # the library tells us a session holding the lock has ended
            self.ds.release(_owner(session))
            return None
        return self._call(session, rpc, self.ds.unlock, target, _owner(session))

    def rpc_edit_config(self, session: NetconfServerSession, rpc: etree._Element, *params: etree._Element) -> Any:
        named = {_local(p): p for p in params}
        if "config" not in named or "target" not in named or not len(named["target"]):
            raise ncerror.MissingElementProtoError(rpc, f"{_NC}config" if "config" not in named else f"{_NC}target")
        default = (named["default-operation"].text or "merge").strip() if "default-operation" in named else "merge"
        target = _local(named["target"][0])

        def edit() -> None:
            self.ds.edit(parse_edits(named["config"], default), _owner(session), target=target)

        return self._call(session, rpc, edit)

    def rpc_commit(self, session: NetconfServerSession, rpc: etree._Element, *params: etree._Element) -> Any:
        return self._call(session, rpc, self.ds.commit, _owner(session))

    def rpc_discard_changes(self, session: NetconfServerSession, rpc: etree._Element, *params: etree._Element) -> Any:
        return self._call(session, rpc, self.ds.discard, _owner(session))

    def rpc_close_session(self, session: NetconfServerSession, rpc: etree._Element, *params: etree._Element) -> None:
        self.ds.release(_owner(session))

    def _data(self, source: str, subtree: etree._Element | None) -> etree._Element:
        data = self.ds.get_config(source)
        reply = etree.Element(f"{_NC}data", nsmap={None: NC_NS})
        ports, fc_ids = _selection(subtree)
        config_to_xml(reply, data, fc_ids=fc_ids, ports=ports)
        return reply

    def _data_and_state(self, subtree: etree._Element | None) -> etree._Element:
        """`<get>`: the running configuration the filter selects, and the operational state it asks for."""
        reply = self._data("running", subtree)
        if self.state is None:
            return reply
        asked = requested(subtree)
        name = self.ds.name
        intervals = None
        if asked.sessions:
            intervals = [bin_ for bins in self.state.pm_intervals_many(name, asked.sessions) for bin_ in bins]
        _, interval_s, step_s, _ = self.state.pm_clock()
        state_to_xml(reply, intervals=intervals, interval_s=interval_s, step_s=step_s,
                     alarms=self.state.alarms(name) if asked.alarms else None)
        return reply

    def _call(self, session: NetconfServerSession, rpc: etree._Element, fn: Any, *args: Any) -> etree._Element:
        try:
            result = fn(*args)
        except RpcError as exc:
            info = {"error_path": exc.path} if exc.path else {}
            raise ncerror.RPCServerError(rpc, exc.error_type, exc.tag, message=exc.message, **info) from None
        except ElementDown:
            session.close()  # a failed element answers nothing, and drops the session
            raise
        return result if isinstance(result, etree._Element) else etree.Element(f"{_NC}ok")


def _owner(session: NetconfServerSession) -> str:
    return f"netconf-{session.session_id}"


def _selection(subtree: etree._Element | None) -> tuple[bool, list[str] | None]:
    """A subtree filter (RFC 6241 §6) on this module: which ports/constructs to return."""
    if subtree is None:
        return True, None
    tops = {_local(child): child for child in subtree if isinstance(child.tag, str)}
    fcs = tops.get("forwarding-constructs")
    if fcs is None:
        return "ports" in tops, []
    ids = [(e.findtext(f"{{{NAMESPACE}}}id") or "").strip() for e in fcs]
    return "ports" in tops, [i for i in ids if i] or None


class ElementServer:
    """A running NETCONF server for one datastore; `port` is where it listens."""

    def __init__(self, datastore: ElementDatastore, *, var_dir: Path, port: int = 0,
                 key: paramiko.PKey | None = None, state: ElementStateSource | None = None) -> None:
        self.datastore = datastore
        gate = PasswordGate(lambda: datastore.up)
        self._server = LoopbackNetconfServer(gate, _Methods(datastore, state), key or host_key(var_dir), port)
        self.port: int = self._server.port

    def close(self) -> None:
        """Stop listening and drop sessions (returns at once; `join` waits for the end)."""
        self._server.close()

    def join(self, timeout: float = 5.0) -> None:
        if self._server.thread is not None:
            self._server.thread.join(timeout)
