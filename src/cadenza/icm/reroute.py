"""Rerouting an installed connectivity service, make before break (MEF 55.0.1 §10.6 step 4).

When an SLS breach lies in the domain's own network (a degraded link, an element about to
fail), the SOF asks for the service to be moved to a path that keeps off what it names. The
new path is decided here, synchronously: computed without the avoided links and elements and
with the bandwidth the service already holds on the links it keeps counted as its own, its new
links' bandwidth and S-VLANs taken in the database (conditional UPDATE, unique constraint), so
the caller learns at once the route it will have or why there is none. The service stays
`installed`; the move is recorded in its `pending` ({"reroute": {"from", "to", "avoid", ...}},
the generation moved on) and made on the elements by `icm.reroute_flow`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cadenza.core.clock import now
from cadenza.core.errors import Conflict, ServiceUnavailable, Unprocessable
from cadenza.icm import connectivity_service as cs
from cadenza.icm.commands import RerouteConnectivityService
from cadenza.icm.design import ServiceEnd, design_hops, hops_from_json, hops_to_json
from cadenza.icm.pathing import FreeBandwidth, NoPathError, PathRequest, compute_path
from cadenza.icm.resources import ResourceUnavailable
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.icm.topology import Topology

if TYPE_CHECKING:  # the ICM hands itself in; this module adds one operation to it
    from cadenza.icm.service import Icm

__all__ = ["REROUTE", "ROUTE_KEYS", "rerouting", "refuse_while_rerouting", "plan_reroute", "plan_move",
           "describe_avoid"]

REROUTE = "reroute"  # the key of a reroute under way in a service's `pending`
ROUTE_KEYS = ("elements", "links", "delay_ms", "s_vlans", "hops")  # what of the plan a reroute replaces


def rerouting(row: ConnectivityServiceRow) -> bool:
    return bool(row.pending) and REROUTE in row.pending


def refuse_while_rerouting(row: ConnectivityServiceRow, what: str) -> None:
    """A change or removal waits for a move under way: both would work on the constructs it replaces."""
    if rerouting(row):
        raise Conflict(f"Connectivity service {row.uuid} is being rerouted; {what} it once its reroute has ended "
                       "(its state-change event tells)")


def _avoid(topology: Topology, names: Sequence[str]) -> tuple[frozenset[str], frozenset[str]]:
    links, elements = set(), set()
    for index, name in enumerate(names):
        if name in topology.links:
            links.add(name)
        elif name in topology.elements:
            elements.add(name)
        else:
            raise Unprocessable(f"'{name}' is neither a link id (e.g. 'agg-e1:xe-0/2/0|agg-w1:xe-0/2/0') nor an "
                                f"element of network domain {topology.domain}", code="referenceNotFound",
                                property_path=f"/input/avoid/{index}")
    return frozenset(links), frozenset(elements)


def describe_avoid(links: Sequence[str], elements: Sequence[str]) -> str:
    words = [f"link {link}" for link in sorted(links)] + [f"element {element}" for element in sorted(elements)]
    return ", ".join(words) if words else "nothing"


def _meets(row: ConnectivityServiceRow, links: frozenset[str], elements: frozenset[str],
           max_delay_ms: float | None) -> bool:
    plan = row.plan
    return (not links & set(plan.get("links", [])) and not elements & set(plan.get("elements", []))
            and (max_delay_ms is None or float(plan.get("delay_ms") or 0.0) <= max_delay_ms))


def plan_reroute(icm: Icm, command: RerouteConnectivityService) -> tuple[ConnectivityServiceRow, bool]:
    """Decide the move now; returns the service and whether it moves (False: its route already
    keeps off everything asked; True also for the same move asked again while under way). Raises Unprocessable
    (no path, an end's element avoided), Conflict (not installed, another move under way)."""
    links, elements = _avoid(icm.topology, command.avoid)
    if not links and not elements and command.max_delay_ms is None:
        raise Unprocessable("Say what the new route keeps off (avoid: link ids, element names) or the delay it "
                            "must meet (max-delay-ms)", code="missingProperty", property_path="/input/avoid")
    faults = icm.faults_now()
    if not faults.known:
        raise ServiceUnavailable(f"Network domain {icm.name} cannot be planned now: its element manager does not "
                                 "answer; try again later")
    for attempt in range(2):
        try:
            with icm.database.transaction() as session:
                # The domain's turn and the database's own figures: a reroute is rare, and must
                # not be refused (or granted) on a picture another worker has made stale.
                icm.inventory.begin(session, fresh=True)
                row = icm.get(session, command.service, command.owner)
                max_delay = command.max_delay_ms if command.max_delay_ms is not None else row.max_delay_ms
                if rerouting(row):
                    asked = row.pending[REROUTE]
                    if asked["avoid"] == sorted(command.avoid) and asked["max_delay_ms"] == max_delay:
                        return row, True  # a retried request: its move is under way (and started again if need be)
                    raise Conflict(f"Connectivity service {row.uuid} is being rerouted already (avoiding "
                                   f"{describe_avoid(asked['avoid_links'], asked['avoid_elements'])}); ask again "
                                   "once that move has ended")
                if row.state != cs.INSTALLED:
                    raise Conflict(f"Connectivity service {row.uuid} is {row.state}; only an installed service is "
                                   "rerouted")
                if _meets(row, links, elements, max_delay):
                    return row, False
                plan_move(icm, session, row, links, elements, max_delay, faults.down_links, faults.down_elements,
                      sorted(command.avoid))
            return row, True
        except IntegrityError as exc:
            # Another worker claimed an S-VLAN after our mirror said it was free: look again.
            icm.inventory.vlans.forget()
            if attempt:
                raise ResourceUnavailable("An S-VLAN the new route needs was taken by a concurrent request; "
                                          "try again", property_path="/input/avoid") from exc
    raise AssertionError("unreachable")


def plan_move(icm: Icm, session: Session, row: ConnectivityServiceRow, links: frozenset[str], elements: frozenset[str],
          max_delay: float | None, down_links: frozenset[str], down_elements: frozenset[str],
          avoid: list[str], *, end: tuple[str, ServiceEnd] | None = None) -> None:
    """Plan the move; `end` (its name, "a" or "z", and where it goes): one end point moves to
    another edge port too (icm/reassign.py), which the caller has taken already."""
    a, z = (ServiceEnd(row.request[n]["sip"], row.request[n]["element"], row.request[n]["port"],
                       row.request[n]["vlan_id"]) for n in "az")
    moved: dict[str, object] = {}
    if end is not None:
        name, to = end
        moved = {"end": {"name": name, "from": row.request[name], "to": {
            "sip": to.edge_point, "element": to.element, "port": to.port, "vlan_id": to.vlan_id}}}
        a, z = (to, z) if name == "a" else (a, to)
    what = describe_avoid(sorted(links), sorted(elements))
    for end, name in ((a, "a"), (z, "z")):
        if end.element in elements:
            raise Unprocessable(f"Element {end.element} holds end point {name} ({end.edge_point}) of {row.uuid}: "
                                "a reroute moves the path between the end points, not the end points",
                                property_path="/input/avoid")
    plan, mbps = row.plan, row.bandwidth_mbps
    old_links = list(plan.get("links", []))
    free = icm.inventory.available_mbps(session)
    # On the links it keeps the service goes on using what it holds there.
    free = FreeBandwidth({**free, **{link: free.get(link, 0.0) + mbps for link in old_links}})
    request = PathRequest(a.element, z.element, float(mbps), max_delay, exclude_links=links,
                          exclude_elements=elements | (down_elements - {a.element, z.element}))
    try:
        path = compute_path(icm.topology, request, available_mbps=free, down_links=down_links)
    except NoPathError as exc:
        delay = f" within {max_delay:g} ms" if max_delay is not None else ""
        raise Unprocessable(f"No path from {a.element} to {z.element} avoids {what} with {mbps} Mbit/s free{delay}: "
                            f"{exc.reason}", property_path="/input/avoid") from exc
    kept = [link for link in path.link_ids if link in old_links]
    s_vlans = {link: plan["s_vlans"][link] for link in kept}
    s_vlans.update(icm.inventory.reserve_links(session, row.uuid, [lk for lk in path.link_ids if lk not in kept],
                                               mbps))
    old_hops = hops_from_json(row.uuid, plan["hops"])
    hops = design_hops(icm.topology, service_uuid=row.uuid, elements=path.elements, links=path.link_ids,
                       s_vlans=s_vlans, a=a, z=z, mbps=mbps, profile=row.request.get("bandwidthProfile"),
                       ip=old_hops[-1].fc.ip)
    # The constructs police exactly what they police now (a change may have set the profile).
    hops = [replace(h, fc=replace(h.fc, bandwidth=old_hops[0].fc.bandwidth)) for h in hops]
    row.pending = {REROUTE: {
        "from": {key: plan.get(key) for key in ROUTE_KEYS},
        "to": {"elements": list(path.elements), "links": list(path.link_ids), "delay_ms": path.delay_ms,
               "s_vlans": {link: s_vlans[link] for link in path.link_ids}, "hops": hops_to_json(hops)},
        "avoid": avoid, "avoid_links": sorted(links), "avoid_elements": sorted(elements), "max_delay_ms": max_delay,
        **moved}}
    row.generation += 1
    row.updated_at = now()
