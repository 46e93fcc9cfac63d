"""Moving an end point of an installed connectivity service to another edge port (MEF 55.0.1
§10.5 step 9, "reassign to a free port where an access port failed").

A UNI port that fails on its own (its optics) cuts the customer off, and no path avoids it; where
the customer's equipment is cabled to a spare port too (`spare_for` in the topology), the SOF asks
for the service's end to be moved there. The move is a reroute whose new route starts at the new
port: the port (bandwidth, CE-VLAN) and the route's new links are taken now, in the database, so
the caller learns at once whether it will happen or why not; the elements follow make before break
(`icm.reroute_flow`, which also records the new end point and gives the old port back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from cadenza.core.errors import Conflict, ServiceUnavailable, Unprocessable
from cadenza.icm import connectivity_service as cs
from cadenza.icm.commands import ReassignEndPoint
from cadenza.icm.design import ServiceEnd
from cadenza.icm.reroute import REROUTE, plan_move, rerouting
from cadenza.icm.resources import ResourceUnavailable
from cadenza.icm.rows import ConnectivityServiceRow

if TYPE_CHECKING:
    from cadenza.icm.service import Icm

__all__ = ["plan_reassign"]


def plan_reassign(icm: Icm, command: ReassignEndPoint) -> tuple[ConnectivityServiceRow, bool]:
    """Decide the move now; returns the service and whether it moves (False: its end is on the
    new port already; True also for the same move asked again while under way). Raises
    Unprocessable (no such end or port, the port down, taken or too small, no path from it),
    Conflict (not installed, another move under way), ServiceUnavailable (no fault picture)."""
    target = icm.topology.edge_points.get(command.to_sip)
    if target is None:
        raise Unprocessable(f"No service interface point '{command.to_sip}' in network domain {icm.name}",
                            code="referenceNotFound", property_path="/input/to-service-interface-point")
    faults = icm.faults_now()
    if not faults.known:
        raise ServiceUnavailable(f"Network domain {icm.name} cannot be planned now: its element manager does not "
                                 "answer; try again later")
    if target.id in faults.down_ports or target.element in faults.down_elements:
        raise Unprocessable(f"Service interface point {target.id} ({target.element} {target.port}) is down itself",
                            property_path="/input/to-service-interface-point")
    for attempt in range(2):
        try:
            with icm.database.transaction() as session:
                icm.inventory.begin(session, fresh=True)
                row = icm.get(session, command.service, command.owner)
                if rerouting(row):
                    end = row.pending[REROUTE].get("end")
                    if end is not None and end["from"]["sip"] == command.from_sip and end["to"]["sip"] == target.id:
                        return row, True  # a retried request: its move is under way
                    raise Conflict(f"Connectivity service {row.uuid} is being moved already; ask again once that "
                                   "move has ended")
                name = next((n for n in "az" if row.request[n]["sip"] == command.from_sip), None)
                if name is None:
                    if any(row.request[n]["sip"] == target.id for n in "az"):
                        return row, False  # moved before: asked again after a crash
                    raise Unprocessable(f"Connectivity service {row.uuid} has no end point at {command.from_sip}",
                                        property_path="/input/from-service-interface-point")
                if row.state != cs.INSTALLED:
                    raise Conflict(f"Connectivity service {row.uuid} is {row.state}; only an installed service's "
                                   "end point is moved")
                old = icm.topology.edge_points.get(command.from_sip)
                if old is not None and old.kind != target.kind:
                    raise Unprocessable(f"{target.id} is a {target.kind.upper()}, {old.id} a {old.kind.upper()}: an "
                                        "end point moves to an edge point of its own kind",
                                        property_path="/input/to-service-interface-point")
                to = ServiceEnd(target.id, target.element, target.port, row.request[name]["vlan_id"])
                icm.inventory.reserve_end(session, row.uuid, to, row.bandwidth_mbps)
                plan_move(icm, session, row, frozenset(), frozenset(), row.max_delay_ms, faults.down_links,
                      faults.down_elements, [], end=(name, to))
            return row, True
        except IntegrityError as exc:
            # Another worker claimed the CE-VLAN or an S-VLAN after our mirror said it was free: look again.
            icm.inventory.vlans.forget()
            if attempt:
                raise ResourceUnavailable("A VLAN the move needs was taken by a concurrent request; try again",
                                          property_path="/input/to-service-interface-point") from exc
    raise AssertionError("unreachable")
