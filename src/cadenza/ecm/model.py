"""The content of an element's configuration datastore, as plain immutable values.

The datastore keeps these rather than XML or YANG library trees: comparing two configurations
(is this edit a no-op?) is then a dict comparison, and both the NETCONF server and the scale
driver share them. `to_raw`/`from_raw` translate to the YANG JSON encoding (RFC 7951) used
for validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cadenza.interfaces.adagio.contract import BandwidthProfile, CosFlow, FcEndPoint, ForwardingConstruct, IpInterface

__all__ = ["MODULE", "NAMESPACE", "ElementData", "Edit", "fc_to_raw", "fc_from_raw", "END_POINT_NAMES"]

MODULE = "cadenza-network-element"
NAMESPACE = "urn:cadenza:yang:cadenza-network-element"
END_POINT_NAMES = ("a", "z")


@dataclass(frozen=True, slots=True)
class ElementData:
    """One datastore's content: port name -> speed in Mbit/s, fc id -> construct."""

    ports: Mapping[str, int] = field(default_factory=dict)
    fcs: Mapping[str, ForwardingConstruct] = field(default_factory=dict)
    # Derived indexes computed once per content (e.g. the end points on each port); never
    # part of the value, so two equal contents compare equal whatever they have cached.
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False, hash=False)


@dataclass(frozen=True, slots=True)
class Edit:
    """One edit-config operation on a forwarding construct or a port (RFC 6241 §7.2).

    `raw` is the RFC 7951 content given in the request (may be partial for `merge`). `fc`
    is the same construct already built, when the caller has it (the scale driver): it is
    still checked as `raw`, and stored instead of being built from it again."""

    operation: str  # merge | replace | create | delete | remove
    kind: str  # forwarding-construct | port
    key: str
    raw: Mapping[str, Any] | None = None
    fc: ForwardingConstruct | None = None


def fc_to_raw(fc: ForwardingConstruct) -> dict[str, Any]:
    end_points = []
    for name, ep in zip(END_POINT_NAMES, fc.end_points, strict=True):
        raw_ep: dict[str, Any] = {"name": name, "port": ep.port}
        if ep.vlan_id is not None:
            raw_ep["vlan-id"] = ep.vlan_id
        end_points.append(raw_ep)
    bw = fc.bandwidth
    raw: dict[str, Any] = {
        "id": fc.fc_id,
        "end-point": end_points,
        "bandwidth-profile": {"cir-kbps": bw.cir_kbps, "cbs-kbytes": bw.cbs_kbytes,
                              "eir-kbps": bw.eir_kbps, "ebs-kbytes": bw.ebs_kbytes},
    }
    if bw.per_cos:
        raw["bandwidth-profile"]["class-of-service"] = [_cos_to_raw(flow) for flow in bw.per_cos]
    if fc.description:
        raw["description"] = fc.description
    if fc.ip is not None:
        raw["ip-interface"] = {"end-point": fc.ip.end_point, "address": fc.ip.address,
                               "prefix-length": fc.ip.prefix_length, "subscriber-address": fc.ip.subscriber_address}
    return raw


def fc_from_raw(raw: Mapping[str, Any]) -> ForwardingConstruct:
    """Build a construct from raw content the YANG check has already accepted."""
    a, z = (FcEndPoint(ep["port"], ep.get("vlan-id"))
            for ep in sorted(raw["end-point"], key=lambda ep: END_POINT_NAMES.index(ep["name"])))
    bw = raw.get("bandwidth-profile", {})
    return ForwardingConstruct(
        fc_id=raw["id"],
        end_points=(a, z),
        bandwidth=BandwidthProfile(cir_kbps=bw["cir-kbps"], cbs_kbytes=bw.get("cbs-kbytes", 16),
                                   eir_kbps=bw.get("eir-kbps", 0), ebs_kbytes=bw.get("ebs-kbytes", 0),
                                   per_cos=tuple(_cos_from_raw(c) for c in bw.get("class-of-service", []))),
        description=raw.get("description", ""),
        ip=_ip_from_raw(raw.get("ip-interface")),
    )


_COS_LEAVES = (("cir-kbps", "cir_kbps"), ("cbs-kbytes", "cbs_kbytes"), ("eir-kbps", "eir_kbps"),
               ("ebs-kbytes", "ebs_kbytes"), ("envelope", "envelope"), ("rank", "rank"),
               ("coupling-flag", "coupling_flag"), ("color-mode", "color_mode"))


def _cos_to_raw(flow: CosFlow) -> dict[str, Any]:
    raw: dict[str, Any] = {"name": flow.name}
    for leaf, attribute in _COS_LEAVES:
        value = getattr(flow, attribute)
        if value is not None:
            raw[leaf] = value
    return raw


def _cos_from_raw(raw: Mapping[str, Any]) -> CosFlow:
    values = {attribute: raw[leaf] for leaf, attribute in _COS_LEAVES if leaf in raw}
    if isinstance(values.get("coupling_flag"), str):  # XML carries booleans as text
        values["coupling_flag"] = values["coupling_flag"] == "true"
    if isinstance(values.get("rank"), str):
        values["rank"] = int(values["rank"])
    return CosFlow(name=raw["name"], **values)


def _ip_from_raw(raw: Mapping[str, Any] | None) -> IpInterface | None:
    if raw is None:
        return None
    return IpInterface(raw["end-point"], raw["address"], int(raw["prefix-length"]), raw["subscriber-address"])
