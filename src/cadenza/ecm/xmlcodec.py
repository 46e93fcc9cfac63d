"""XML encoding of the element configuration (RFC 7950 §9 XML encoding of the module).

Shared by the NETCONF server (get-config replies, edit-config requests), the driver that
sends those requests and reads the replies, and the persistence file. Values are turned into
RFC 7951 raw form and left for the YANG check (libyang) to judge: a non-numeric VLAN is reported by the YANG
check with its path, not by this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from cadenza.ecm.errors import RpcError
from cadenza.ecm.model import NAMESPACE, Edit, ElementData, fc_from_raw, fc_to_raw
from cadenza.interfaces.adagio.contract import ForwardingConstruct

__all__ = ["NC_NS", "config_to_xml", "fcs_to_xml", "edits_to_xml", "parse_edits", "parse_data", "element_raw"]

NC_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
_Q = f"{{{NAMESPACE}}}"
_OP = f"{{{NC_NS}}}operation"
# (parent, child) pairs that are list entries; "port" is also a leaf inside an end point.
_LISTS = {("forwarding-construct", "end-point"), ("forwarding-constructs", "forwarding-construct"), ("ports", "port"),
          ("bandwidth-profile", "class-of-service")}
_INTEGERS = {"vlan-id", "cir-kbps", "cbs-kbytes", "eir-kbps", "ebs-kbytes", "speed-mbps", "rank", "prefix-length"}
_BOOLEANS = {"coupling-flag"}
_OPERATIONS = {"merge", "replace", "create", "delete", "remove"}


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def element_raw(elm: etree._Element) -> dict[str, Any]:
    """Children of `elm` as RFC 7951 raw content (lists by the module's list names)."""
    raw: dict[str, Any] = {}
    parent = _local(elm.tag)
    for child in elm:
        name = _local(child.tag)
        if not name:
            continue  # comments and processing instructions
        if len(child):
            value: Any = element_raw(child)
        else:
            text = (child.text or "").strip()
            value = int(text) if name in _INTEGERS and text.lstrip("-").isdigit() else text
            if name in _BOOLEANS and text in ("true", "false"):
                value = text == "true"
        if (parent, name) in _LISTS:
            raw.setdefault(name, []).append(value)
        else:
            raw[name] = value
    return raw


def _leaves(parent: etree._Element, raw: Mapping[str, Any]) -> None:
    for name, value in raw.items():
        if isinstance(value, list):
            for entry in value:
                _leaves(etree.SubElement(parent, _Q + name), entry)
        elif isinstance(value, Mapping):
            _leaves(etree.SubElement(parent, _Q + name), value)
        else:
            etree.SubElement(parent, _Q + name).text = (str(value).lower() if isinstance(value, bool)
                                                        else str(value))


def fcs_to_xml(parent: etree._Element, fcs: Iterable[ForwardingConstruct], *, operation: str | None = None) -> None:
    container = etree.SubElement(parent, _Q + "forwarding-constructs", nsmap={None: NAMESPACE})
    for fc in fcs:
        entry = etree.SubElement(container, _Q + "forwarding-construct")
        if operation:
            entry.set(_OP, operation)
        _leaves(entry, fc_to_raw(fc))


def config_to_xml(parent: etree._Element, data: ElementData, *, fc_ids: Iterable[str] | None = None,
                  ports: bool = True) -> None:
    """Append the module's top-level containers for `data` to `parent` (a <data> or <config>)."""
    if ports:
        container = etree.SubElement(parent, _Q + "ports", nsmap={None: NAMESPACE})
        for name, speed in data.ports.items():
            _leaves(etree.SubElement(container, _Q + "port"), {"name": name, "speed-mbps": speed})
    chosen = data.fcs.values() if fc_ids is None else [data.fcs[i] for i in fc_ids if i in data.fcs]
    fcs_to_xml(parent, chosen)


def edits_to_xml(fcs: Iterable[ForwardingConstruct] = (), deleted: Iterable[str] = ()) -> etree._Element:
    """An edit-config <config>: replace each construct in `fcs`, remove each id in `deleted`."""
    config = etree.Element(f"{{{NC_NS}}}config", nsmap={"nc": NC_NS})
    fcs_to_xml(config, fcs, operation="replace")
    container = config[0]
    for fc_id in deleted:
        entry = etree.SubElement(container, _Q + "forwarding-construct")
        entry.set(_OP, "remove")
        etree.SubElement(entry, _Q + "id").text = fc_id
    return config


def parse_edits(config: etree._Element, default_operation: str = "merge") -> list[Edit]:
    """Turn an edit-config <config> into edits; refuse what this element cannot do."""
    edits: list[Edit] = []
    for top in config:
        name = _local(top.tag)
        if not name:
            continue
        if etree.QName(top).namespace != NAMESPACE or name not in ("ports", "forwarding-constructs"):
            raise RpcError("unknown-element", f"unknown element {top.tag}", error_type="protocol")
        kind = "forwarding-construct" if name == "forwarding-constructs" else "port"
        key_leaf = "id" if kind == "forwarding-construct" else "name"
        top_op = _operation(top, default_operation)
        if top_op in ("replace", "delete", "remove"):
            edits.append(Edit(top_op, name, "", element_raw(top)))
            continue
        for entry in top:
            if not _local(entry.tag):
                continue
            raw = element_raw(entry)
            key = raw.get(key_leaf)
            if not isinstance(key, str) or not key:
                raise RpcError("missing-element", f"{name}/{kind}: the key {key_leaf!r} is missing")
            _no_nested_operations(entry, f'{name}/{kind}[{key_leaf}="{key}"]')
            edits.append(Edit(_operation(entry, top_op), kind, key, raw))
    return edits


def _operation(elm: etree._Element, inherited: str) -> str:
    op = elm.get(_OP, inherited)
    if op not in _OPERATIONS and op != "none":
        raise RpcError("bad-attribute", f"unknown operation {op!r} on {_local(elm.tag)}", error_type="protocol")
    return op


def _no_nested_operations(entry: etree._Element, where: str) -> None:
    for inner in entry.iterdescendants():
        if isinstance(inner.tag, str) and inner.get(_OP) is not None:
            raise RpcError("operation-not-supported",
                           f"{where}: operations below a list entry are not supported; send the whole entry")


def parse_data(data: etree._Element) -> ElementData:
    """A <data> (or persisted) tree back into ElementData. Content is trusted: it came from
    a datastore that validated it."""
    ports: dict[str, int] = {}
    fcs: dict[str, ForwardingConstruct] = {}
    for top in data:
        name = _local(top.tag)
        raw = element_raw(top) if name else {}
        if name == "ports":
            ports.update((p["name"], int(p["speed-mbps"])) for p in raw.get("port", []))
        elif name == "forwarding-constructs":
            fcs.update((r["id"], fc_from_raw(r)) for r in raw.get("forwarding-construct", []))
    return ElementData(ports=ports, fcs=fcs)
