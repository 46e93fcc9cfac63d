"""Rules that span forwarding constructs, which YANG could only say with quadratic XPath.

A `must` over every end point of every construct would re-scan the whole list for each end
point on every commit; an index of the end points on each port, derived from the previous
content's index by touching only the ports of the changed constructs, does the same check
in time proportional to the change and can name both constructs in its message.

The rules: an end point (port, VLAN) belongs to at most one construct, and a port-based end
point (no VLAN) owns its port, so no other end point may use that port at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from cadenza.ecm.errors import RpcError
from cadenza.ecm.model import END_POINT_NAMES, ElementData

__all__ = ["check_end_points", "derive_index"]

User = tuple[str, str]  # (construct id, end point name)
PortIndex = dict[str, dict[int | None, set[User]]]  # port -> VLAN (None: port-based) -> users
_KEY = "end-points-by-port"


def check_end_points(data: ElementData, changed: Iterable[str]) -> None:
    """Refuse `data` when a construct in `changed` collides with any end point in `data`."""
    index = _index(data)
    for fc_id in changed:
        fc = data.fcs.get(fc_id)
        if fc is None:
            continue
        for name, ep in zip(END_POINT_NAMES, fc.end_points, strict=True):
            me = (fc_id, name)
            on_port = index.get(ep.port, {})
            if ep.vlan_id is None:
                other = next(((user, vlan) for vlan, users in on_port.items() for user in users if user != me), None)
            else:
                other = next(((user, vlan) for vlan in (ep.vlan_id, None) for user in on_port.get(vlan, ())
                              if user != me), None)
            if other is not None:
                (other_id, _), other_vlan = other
                raise RpcError("operation-failed", _collision(fc_id, name, ep.port, ep.vlan_id, other_id, other_vlan),
                               path=f'/forwarding-constructs/forwarding-construct[id="{fc_id}"]'
                                    f'/end-point[name="{name}"]')


def derive_index(base: ElementData, result: ElementData, changed: Iterable[str]) -> None:
    """Give `result` the end point index of `base` updated for the `changed` constructs only."""
    index: PortIndex = dict(_index(base))
    copied_ports: set[str] = set()
    copied: set[tuple[str, int | None]] = set()
    for fc_id in changed:
        for data, add in ((base, False), (result, True)):
            fc = data.fcs.get(fc_id)
            if fc is None:
                continue
            for name, ep in zip(END_POINT_NAMES, fc.end_points, strict=True):
                if (ep.port, ep.vlan_id) not in copied:  # copy on write: `base` keeps its index
                    if ep.port not in copied_ports:
                        index[ep.port] = dict(index.get(ep.port, {}))
                        copied_ports.add(ep.port)
                    index[ep.port][ep.vlan_id] = set(index[ep.port].get(ep.vlan_id, ()))
                    copied.add((ep.port, ep.vlan_id))
                users = index[ep.port][ep.vlan_id]
                if add:
                    users.add((fc_id, name))
                else:
                    users.discard((fc_id, name))
    result.derived[_KEY] = index


def _index(data: ElementData) -> PortIndex:
    index = data.derived.get(_KEY)
    if index is None:
        index = {}
        for fc in data.fcs.values():
            for name, ep in zip(END_POINT_NAMES, fc.end_points, strict=True):
                index.setdefault(ep.port, {}).setdefault(ep.vlan_id, set()).add((fc.fc_id, name))
        data.derived[_KEY] = index
    return index


def _collision(fc_id: str, name: str, port: str, vlan: int | None, other_id: str, other_vlan: int | None) -> str:
    where = f'forwarding-construct[id="{fc_id}"]/end-point[name="{name}"]'
    if vlan is None:
        return f"{where}: port {port} is port-based here but {other_id!r} also uses it"
    if other_vlan is None:
        return f"{where}: port {port} is used port-based by {other_id!r}"
    return f"{where}: port {port} vlan {vlan} is already used by {other_id!r}"
