"""Apply edit-config operations (RFC 6241 §7.2) to a datastore's content.

Returns new immutable content and never touches the input, so a request that fails half-way
leaves the datastore exactly as it was: that is what makes each request atomic.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cadenza.ecm.errors import RpcError
from cadenza.ecm.model import Edit, ElementData, fc_from_raw, fc_to_raw
from cadenza.ecm.schema import yang_check
from cadenza.ecm.validator import check_end_points, derive_index
from cadenza.interfaces.adagio.contract import ForwardingConstruct

__all__ = ["apply_edits", "validate", "changed_ids", "settle"]


@dataclass
class _Work:
    ports: dict[str, Any]
    fcs: dict[str, ForwardingConstruct]
    raws: dict[str, dict[str, Any]]  # constructs written by this request, raw form
    ports_changed: bool = False
    dropped: set[str] = field(default_factory=set)
    built: dict[str, ForwardingConstruct] = field(default_factory=dict)  # raws the caller gave built too

    def fc_raw(self, key: str) -> dict[str, Any] | None:
        if key in self.raws:
            return self.raws[key]
        return fc_to_raw(self.fcs[key]) if key in self.fcs else None

    def drop(self, key: str) -> None:
        self.raws.pop(key, None)
        self.fcs.pop(key, None)
        self.built.pop(key, None)
        self.dropped.add(key)


def apply_edits(data: ElementData, edits: Iterable[Edit]) -> ElementData:
    """`data` with `edits` applied and validated; raises RpcError and changes nothing if any fails."""
    work = _Work(dict(data.ports), dict(data.fcs), {})
    for edit in edits:
        if edit.kind == "forwarding-constructs":
            _container(work, edit)
        elif edit.kind == "forwarding-construct":
            _construct(work, edit)
        else:
            _port(work, edit)
    if work.ports_changed:  # a port change can invalidate any construct: check them all
        work.raws = {key: work.fc_raw(key) or {} for key in set(work.fcs) | set(work.raws)}
    yang_check(work.ports, work.raws.values())
    fcs = dict(work.fcs)
    built = work.built
    fcs.update((key, built.get(key) or fc_from_raw(raw)) for key, raw in work.raws.items())
    result = ElementData(ports={n: int(s) for n, s in work.ports.items()}, fcs=fcs)
    derive_index(data, result, set(work.raws) | work.dropped)
    check_end_points(result, work.raws)
    _remember(tuple(sorted(result.ports.items())), (fcs[key] for key in work.raws))
    _record_origin(data, result, set(work.raws) | work.dropped)
    return result


# An edited content remembers the content its edits started from (a running configuration)
# and the constructs they touched, each checked when it was written: committing it then
# compares and re-checks only those instead of every construct the element holds, which
# kept a commit's cost growing with the services an element carries.
_ORIGIN, _TOUCHED = "edited-from", "touched"


def _record_origin(data: ElementData, result: ElementData, touched: set[str]) -> None:
    origin = data.derived.get(_ORIGIN)
    if origin is None:  # `data` is a running configuration: the edits start here
        result.derived[_ORIGIN], result.derived[_TOUCHED] = data, touched
    else:  # a candidate edited again
        result.derived[_ORIGIN], result.derived[_TOUCHED] = origin, data.derived[_TOUCHED] | touched


def settle(data: ElementData) -> None:
    """`data` becomes the running configuration: forget where it came from (holding on would
    keep every configuration the element ever ran alive)."""
    data.derived.pop(_ORIGIN, None)
    data.derived.pop(_TOUCHED, None)


def validate(data: ElementData, changed: Iterable[str]) -> None:
    """Re-check constructs in `changed` (e.g. before a commit) without editing; those this
    content's own edits wrote were checked then and are not checked twice."""
    checked = data.derived.get(_TOUCHED, ())
    keys = [key for key in changed if key in data.fcs and key not in checked]
    if not keys:
        return
    ports = tuple(sorted(data.ports.items()))
    fresh = [key for key in keys if (ports, data.fcs[key]) not in _passed]
    if fresh:
        yang_check(data.ports, (fc_to_raw(data.fcs[key]) for key in fresh))
    _remember(ports, (data.fcs[key] for key in fresh))
    check_end_points(data, keys)


# Constructs that passed the YANG check against given ports. The check depends on nothing
# else, so a commit need not repeat what the edit just proved; it costs the most of an edit.
_passed: OrderedDict[tuple[tuple[tuple[str, int], ...], ForwardingConstruct], None] = OrderedDict()
_passed_lock = threading.Lock()


def _remember(ports: tuple[tuple[str, int], ...], fcs: Iterable[ForwardingConstruct]) -> None:
    with _passed_lock:
        for fc in fcs:
            _passed[(ports, fc)] = None
        while len(_passed) > 20_000:
            _passed.popitem(last=False)


def changed_ids(before: ElementData, after: ElementData) -> set[str]:
    """Constructs that differ between two contents (added, removed or modified)."""
    if after.derived.get(_ORIGIN) is before:  # edited from `before`: only what the edits touched can differ
        keys: Iterable[str] = after.derived[_TOUCHED]
    else:
        keys = set(before.fcs) | set(after.fcs)
    old, new = before.fcs, after.fcs
    return {key for key in keys if old.get(key) is not new.get(key) and old.get(key) != new.get(key)}


def _container(work: _Work, edit: Edit) -> None:
    for key in list(work.fcs) + list(work.raws):
        work.drop(key)
    if edit.operation == "replace":
        for raw in (edit.raw or {}).get("forwarding-construct", []):
            work.raws[str(raw.get("id"))] = dict(raw)


def _construct(work: _Work, edit: Edit) -> None:
    current = work.fc_raw(edit.key)
    where = f'forwarding-construct[id="{edit.key}"]'
    op, raw = edit.operation, dict(edit.raw or {})
    if op == "create" and current is not None:
        raise RpcError("data-exists", f"{where} already exists")
    if op in ("delete", "none") and current is None:
        raise RpcError("data-missing", f"{where} does not exist")
    if op in ("delete", "remove"):
        work.drop(edit.key)
    elif op in ("merge", "none"):
        work.raws[edit.key] = _merge(current or {}, raw)
        work.built.pop(edit.key, None)
    else:
        work.raws[edit.key] = raw
        if edit.fc is not None and edit.fc.fc_id == edit.key:
            work.built[edit.key] = edit.fc
        else:
            work.built.pop(edit.key, None)


def _port(work: _Work, edit: Edit) -> None:
    work.ports_changed = True
    if edit.kind == "ports":
        entries = (edit.raw or {}).get("port", []) if edit.operation == "replace" else []
        work.ports = {p.get("name"): p.get("speed-mbps") for p in entries}
        return
    if edit.operation in ("delete", "remove"):
        if edit.operation == "delete" and edit.key not in work.ports:
            raise RpcError("data-missing", f'port[name="{edit.key}"] does not exist')
        work.ports.pop(edit.key, None)
    elif edit.operation == "create" and edit.key in work.ports:
        raise RpcError("data-exists", f'port[name="{edit.key}"] already exists')
    else:
        work.ports[edit.key] = (edit.raw or {}).get("speed-mbps", work.ports.get(edit.key))


def _merge(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(old)
    for key, value in new.items():
        if isinstance(value, list) and isinstance(out.get(key), list):
            entries = {entry.get("name"): entry for entry in out[key]}  # end-point, keyed by name
            for entry in value:
                entries[entry.get("name")] = _merge(entries.get(entry.get("name"), {}), entry)
            out[key] = list(entries.values())
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out
