"""Configuration drift in the twin: an element's running configuration changed behind the
controller's back, as a person at the element's console would (a VLAN retyped, a policer rate
lowered, a construct deleted).

The change is an ordinary NETCONF transaction on the element's own datastore (lock the
candidate, edit, commit): it passes the same YANG and end-point checks as the ECM's edits, the
element persists it, the traffic follows it, and a `<get-config>` shows it. The ICM is not
told: finding it is diagnosis' work (icm/drift.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cadenza.core.errors import Conflict, NotFound, Unprocessable
from cadenza.ecm.datastore import ElementDatastore
from cadenza.ecm.errors import ElementDown, RpcError
from cadenza.ecm.model import END_POINT_NAMES, Edit, fc_to_raw

__all__ = ["Drift", "drift"]

_OPERATOR = "console-operator"  # the session of the person at the element, not the ECM's


@dataclass(frozen=True, slots=True)
class Drift:
    """What changes in one construct: an end point's VLAN, the policer's committed rate, or
    the construct removed altogether."""

    end_point: str | None = None  # "a" | "z": whose VLAN changes to `vlan_id`
    vlan_id: int | None = None
    cir_kbps: int | None = None
    remove: bool = False


def _edited(raw: Mapping[str, Any], change: Drift) -> dict[str, Any]:
    edited = {**raw, "end-point": [dict(ep) for ep in raw["end-point"]],
              "bandwidth-profile": dict(raw["bandwidth-profile"])}
    if change.end_point is not None:
        if change.end_point not in END_POINT_NAMES:
            raise Unprocessable("endPoint is 'a' or 'z'", property_path="/endPoint")
        if change.vlan_id is None:
            raise Unprocessable("Give the vlanId the end point is to carry", code="missingProperty",
                                property_path="/vlanId")
        [end] = [ep for ep in edited["end-point"] if ep["name"] == change.end_point]
        end["vlan-id"] = change.vlan_id
    if change.cir_kbps is not None:
        edited["bandwidth-profile"]["cir-kbps"] = change.cir_kbps
    return edited


def drift(datastore: ElementDatastore, fc_id: str, change: Drift) -> dict[str, Any] | None:
    """Change construct `fc_id` on the element as `change` says, committed; its running
    configuration after (None: removed)."""
    if not change.remove and change.end_point is None and change.cir_kbps is None:
        raise Unprocessable("Say what drifts: endPoint with vlanId, cirKbps, or remove", code="missingProperty")
    try:
        current = datastore.get_config("running").fcs.get(fc_id)
        if current is None:
            raise NotFound(f"No forwarding construct {fc_id!r} in the running configuration of {datastore.name}")
        edit = (Edit("remove", "forwarding-construct", fc_id) if change.remove else
                Edit("replace", "forwarding-construct", fc_id, _edited(fc_to_raw(current), change)))
        datastore.lock("candidate", _OPERATOR)
        try:
            datastore.edit([edit], _OPERATOR)
            datastore.commit(_OPERATOR)
        finally:
            datastore.release(_OPERATOR)  # the operator's session ends: its lock and any uncommitted edit go
    except ElementDown:
        raise Conflict(f"{datastore.name} is down: nobody can change its configuration now") from None
    except RpcError as exc:
        if exc.tag in ("lock-denied", "in-use"):  # the ECM is configuring it this moment
            raise Conflict(f"{datastore.name} is being configured: {exc.message}; try again") from None
        raise Unprocessable(f"{datastore.name} refused the change: {exc.message}") from None
    after = datastore.running.fcs.get(fc_id)
    return fc_to_raw(after) if after is not None else None
