"""Could the provider's network carry a service now? (the LEGATO feasibility check, see
`interfaces/legato/feasibility.py`)

The service is designed exactly as an order would design it (ends, INNI junctions, partner
ENNI), then each network domain it crosses is asked over PRESTO (`compute-p-2-p-path`) for
its segment, and the S-VLANs the SOF would choose at junctions and the ENNI are looked for.
Nothing is reserved. A change of an active service asks each ICM about the segment it
already has, at the new bandwidth, its own holding counted as free. The partner's part of an
off-net service is not the SOF's to judge: the BUS asks the partner (POQ over SONATA).
"""

from __future__ import annotations

from typing import Any

from cadenza.core.errors import Conflict, NotFound, Unprocessable
from cadenza.interfaces.legato.feasibility import Feasibility, FeasibilityCheck, SegmentFeasibility
from cadenza.interfaces.legato.placement import ACCESS_PLACEMENT, EVC_PLACEMENT
from cadenza.interfaces.presto.client import PathEnd, PrestoRefused
from cadenza.sof import service_inventory as inventory
from cadenza.sof.channels import LEGATO
from cadenza.sof.service import S_VLANS, Sof

__all__ = ["check_feasibility"]


def _segments_of_design(design: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The (a, z) pairs of edge points the segments would join, as `reserve` would lay them out."""
    points = [design["a"]]
    for junction in design["junctions"]:
        points += [{"edgePoint": junction["exit"], "vlan": None, "choose": True},
                   {"edgePoint": junction["entry"], "vlan": None, "choose": True}]
    points.append(design["z"])
    return [(points[2 * i], points[2 * i + 1]) for i in range(len(points) // 2)]


def _end(point: dict[str, Any]) -> PathEnd:
    if point.get("choose") and point.get("vlan") is None:
        return PathEnd(point["edgePoint"])  # an S-VLAN the SOF chooses at ordering
    return PathEnd(point["edgePoint"], point.get("vlan"), port_based=point.get("vlan") is None)


def _vlans_left(sof: Sof, design: dict[str, Any]) -> str | None:
    """Why no S-VLAN could be chosen at a junction or the partner ENNI, if so."""
    wanted = [[j["exit"], j["entry"]] for j in design["junctions"]]
    if design["z"].get("choose"):
        wanted.append([design["z"]["edgePoint"]])
    with sof.database.read() as session:
        for edge_points in wanted:
            try:
                sof._free_vlan(session, edge_points, None)  # noqa: SLF001 - the same choice ordering makes
            except Conflict as exc:
                return exc.reason
    return None


def _ask(sof: Sof, pairs: list[tuple[str, PathEnd, PathEnd, str | None]], mbps: int,
         max_delay_ms: float | None) -> Feasibility:
    found = []
    for network_domain, a, z, for_service in pairs:
        try:
            path = sof.presto.compute_p2p_path(network_domain, a, z, mbps, max_delay_ms=max_delay_ms,
                                               for_service=for_service)
        except PrestoRefused as exc:
            reason = (exc.body or {}).get("reason") or exc.reason
            return Feasibility(False, f"Network domain {network_domain} cannot carry it: {reason}", tuple(found))
        found.append(SegmentFeasibility(network_domain, path.route, path.delay_ms, path.headroom_mbps))
    return Feasibility(True, None, tuple(found))


def check_feasibility(sof: Sof, party: str | None, check: FeasibilityCheck) -> Feasibility:
    if check.action == "add":
        if check.serviceConfiguration is None:
            raise Unprocessable("An 'add' check needs the serviceConfiguration", code="missingProperty",
                                property_path="/serviceConfiguration")
        config = dict(check.serviceConfiguration)
        access = config.get(ACCESS_PLACEMENT)
        # An Access E-Line asked about before its VLANs are known: a placement without `sVlan`
        # takes any free S-VLAN, one without `ceVlan` (not null: null is the whole port) any CE-VLAN.
        any_s_vlan = isinstance(access, dict) and "sVlan" not in access
        any_ce_vlan = isinstance(access, dict) and "ceVlan" not in access
        if any_s_vlan:
            config[ACCESS_PLACEMENT] = {**access, "sVlan": S_VLANS[0]}
        design, mbps = sof._design(LEGATO, config, "/serviceConfiguration")  # noqa: SLF001
        if any_s_vlan:
            design["z"] = {**design["z"], "vlan": None}
        if any_ce_vlan:
            design["a"] = {**design["a"], "vlan": None, "choose": True}
        pairs = [(sof.network.edge_points[a["edgePoint"]].network_domain, _end(a), _end(z), None)
                 for a, z in _segments_of_design(design)]
        answer = _ask(sof, pairs, mbps, design.get("maxDelayMs"))
        if answer.feasible and (short := _vlans_left(sof, design)):
            return Feasibility(False, short, answer.segments)
        return answer
    if check.serviceId is None or check.bandwidthMbps is None:
        raise Unprocessable("A 'modify' check names serviceId and the new bandwidthMbps", code="missingProperty",
                            property_path="/serviceId" if check.serviceId is None else "/bandwidthMbps")
    with sof.database.read() as session:
        try:
            service = sof.service(session, check.serviceId, party, LEGATO)
        except NotFound as exc:
            raise Unprocessable(exc.reason, code="referenceNotFound", property_path="/serviceId") from exc
        if service.state != inventory.ACTIVE:
            raise Unprocessable(f"Service {service.id} is {service.state}: only an active service can be changed",
                                property_path="/serviceId")
        design = dict(service.design)
        # the change read as a modify item would be (the CE-VLANs that move, and where)
        hints = check.model_dump(include={"bandwidthMbps", "endPoints", "ceVlan"}, exclude_unset=True)
        change = sof.read_change(service, {ACCESS_PLACEMENT if "ceVlan" in hints else EVC_PLACEMENT: hints}, "")
    vlans = change["vlans"]

    def end(point: dict[str, Any]) -> PathEnd:
        vlan = vlans.get(point["edgePoint"], point["vlan"])
        return PathEnd(point["edgePoint"], vlan, port_based=vlan is None)

    pairs = [(s["networkDomain"], end(s["a"]), end(s["z"]), s["uuid"]) for s in design.get("segments", [])]
    answer = _ask(sof, pairs, check.bandwidthMbps, design.get("maxDelayMs"))
    partner = design.get("partner") or {}
    return Feasibility(answer.feasible, answer.reason, answer.segments, partner.get("party"), partner.get("reference"),
                       change.get("partnerCeVlan"))
