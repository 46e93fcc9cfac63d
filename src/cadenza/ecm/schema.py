"""YANG validation of element configuration with libyang (CESNET's C implementation of YANG).

The module `yang/cadenza-network-element@2026-11-27.yang` carries every rule YANG can state
per construct: types and ranges, exactly two end points, the port leafref, mandatory leaves
and the `must` comparing CIR with the ports' speed. Rules spanning constructs live in
`validator.py` (see there for why).

libyang, not a Python YANG library: validation runs on every commit of every element, and
yangson (pure Python, XPath evaluated in Python) took 1-2 ms per construct, most of the CPU
of an activation; libyang takes about 0.04 ms and releases the GIL while it works, so
elements validate in parallel. Its messages carry the data path of the offending node, which
is what an operator needs to find it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from importlib.resources import files
from typing import Any

import libyang
import orjson
from _libyang import ffi, lib  # libyang-python's compiled bindings: the error items are only there

from cadenza.ecm.errors import RpcError
from cadenza.ecm.model import MODULE

__all__ = ["yang_check", "YangRefusal"]

_PARSE = lib.LYD_PARSE_STRICT  # an unknown node is an error, not silently dropped
_VALIDATE = lib.LYD_VALIDATE_NO_STATE
_context_lock = threading.Lock()
_loaded: libyang.Context | None = None


class YangRefusal(RpcError):
    """A YANG violation, with the construct it was found in when the path names one."""

    def __init__(self, tag: str, message: str, *, path: str | None, fc_id: str | None) -> None:
        super().__init__(tag, message, path=path)
        self.fc_id = fc_id


def _context() -> libyang.Context:
    """The one compiled module, shared by every thread (libyang reads a compiled context
    concurrently; loading it is not thread-safe, hence the lock)."""
    global _loaded
    if _loaded is None:
        with _context_lock:
            if _loaded is None:
                # Paths in error items cost libyang a little work; without them a refusal cannot say where.
                lib.ly_log_options(lib.LY_LOSTORE)
                lib.ly_set_log_clb(ffi.NULL, True)
                context = libyang.Context(str(files("cadenza.ecm") / "yang"))
                context.load_module(MODULE)
                _loaded = context
    return _loaded


def yang_check(ports: Mapping[str, int], raw_fcs: Iterable[Mapping[str, Any]]) -> None:
    """Validate the ports and the given constructs (RFC 7951 raw form) against the module.

    Constructs only refer to ports, so validating a subset of them against all ports is
    as strict as validating the whole datastore, and keeps a commit O(changed)."""
    fcs = list(raw_fcs)
    raw = {
        f"{MODULE}:ports": {"port": [{"name": n, "speed-mbps": s} for n, s in ports.items()]},
        f"{MODULE}:forwarding-constructs": {"forwarding-construct": fcs},
    }
    refusal = _parse(orjson.dumps(raw))
    if refusal is None:
        return
    if refusal.fc_id is None and len(fcs) > 1:
        # Some violations (too few end points) name only the schema node: find the construct.
        for fc in fcs:
            alone = _parse(orjson.dumps({**raw, f"{MODULE}:forwarding-constructs": {"forwarding-construct": [fc]}}))
            if alone is not None:
                raise _naming(alone, str(fc.get("id", "")))
    if refusal.fc_id is None and len(fcs) == 1:
        raise _naming(refusal, str(fcs[0].get("id", "")))
    raise refusal


def _parse(document: bytes) -> YangRefusal | None:
    context = _context()
    tree = ffi.new("struct lyd_node **")
    status = lib.lyd_parse_data_mem(context.cdata, document, lib.LYD_JSON, _PARSE, _VALIDATE, tree)
    if tree[0] != ffi.NULL:
        lib.lyd_free_all(tree[0])
    if status == lib.LY_SUCCESS:
        return None
    return _refusal(context)


def _refusal(context: libyang.Context) -> YangRefusal:
    """The first error libyang stored for this thread, as an rpc-error a person can act on."""
    item = lib.ly_err_first(context.cdata)
    try:
        if item == ffi.NULL:
            return YangRefusal("operation-failed", "invalid configuration", path=None, fc_id=None)
        text = _text(item.msg).rstrip(".")
        where = _readable(_location(_text(item.path)))
        tag = _tag(item.vecode, text, _text(item.apptag))
        fc_id = _fc_id(where)
        return YangRefusal(tag, f"{where}: {text}" if where else text, path=where or None, fc_id=fc_id)
    finally:
        lib.ly_err_clean(context.cdata, ffi.NULL)


def _naming(refusal: YangRefusal, fc_id: str) -> YangRefusal:
    where = f'forwarding-constructs/forwarding-construct[id="{fc_id}"]'
    inner = (refusal.path or "").split("forwarding-construct/", 1)[-1] if refusal.path else ""
    path = f"{where}/{inner}" if inner and inner != refusal.path else where
    return YangRefusal(refusal.tag, f"{path}: {refusal.message.split(': ', 1)[-1]}", path=path, fc_id=fc_id)


# RFC 7950 §15 and RFC 6241 Appendix A: the error-tag each kind of violation is reported with.
def _tag(vecode: int, text: str, apptag: str) -> str:
    if vecode == lib.LYVE_REFERENCE or text.startswith("Invalid leafref value"):
        return "data-missing"  # leafref to a port the element does not have (instance-required)
    if apptag in ("too-few-elements", "too-many-elements") or text.startswith(("Too few", "Too many")):
        return "operation-failed"
    if text.startswith("Mandatory node"):
        return "missing-element"
    if vecode == lib.LYVE_DATA and not text.startswith(("Unsatisfied", "Invalid", "Value", "Node")):
        return "operation-failed"  # a `must` says its own error-message
    return "invalid-value"


def _text(value: Any) -> str:
    return ffi.string(value).decode() if value != ffi.NULL else ""


_LOCATION = re.compile(r'^(?:Data|Schema) location "([^"]*)"')
_FC_ID = re.compile(r'forwarding-construct\[id="([^"]*)"\]')


def _location(path: str) -> str:
    found = _LOCATION.match(path)
    return found.group(1) if found else path


def _readable(path: str) -> str:
    return path.replace(f"/{MODULE}:", "").replace(f"{MODULE}:", "").replace("='", '="').replace("']", '"]')


def _fc_id(path: str) -> str | None:
    found = _FC_ID.search(path)
    return found.group(1) if found else None
