"""Builders of the LEGATO payloads Cadenza's SOF accepts: what a BUS (or a test) sends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from cadenza.interfaces.legato.control_policy import CONTROL_POLICY
from cadenza.interfaces.legato.paths import EVC_TYPE, IPVC_TYPE, OPERATIONAL_ENABLED, OVC_TYPE
from cadenza.interfaces.legato.placement import ACCESS_PLACEMENT, EVC_PLACEMENT, INTERNET_PLACEMENT

__all__ = ["on_net", "off_net", "evc_configuration", "ovc_access_configuration", "internet_configuration",
           "add_evc_item",
           "modify_item", "delete_item", "service_order"]

# The attributes carrierEthernetCommon.yaml#/definitions/CarrierEthernetService requires. The
# schema requires `operationalState` on an order too; what is ordered is the state wanted, and
# the SOF keeps none of it: its inventory shows the state its segments report (sof/operational.py).
_CARRIER_ETHERNET_SERVICE = {
    "adminState": {"state": "UNLOCKED"},
    "administrativeState": {"state": "UNLOCKED"},
    "operationalState": {"state": OPERATIONAL_ENABLED},
    "cTagPcpPreservation": "ENABLED",
    "cTagDeiPreservation": "ENABLED",
    "connectionType": "POINT_TO_POINT",
    "frameDisposition": {"unicast": "UNCONDITIONALLY", "multicast": "UNCONDITIONALLY",
                         "broadcast": "UNCONDITIONALLY"},
    "listOfCosNames": ["H"],
    "maximumFrameSize": 9216,
}


def on_net(uni: str, ce_vlan: int | None = None) -> dict[str, Any]:
    return {"uni": uni, "ceVlan": ce_vlan}


def off_net(partner: str, *, site_id: str | None = None, address: dict[str, str] | None = None,
            ce_vlan: int | None = None, quote_item: dict[str, str] | None = None) -> dict[str, Any]:
    """`quote_item`: the partner's quote item ({quoteId, id}) the segment is to be ordered on."""
    site: dict[str, Any] = {**(address or {})}
    if site_id is not None:
        site["id"] = site_id
    end: dict[str, Any] = {"partner": partner, "site": site, "ceVlan": ce_vlan}
    if quote_item:
        end["partnerQuoteItem"] = {"quoteId": quote_item["quoteId"], "id": quote_item["id"]}
    return end


def evc_configuration(a: dict[str, Any], z: dict[str, Any], *, bandwidth_mbps: int,
                      max_delay_ms: float | None = None, identifier: str | None = None,
                      bandwidth_profile: dict[str, Any] | None = None,
                      sls: list[dict[str, Any]] | None = None,
                      control: dict[str, Any] | None = None) -> dict[str, Any]:
    """`sls`: the product's `carrierEthernetSls` (MEF 10.4 objectives), carried for SOF to assess;
    `control`: what the customer may change itself (interfaces/legato/control_policy.py), for SOF
    to hold its changes to (docs/legato-profile.md)."""
    placement: dict[str, Any] = {"endPoints": [a, z], "bandwidthMbps": bandwidth_mbps}
    if bandwidth_profile:
        placement["bandwidthProfile"] = bandwidth_profile
    if max_delay_ms is not None:
        placement["maxDelayMs"] = max_delay_ms
    config: dict[str, Any] = {"@type": EVC_TYPE, **_CARRIER_ETHERNET_SERVICE, EVC_PLACEMENT: placement}
    if identifier:
        config["identifier"] = identifier[:45]
    if sls:
        config["carrierEthernetSls"] = sls
    if control:
        config[CONTROL_POLICY] = control
    return config


def ovc_access_configuration(*, site: dict[str, Any], ce_vlan: int | None, enni: str, s_vlan: int,
                             bandwidth_mbps: int, max_delay_ms: float | None = None,
                             identifier: str | None = None,
                             bandwidth_profile: dict[str, Any] | None = None) -> dict[str, Any]:
    """An Access E-Line OVC from a UNI at `site` to the seller's `enni`, on S-VLAN `s_vlan`;
    `bandwidth_profile`: the placement's bandwidthProfile (an EIR beside the committed rate)."""
    placement: dict[str, Any] = {"site": site, "ceVlan": ce_vlan, "enni": enni, "sVlan": s_vlan,
                                 "bandwidthMbps": bandwidth_mbps}
    if bandwidth_profile:
        placement["bandwidthProfile"] = bandwidth_profile
    if max_delay_ms is not None:
        placement["maxDelayMs"] = max_delay_ms
    return {"@type": OVC_TYPE, **_CARRIER_ETHERNET_SERVICE, "identifier": (identifier or f"ovc-{enni}-{s_vlan}")[:45],
            "ovcType": "POINT_TO_POINT", "maximumNumberOfUniOvcEndPoints": 1, "maximumNumberOfEnniOvcEndPoints": 1,
            "ceVlanIdPreservation": "PRESERVE", "svlanPcpPreservation": "ENABLED", "svlanDeiPreservation": "ENABLED",
            "l2cpAddressSet": {"bridgedAddresses": "CTA" if ce_vlan is not None else "CTB"},
            ACCESS_PLACEMENT: placement}


def internet_configuration(*, uni: str, ce_vlan: int | None, bandwidth_mbps: int,
                           identifier: str, control: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Basic Internet Access as the IPVC it is (legato/serviceSchema/ip/ipvc.yaml, MEF 69.1:
    a multipoint IPVC with standard routing) from the subscriber's UNI to the Internet."""
    config: dict[str, Any] = {
        "@type": IPVC_TYPE, "ipvcIdentifier": identifier[:53], "ipvcTopology": "MULTIPOINT",
        "packetDelivery": "STANDARD_ROUTING", "dscpPreservation": "DISABLED", "maximumTransferUnit": 1500,
        "fragmentation": "DISABLED", "reservedPrefixes": [], "listOfClassOfServiceNames": ["BE"],
        INTERNET_PLACEMENT: {"uni": uni, "ceVlan": ce_vlan, "bandwidthMbps": bandwidth_mbps}}
    if control:
        config[CONTROL_POLICY] = control
    return config


def add_evc_item(item_id: str, configuration: dict[str, Any], *, name: str | None = None) -> dict[str, Any]:
    kind = {EVC_TYPE: "EVC", IPVC_TYPE: "IPVC"}.get(configuration["@type"], "OVC")
    service: dict[str, Any] = {"serviceType": kind,
                               "serviceConfiguration": configuration}
    if name:
        service["name"] = name
    return {"id": item_id, "action": "add", "service": service}


def modify_item(item_id: str, service_id: str, bandwidth_mbps: int, *, service_type: str = EVC_TYPE,
                end_vlans: Sequence[int | None] | None = None, ce_vlan: int | None = None) -> dict[str, Any]:
    """A change of an existing service in place: its bandwidth, and for an EVC the CE-VLAN of each
    end point after the change (`end_vlans`, in the order it was ordered with), for an OVC or
    IPVC the CE-VLAN at its UNI (`ce_vlan`); VLANs not given stay. Its placement stays as designed."""
    key = {EVC_TYPE: EVC_PLACEMENT, IPVC_TYPE: INTERNET_PLACEMENT}.get(service_type, ACCESS_PLACEMENT)
    hints: dict[str, Any] = {"bandwidthMbps": bandwidth_mbps}
    if end_vlans is not None:
        hints["endPoints"] = [{"ceVlan": vlan} for vlan in end_vlans]
    if ce_vlan is not None:
        hints["ceVlan"] = ce_vlan
    return {"id": item_id, "action": "modify", "service": {
        "id": service_id, "serviceConfiguration": {"@type": service_type, key: hints}}}


def delete_item(item_id: str, service_id: str) -> dict[str, Any]:
    return {"id": item_id, "action": "delete", "service": {"id": service_id}}


def service_order(*items: dict[str, Any], external_id: str | None = None, description: str | None = None,
                  start: datetime | None = None) -> dict[str, Any]:
    begin = start or datetime.now(UTC)
    order: dict[str, Any] = {
        "requestedStartDate": begin.isoformat().replace("+00:00", "Z"),
        "requestedCompletionDate": (begin + timedelta(days=1)).isoformat().replace("+00:00", "Z"),
        "serviceOrderItem": list(items)}
    if external_id:
        order["externalId"] = external_id
    if description:
        order["description"] = description
    return order
