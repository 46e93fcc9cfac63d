"""Designing a service (MEF 55.0.1 step 8): its on-net ends, the INNI junctions between
network domains, the partner leg, and, once SOF has chosen the S-VLANs, one PRESTO segment
per network domain crossed. A design is a plain JSON document kept on the service row."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from cadenza.core.errors import Unprocessable
from cadenza.interfaces.legato.placement import AccessPlacement, EvcPlacement, InternetPlacement, PartnerSite
from cadenza.sof.decomposition import NetworkMap, NoRoute, chain
from cadenza.sof.settings import PartnerSettings, SiteSettings, SofSettings

__all__ = ["evc_design", "access_design", "internet_design", "reserve", "segment_uuid", "VlanChooser"]

# Chooses a VLAN free on every given edge point (or `wanted`, if free) and holds it for the service.
VlanChooser = Callable[[Sequence[str], int | None], int]
_NAMESPACE = uuid.UUID("5f0c6a52-3b1e-4e38-9a57-0b8f3c2d9e11")


def segment_uuid(service_id: str, index: int) -> str:
    """Deterministic, so a retried create over PRESTO returns the first service."""
    return str(uuid.uuid5(_NAMESPACE, f"{service_id}/segment/{index}"))


def _end(edge_point: str, vlan: int | None, *, choose: bool = False) -> dict[str, Any]:
    return {"edgePoint": edge_point, "vlan": vlan, "choose": choose}


def _base(network: NetworkMap, a: dict[str, Any], z: dict[str, Any], mbps: int, max_delay_ms: float | None,
          pointer: str) -> dict[str, Any]:
    try:
        junctions = chain(network, network.edge_points[a["edgePoint"]], network.edge_points[z["edgePoint"]])
    except NoRoute as exc:
        raise Unprocessable(str(exc), property_path=pointer) from exc
    return {"a": a, "z": z, "mbps": mbps, "maxDelayMs": max_delay_ms, "segments": [], "partner": None,
            "junctions": [{"exit": j.exit.id, "entry": j.entry.id, "vlan": None} for j in junctions]}


def _uni(network: NetworkMap, edge_point: str, pointer: str) -> None:
    found = network.edge_points.get(edge_point)
    if found is None or found.kind != "uni":
        raise Unprocessable(f"'{edge_point}' is not a UNI of this provider; give one of its UNI edge point ids",
                            code="referenceNotFound", property_path=pointer)


def _partner(config: SofSettings, party: str, pointer: str) -> PartnerSettings:
    for partner in config.partners:
        if partner.party == party:
            return partner
    known = ", ".join(p.party for p in config.partners) or "none"
    raise Unprocessable(f"No agreement with partner '{party}' (partners: {known})", code="referenceNotFound",
                        property_path=pointer)


def evc_design(config: SofSettings, network: NetworkMap, placement: EvcPlacement, pointer: str) -> dict[str, Any]:
    """An EVC between two UNIs, or between a UNI and a site a partner serves off-net."""
    ends = placement.endPoints
    if not any(end.on_net for end in ends):
        raise Unprocessable("At least one end point must be an on-net UNI of this provider",
                            property_path=f"{pointer}/endPoints")
    # the on-net UNI first: an off-net end is always the far (z) side
    order = [0, 1] if ends[0].on_net else [1, 0]
    a_end, z_end = ends[order[0]], ends[order[1]]
    _uni(network, a_end.uni or "", f"{pointer}/endPoints/{order[0]}/uni")
    a = _end(a_end.uni or "", a_end.ceVlan)
    if z_end.on_net:
        _uni(network, z_end.uni or "", f"{pointer}/endPoints/{order[1]}/uni")
        design = _base(network, a, _end(z_end.uni or "", z_end.ceVlan), placement.bandwidthMbps,
                       placement.maxDelayMs, pointer)
        if placement.bandwidthProfile is not None:
            design["bandwidthProfile"] = placement.bandwidthProfile.model_dump(exclude_none=True)
        return design
    partner = _partner(config, z_end.partner or "", f"{pointer}/endPoints/{order[1]}/partner")
    if partner.enni not in network.edge_points:
        raise Unprocessable(f"Partner {partner.party}'s ENNI '{partner.enni}' is not an edge point of this provider",
                            property_path=f"{pointer}/endPoints/{order[1]}/partner")
    profile = placement.bandwidthProfile
    # the partner's line is bought in whole Mbit/s, as bus.mapping counts an excess rate
    eir_mbps = max(1, round(profile.eirMbps)) if profile is not None and profile.eirMbps > 0 else 0
    if placement.bandwidthMbps + eir_mbps < 1:
        raise Unprocessable("An EVC with an off-net end needs a committed rate (bandwidthMbps) or an excess rate "
                            "(bandwidthProfile/eirMbps) above 0: the partner's access line carries it",
                            property_path=f"{pointer}/bandwidthMbps")
    design = _base(network, a, _end(partner.enni, None, choose=True), placement.bandwidthMbps,
                   placement.maxDelayMs, pointer)
    if profile is not None:  # our own segments police the product's profile, as on-net
        design["bandwidthProfile"] = profile.model_dump(exclude_none=True)
    design["partner"] = {"party": partner.party, "ordering": partner.ordering,
                         "site": (z_end.site or PartnerSite()).model_dump(exclude_none=True),
                         "ceVlan": z_end.ceVlan, "enni": partner.enni, "partnerEnni": partner.partner_enni,
                         "quoteItem": z_end.partnerQuoteItem.model_dump() if z_end.partnerQuoteItem else None,
                         "sVlan": None, "reference": None, "eirMbps": eir_mbps}
    return design


def _site(config: SofSettings, wanted: PartnerSite, pointer: str) -> SiteSettings:
    def same(a: str | None, b: str | None) -> bool:
        return a is None or b is None or a.strip().lower() == b.strip().lower()

    for site in config.sites:
        if wanted.id is not None and site.id == wanted.id:
            return site
        address = site.address
        if wanted.id is None and same(wanted.city, address.city) and same(wanted.streetName, address.street_name) \
                and same(wanted.streetNr, address.street_nr) and same(wanted.postcode, address.postcode):
            return site
    raise Unprocessable("No site of ours matches the site given; give one of our site ids or its exact address",
                        code="referenceNotFound", property_path=pointer)


def access_design(config: SofSettings, network: NetworkMap, placement: AccessPlacement,
                  pointer: str) -> dict[str, Any]:
    """An Access E-Line ordered by a buyer SOF: our UNI at the site to our ENNI on its S-VLAN."""
    site = _site(config, placement.site, f"{pointer}/site")
    if site.edge_point is None or site.edge_point not in network.edge_points:
        raise Unprocessable(f"Site {site.id} has no UNI in service yet", property_path=f"{pointer}/site")
    enni = network.edge_points.get(placement.enni)
    if enni is None or enni.kind != "enni":
        raise Unprocessable(f"'{placement.enni}' is not one of our ENNIs", code="referenceNotFound",
                            property_path=f"{pointer}/enni")
    design = _base(network, _end(site.edge_point, placement.ceVlan), _end(enni.id, placement.sVlan, choose=True),
                   placement.bandwidthMbps, placement.maxDelayMs, pointer)
    if placement.bandwidthProfile is not None:  # the elements police the EIR the buyer asked for
        design["bandwidthProfile"] = placement.bandwidthProfile.model_dump(exclude_none=True)
    return design


def internet_design(network: NetworkMap, placement: InternetPlacement, pointer: str) -> dict[str, Any]:
    """A Basic Internet Access: the subscriber's UNI to an Internet gateway, where the service
    ends in a routed interface on a subnet of the gateway's pool (the ICM hands it out)."""
    _uni(network, placement.uni, f"{pointer}/uni")
    gateways = sorted(e.id for e in network.edge_points.values() if e.kind == "internet")
    if not gateways:
        raise Unprocessable("This provider's network has no Internet gateway to deliver Internet Access from",
                            property_path=pointer)
    # The gateway nearest the UNI's network domain: the fewest network domains crossed.
    home = network.edge_points[placement.uni].network_domain
    gateway = min(gateways, key=lambda g: (len(network.domain_path(home, network.edge_points[g].network_domain))
                                           if _joined(network, home, g) else 10_000, g))
    design = _base(network, _end(placement.uni, placement.ceVlan), _end(gateway, None, choose=True),
                   placement.bandwidthMbps, None, pointer)
    design["internet"] = {"gateway": gateway, "addressing": None}
    return design


def _joined(network: NetworkMap, home: str, gateway: str) -> bool:
    try:
        network.domain_path(home, network.edge_points[gateway].network_domain)
    except NoRoute:
        return False
    return True


def reserve(design: dict[str, Any], service_id: str, network: NetworkMap, choose: VlanChooser) -> dict[str, Any]:
    """Choose the S-VLANs (an ENNI's, each INNI pair's) and lay out one segment per network domain."""
    z = dict(design["z"])
    if z["choose"]:
        z["vlan"] = choose([z["edgePoint"]], z["vlan"])
    junctions = [{**j, "vlan": choose([j["exit"], j["entry"]], None)} for j in design["junctions"]]
    points = [design["a"]]
    for j in junctions:
        points += [_end(j["exit"], j["vlan"]), _end(j["entry"], j["vlan"])]
    points.append(z)
    segments = []
    for index in range(len(points) // 2):
        a, b = points[2 * index], points[2 * index + 1]
        segments.append({"index": index, "networkDomain": network.edge_points[a["edgePoint"]].network_domain,
                         "uuid": segment_uuid(service_id, index),
                         "a": {"edgePoint": a["edgePoint"], "vlan": a["vlan"]},
                         "z": {"edgePoint": b["edgePoint"], "vlan": b["vlan"]},
                         # every segment's elements police the product's profile (its EIR, flows per CoS)
                         **({"bandwidthProfile": design["bandwidthProfile"]} if design.get("bandwidthProfile")
                            else {})})
    partner = {**design["partner"], "sVlan": z["vlan"]} if design["partner"] else None
    return {**design, "z": z, "junctions": junctions, "segments": segments, "partner": partner}
