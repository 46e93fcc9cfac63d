"""PRESTO: the ICM's RESTCONF operations and data tree (presto-nrp.yaml subset, see
docs/presto-profile.md). Thin: parse, authorise, call the ICM, render."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import select

from cadenza.core.auth import Principal, require
from cadenza.core.clock import iso
from cadenza.core.errors import NotFound, Unprocessable
from cadenza.icm import activation, drift, reroute_flow
from cadenza.icm.api.presto_drift_views import drift_view, reapply_view
from cadenza.icm.api.presto_pm_views import pm_history_view
from cadenza.icm.api.presto_views import (
    counters_view,
    path_view,
    reroute_view,
    service_view,
    sip_view,
    test_view,
    topology_view,
)
from cadenza.icm.bandwidth_profile import ingress_profile
from cadenza.icm.commands import (
    ChangeConnectivityService,
    CreateConnectivityService,
    DeleteConnectivityService,
    EndPointRequest,
    ReassignEndPoint,
    RerouteConnectivityService,
)
from cadenza.icm.oam import read_counters, run_activation_test
from cadenza.icm.pm_collection import collect_service
from cadenza.icm.pm_history import Availability, read_history
from cadenza.icm.pm_measure import SlsParameters
from cadenza.icm.pm_schedule import settings_of
from cadenza.icm.rows import PortUsageRow
from cadenza.icm.service import Icm
from cadenza.icm.topology import link_id_for
from cadenza.interfaces.presto.models import (
    ComputeP2PPathInput,
    CreateConnectivityServiceInput,
    PmHistoryInput,
    ReassignInput,
    RerouteInput,
    ServiceIdOrNameInput,
    SipIdOrNameInput,
    TopologyIdOrNameInput,
    UpdateConnectivityServiceInput,
    capacity_mbps,
)
from cadenza.interfaces.presto.paths import DATA_CONTEXT, OPERATIONS, icm_base

__all__ = ["presto_router"]

SCOPE = "presto"


def presto_router(icm: Icm) -> APIRouter:
    router = APIRouter(prefix=icm_base(icm.name), tags=[f"PRESTO {icm.name}"])
    caller = Depends(require(SCOPE))

    def service_details(name: str, principal: Principal) -> dict[str, Any]:
        with icm.database.read() as session:
            row = icm.get(session, name, principal.owner_filter)
            return service_view(row, icm.faults_now(), icm.topology)

    @router.post(f"{OPERATIONS}/create-connectivity-service/")
    def create_connectivity_service(body: CreateConnectivityServiceInput, principal: Principal = caller) -> dict:
        request = body.input
        constraint = request.conn_constraint
        mbps = capacity_mbps(constraint.requested_capacity if constraint else None)
        if mbps is None:
            mbps = capacity_mbps(request.end_point[0].capacity)
        if mbps is None:
            raise Unprocessable("Give the bandwidth in conn-constraint/requested-capacity/total-size",
                                code="missingProperty", property_path="/input/conn-constraint/requested-capacity")
        a, z = (EndPointRequest(ep.service_interface_point.service_interface_point_id, ep.vlan_id)
                for ep in request.end_point)
        profile = ingress_profile([ep.ingress_profile() for ep in request.end_point], mbps)
        # A new service's activation has started when this returns (Icm.on_planned).
        row, _new = icm.create(CreateConnectivityService(
            owner=principal.party, a=a, z=z, mbps=mbps, max_delay_ms=constraint.max_delay_ms if constraint else None,
            name=request.service_name, uuid=request.uuid, profile=profile))
        return {"output": {"service": service_view(row, icm.faults_now(), icm.topology)}}

    @router.post(f"{OPERATIONS}/update-connectivity-service/")
    def update_connectivity_service(body: UpdateConnectivityServiceInput, principal: Principal = caller) -> dict:
        request = body.input
        mbps = capacity_mbps(request.conn_constraint.requested_capacity if request.conn_constraint else None)
        end = request.end_point
        if mbps is None and end is None:
            raise Unprocessable("Say what changes: the bandwidth in conn-constraint/requested-capacity, or an "
                                "end-point with its new ce-vlan-id-list-and-untag", code="missingProperty",
                                property_path="/input/conn-constraint/requested-capacity")
        ends = () if end is None else (EndPointRequest(end.service_interface_point.service_interface_point_id,
                                                       end.vlan_id),)
        row = icm.change(ChangeConnectivityService(principal.owner_filter, request.service_id_or_name, mbps, ends))
        if row.pending:
            activation.submit_change(icm, row)
        return {"output": {"service": service_view(row, icm.faults_now(), icm.topology)}}

    @router.post(f"{OPERATIONS}/delete-connectivity-service/")
    def delete_connectivity_service(body: ServiceIdOrNameInput, principal: Principal = caller) -> dict:
        row = icm.delete(DeleteConnectivityService(principal.owner_filter, body.input.service_id_or_name))
        activation.submit_removal(icm, row)
        return {"output": {"service": service_view(row, icm.faults_now(), icm.topology)}}

    @router.post(f"{OPERATIONS}/cadenza-reroute-connectivity-service/")
    def reroute_connectivity_service(body: RerouteInput, principal: Principal = caller) -> dict:
        """Move an installed service to a route keeping off `avoid`, make before break: the new
        route is decided (and its resources held) before this answers; the elements follow."""
        asked = body.input
        row, moved = icm.reroute(RerouteConnectivityService(principal.owner_filter, asked.service_id_or_name,
                                                            tuple(asked.avoid), asked.max_delay_ms))
        if moved:
            reroute_flow.submit_reroute(icm, row)
        return {"output": reroute_view(row, moved, icm.faults_now(), icm.topology)}

    @router.post(f"{OPERATIONS}/cadenza-reassign-end-point/")
    def reassign_end_point(body: ReassignInput, principal: Principal = caller) -> dict:
        """Move an installed service's end point to another edge point (a failed port's spare),
        make before break: the port and the route from it are decided (and held) before this
        answers; the elements follow."""
        asked = body.input
        row, moved = icm.reassign(ReassignEndPoint(principal.owner_filter, asked.service_id_or_name,
                                                   asked.from_sip, asked.to_sip))
        if moved:
            reroute_flow.submit_reroute(icm, row)
        view = reroute_view(row, moved, icm.faults_now(), icm.topology)
        return {"output": {**view, "reassign": {"from-service-interface-point": asked.from_sip,
                                                "to-service-interface-point": asked.to_sip}}}

    @router.post(f"{OPERATIONS}/cadenza-get-configuration-drift/")
    def configuration_drift(body: ServiceIdOrNameInput, principal: Principal = caller) -> dict:
        """The service's running configuration, read from its elements, compared with its design."""
        with icm.database.read() as session:
            row = icm.get(session, body.input.service_id_or_name, principal.owner_filter)
        return {"output": {"configuration-drift": drift_view(drift.check(icm, row))}}

    @router.post(f"{OPERATIONS}/cadenza-reapply-connectivity-service/")
    def reapply_connectivity_service(body: ServiceIdOrNameInput, principal: Principal = caller) -> dict:
        """The service's designed configuration written to its elements again, where it drifted."""
        done = drift.reapply(icm, body.input.service_id_or_name, principal.owner_filter)
        return {"output": {"reapply": reapply_view(done), "service": service_details(done.after.service, principal)}}

    @router.post(f"{OPERATIONS}/compute-p-2-p-path/")
    def compute_p_2_p_path(body: ComputeP2PPathInput, principal: Principal = caller) -> dict:
        """Whether and how the network could carry a service now; nothing is reserved or kept."""
        request = body.input
        constraint = request.routing_constraint
        mbps = capacity_mbps(constraint.requested_capacity if constraint else None)
        if mbps is None:
            raise Unprocessable("Give the bandwidth in routing-constraint/requested-capacity/total-size",
                                code="missingProperty", property_path="/input/routing-constraint/requested-capacity")
        found = icm.feasibility([(sep.service_interface_point, sep.mode, sep.vlan_id) for sep in request.sep], mbps,
                                max_delay_ms=constraint.max_delay_ms if constraint else None,
                                for_service=request.for_service, owner=principal.owner_filter)
        return {"output": {"service": path_view(body.model_dump(mode="json", by_alias=True, exclude_none=True)["input"],
                                                found, mbps)}}

    @router.post(f"{OPERATIONS}/get-connectivity-service-details/")
    def get_connectivity_service_details(body: ServiceIdOrNameInput, principal: Principal = caller) -> dict:
        return {"output": {"service": service_details(body.input.service_id_or_name, principal)}}

    @router.post(f"{OPERATIONS}/get-connectivity-service-list/")
    def get_connectivity_service_list(principal: Principal = caller) -> dict:
        faults = icm.faults_now()
        with icm.database.read() as session:
            return {"output": {"service": [service_view(r, faults, icm.topology)
                                           for r in icm.list(session, principal.owner_filter)]}}

    @router.get(DATA_CONTEXT + "/connectivity-service={uuid}/")
    def connectivity_service(uuid: str, principal: Principal = caller) -> dict:
        return service_details(uuid, principal)

    @router.post(f"{OPERATIONS}/cadenza-run-activation-test/")
    def run_test(body: ServiceIdOrNameInput, principal: Principal = caller) -> dict:
        with icm.database.transaction() as session:
            row = icm.get(session, body.input.service_id_or_name, principal.owner_filter)
        return {"output": {"test": test_view(row, run_activation_test(icm.adagio, row))}}

    @router.post(f"{OPERATIONS}/cadenza-get-pm-counters/")
    def pm_counters(body: ServiceIdOrNameInput, principal: Principal = caller) -> dict:
        with icm.database.transaction() as session:
            row = icm.get(session, body.input.service_id_or_name, principal.owner_filter)
        return {"output": {"counters": counters_view(row, read_counters(icm.adagio, row))}}

    @router.post(f"{OPERATIONS}/cadenza-get-pm-history/")
    def pm_history(body: PmHistoryInput, principal: Principal = caller) -> dict:
        asked = body.input
        end_s = asked.end.timestamp() if asked.end else icm.adagio.pm_clock()[0]
        start_s = asked.start.timestamp() if asked.start else end_s - 86_400
        if start_s >= end_s:
            raise Unprocessable("'from' must be before 'to'", property_path="/input/from")
        availability = Availability(asked.availability.delta_t_seconds, asked.availability.threshold_c,
                                    asked.availability.consecutive_n)
        with icm.database.read() as session:
            row = icm.get(session, asked.service_id_or_name, principal.owner_filter)
        collect_service(icm, row, settings_of(icm.name))  # what the store lacks, from the elements now
        with icm.database.read() as session:
            directions = read_history(session, icm.name, row.uuid, start_s=start_s, end_s=end_s,
                                      availability=availability)
        view = pm_history_view(row, directions, availability, start_s=start_s, end_s=end_s,
                               include_steps=asked.include_steps, fields=asked.interval_fields,
                               measure=None if asked.measure is None else SlsParameters.of(asked.measure))
        view["network-time"] = iso(datetime.fromtimestamp(icm.adagio.pm_clock()[0], UTC))
        return {"output": {"pm-history": view}}

    @router.post(f"{OPERATIONS}/cadenza-get-network-time/")
    def network_time(principal: Principal = caller) -> dict:
        moment, interval_s, step_s, scale = icm.adagio.pm_clock()
        return {"output": {"network-time": {"time": iso(datetime.fromtimestamp(moment, UTC)), "epoch-seconds": moment,
                                            "scale": scale, "interval-seconds": interval_s, "step-seconds": step_s}}}

    def sips() -> list[dict[str, Any]]:
        faults = icm.faults_now()
        with icm.database.read() as session:
            usage = {(u.element, u.port): u for u in session.scalars(
                select(PortUsageRow).where(PortUsageRow.network_domain == icm.name))}
        return [sip_view(e, usage.get((e.element, e.port)), faults) for e in icm.topology.edge_points.values()]

    def sip(name: str) -> dict[str, Any]:
        edge = icm.topology.edge_points.get(name)
        if edge is None:
            raise NotFound(f"No service interface point '{name}' in network domain {icm.name}")
        with icm.database.read() as session:
            usage = session.get(PortUsageRow, (icm.name, edge.element, edge.port))
        return sip_view(edge, usage, icm.faults_now())

    @router.post(f"{OPERATIONS}/get-service-interface-point-list/")
    def get_sip_list(_principal: Principal = caller) -> dict:
        return {"output": {"sip": sips()}}

    @router.post(f"{OPERATIONS}/get-service-interface-point-details/")
    def get_sip_details(body: SipIdOrNameInput, _principal: Principal = caller) -> dict:
        return {"output": {"sip": sip(body.input.sip_id_or_name)}}

    @router.get(DATA_CONTEXT + "/service-interface-point={uuid}/")
    def get_sip(uuid: str, _principal: Principal = caller) -> dict:
        return sip(uuid)

    def topology() -> dict[str, Any]:
        live = {link_id_for(f"{s.a}:{s.a_port}", f"{s.b}:{s.b_port}"): s for s in icm.adagio.links()}
        # what the database holds, not this worker's picture: another worker may have planned since
        with icm.database.read() as session:
            free = icm.inventory.exact_available_mbps(session)
        return topology_view(icm.topology, live, free, icm.faults_now())

    def named_topology(name: str) -> dict[str, Any]:
        if name != icm.name:
            raise NotFound(f"No topology '{name}': this ICM manages '{icm.name}'")
        return topology()

    @router.post(f"{OPERATIONS}/get-topology-list/")
    def get_topology_list(_principal: Principal = caller) -> dict:
        return {"output": {"topology": [topology()]}}

    @router.post(f"{OPERATIONS}/get-topology-details/")
    def get_topology_details(body: TopologyIdOrNameInput, _principal: Principal = caller) -> dict:
        return {"output": {"topology": named_topology(body.input.topology_id_or_name)}}

    @router.get(DATA_CONTEXT + "/topology={uuid}/")
    def get_topology(uuid: str, _principal: Principal = caller) -> dict:
        return named_topology(uuid)

    return router

