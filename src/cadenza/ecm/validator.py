"""Rules that span forwarding constructs, which YANG could only say with quadratic XPath.

A `must` over every end point of every construct would re-scan the whole list for each end
point on every commit (XPath `must`s are evaluated per node); an index built once per commit
does the same check in linear time and can name both constructs in its message.

The rules: an end point (port, VLAN) belongs to at most one construct, and a port-based end
point (no VLAN) owns its port, so no other end point may use that port at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from cadenza.ecm.errors import RpcError
from cadenza.ecm.model import END_POINT_NAMES, ElementData

__all__ = ["check_end_points"]


def check_end_points(data: ElementData, changed: Iterable[str]) -> None:
    """Refuse `data` when a construct in `changed` collides with any end point in `data`."""
    users: dict[str, list[tuple[str, str, int | None]]] = {}
    for fc in data.fcs.values():
        for name, ep in zip(END_POINT_NAMES, fc.end_points, strict=True):
            users.setdefault(ep.port, []).append((fc.fc_id, name, ep.vlan_id))
    for fc_id in changed:
        fc = data.fcs.get(fc_id)
        if fc is None:
            continue
        for name, ep in zip(END_POINT_NAMES, fc.end_points, strict=True):
            for other_id, other_name, vlan in users.get(ep.port, ()):
                if (other_id, other_name) == (fc_id, name):
                    continue
                if ep.vlan_id is None or vlan is None or ep.vlan_id == vlan:
                    raise RpcError("operation-failed", _collision(fc_id, name, ep.port, ep.vlan_id, other_id, vlan),
                                   path=f'/forwarding-constructs/forwarding-construct[id="{fc_id}"]'
                                        f'/end-point[name="{name}"]')


def _collision(fc_id: str, name: str, port: str, vlan: int | None, other_id: str, other_vlan: int | None) -> str:
    where = f'forwarding-construct[id="{fc_id}"]/end-point[name="{name}"]'
    if vlan is None:
        return f"{where}: port {port} is port-based here but {other_id!r} also uses it"
    if other_vlan is None:
        return f"{where}: port {port} is used port-based by {other_id!r}"
    return f"{where}: port {port} vlan {vlan} is already used by {other_id!r}"
