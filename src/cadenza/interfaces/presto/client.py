"""A typed, synchronous PRESTO client for a SOF (docs/presto-profile.md).

One client reaches every ICM of a provider domain: each call names the network domain, whose
RESTCONF tree is at `{base_url}/presto/{network-domain}`. Failures carry the MEF error body::

    PrestoError                  any answer that is not 2xx, or no answer at all
    ├── PrestoRefused       4xx  the ICM understood and said no (422 no path, 409 wrong state ...)
    │   └── PrestoNotFound  404  unknown service or edge point
    └── PrestoUnavailable        5xx, a timeout or a broken connection: worth retrying
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from cadenza.core.client_credentials import TokenProvider, TokenUnavailable, send_with_token
from cadenza.interfaces.presto.paths import DISABLED, OPERATIONS, icm_base

__all__ = [
    "PrestoError",
    "PrestoRefused",
    "PrestoNotFound",
    "PrestoUnavailable",
    "SegmentRequest",
    "ConnectivityService",
    "ActivationTest",
    "PathEnd",
    "PathFound",
    "Reroute",
    "ConfigurationDrift",
    "Reapply",
    "PrestoClient",
    "TokenProvider",
]



class PrestoError(Exception):
    def __init__(self, reason: str, *, status: int | None = None, body: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.body = body or {}


class PrestoRefused(PrestoError):
    pass


class PrestoNotFound(PrestoRefused):
    pass


class PrestoUnavailable(PrestoError):
    pass


@dataclass(frozen=True, slots=True)
class SegmentRequest:
    """One point-to-point connectivity service inside one network domain."""

    uuid: str  # chosen by the caller, so a retried create returns the first service
    a_sip: str
    a_vlan: int | None
    z_sip: str
    z_vlan: int | None
    mbps: int
    max_delay_ms: float | None = None
    name: str | None = None
    # the LEGATO placement's bandwidthProfile (EIR, flows per class of service), sent as each end
    # point's ingress-bwp-flow and cos-identifier-list; None: the committed rate alone
    profile: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ConnectivityService:
    uuid: str
    state: str  # cadenza-activation/state: planned, installed, modifying, removing, removed, failed
    reason: str | None
    bandwidth_mbps: int
    route: tuple[str, ...]
    route_delay_ms: float | None
    raw: dict[str, Any]
    operational_state: str = DISABLED  # TAPI operational-state: can it carry traffic now?

    def vlan_at(self, sip: str) -> int | None:
        """The CE-VLAN of the end point at `sip` (None: port-based, or no such end point)."""
        for end in self.raw.get("end-point", []):
            if (end.get("service-interface-point") or {}).get("service-interface-point-id") == sip:
                mapping = (end.get("nrp-carrier-eth-connectivity-end-point-resource") or {}).get(
                    "ce-vlan-id-list-and-untag") or {}
                listed = mapping.get("vlan-id") or []
                return int(listed[0]["vlan-id"]) if listed else None
        return None


@dataclass(frozen=True, slots=True)
class ActivationTest:
    passed: bool
    failures: tuple[str, ...]
    delay_ms: float
    loss_ratio: float
    rate_mbps: float
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PathEnd:
    """One end of a path asked about: the whole port (`port_based`), or one VLAN on it (`vlan`
    given), or some VLAN on it still to be chosen (neither)."""

    sip: str
    vlan: int | None = None
    port_based: bool = False


@dataclass(frozen=True, slots=True)
class PathFound:
    """What compute-p-2-p-path found: the route, and the bandwidth left free along it."""

    route: tuple[str, ...]
    links: tuple[str, ...]
    delay_ms: float
    headroom_mbps: int


@dataclass(frozen=True, slots=True)
class Reroute:
    """What a reroute request was answered: the service, and the route it moves to (`moving`:
    the elements follow, its state-change event tells when they have) or keeps (`unchanged`:
    it already keeps off what was asked)."""

    service: ConnectivityService
    moving: bool
    from_route: tuple[str, ...]
    route: tuple[str, ...]
    links: tuple[str, ...]
    delay_ms: float | None


@dataclass(frozen=True, slots=True)
class ConfigurationDrift:
    """A service's running configuration against its design (cadenza-get-configuration-drift):
    one sentence per difference, and the elements that could not be read."""

    service_id: str
    in_step: bool
    elements: tuple[str, ...]
    differences: tuple[str, ...]
    unread: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reapply:
    """What re-applying a service's design did: the elements rewritten (none: `unchanged`, the
    elements already ran it), the drift found before and what is left after."""

    rewritten: tuple[str, ...]
    before: ConfigurationDrift
    after: ConfigurationDrift


def _drift(view: dict[str, Any]) -> ConfigurationDrift:
    return ConfigurationDrift(view["service-id"], bool(view["in-step"]), tuple(view.get("elements", ())),
                              tuple(view.get("differences", ())), tuple(view.get("unread", ())))


def _sep(end: PathEnd) -> dict[str, Any]:
    mapping: dict[str, Any] = ({"vlan-id-mapping-type": "ALL"} if end.port_based
                               else {"vlan-id-mapping-type": "LIST",
                                     "vlan-id": [] if end.vlan is None else [{"vlan-id": end.vlan}]})
    return {"service-interface-point": end.sip, "service-layer": "ETH",
            "nrp-carrier-eth-connectivity-end-point-resource": {"ce-vlan-id-list-and-untag": mapping}}


def _end(sip: str, vlan: int | None) -> dict[str, Any]:
    mapping: dict[str, Any] = ({"vlan-id-mapping-type": "ALL"} if vlan is None
                               else {"vlan-id-mapping-type": "LIST", "vlan-id": [{"vlan-id": vlan}]})
    return {"service-interface-point": {"service-interface-point-id": sip}, "layer-protocol-name": "ETH",
            "nrp-carrier-eth-connectivity-end-point-resource": {"ce-vlan-id-list-and-untag": mapping}}


def _bwp(flow: dict[str, Any]) -> dict[str, Any]:
    """A flow of the placement hint as mef-common BwpFlow: rates in bit/s, bursts in bytes."""
    view: dict[str, Any] = {"cir": round(flow.get("cirMbps", 0) * 1_000_000),
                            "eir": round(flow.get("eirMbps", 0) * 1_000_000)}
    for hint, name in (("cbsKbytes", "cbs"), ("ebsKbytes", "ebs")):
        if flow.get(hint) is not None:
            view[name] = round(flow[hint] * 1000)
    for hint, name in (("rank", "rank"), ("couplingFlag", "coupling-flag"), ("colorMode", "color-mode")):
        if flow.get(hint) is not None:
            view[name] = flow[hint]
    if flow.get("envelopeId"):
        view["envelope"] = {"envelope-id": flow["envelopeId"]}
    return view


def _ingress(profile: dict[str, Any], mbps: int) -> dict[str, Any]:
    """The end point's ingress bandwidth profile: one flow per class of service name, or one
    flow for the whole end point (its committed rate is the segment's `mbps`)."""
    named = [f for f in profile.get("flows") or [] if f.get("cosName")]
    if named:
        return {"cos-identifier-list": [{"cos-name": f["cosName"], "ingress-bwp-per-cos": _bwp(f)} for f in named]}
    whole = (profile.get("flows") or [{}])[0]
    return {"ingress-bwp-flow": _bwp({**whole, "cirMbps": mbps, "eirMbps": profile.get("eirMbps", 0)})}


def _capacity(mbps: int) -> dict[str, Any]:
    return {"requested-capacity": {"total-size": {"value": mbps, "unit": "MBPS"}}}


def _service(view: dict[str, Any]) -> ConnectivityService:
    activation = view.get("cadenza-activation", {})
    return ConnectivityService(
        uuid=view["uuid"], state=activation.get("state", ""), reason=activation.get("reason"),
        bandwidth_mbps=int(view.get("requested-capacity", {}).get("total-size", {}).get("value", 0)),
        route=tuple(activation.get("route", [])), route_delay_ms=activation.get("route-delay-ms"), raw=view,
        operational_state=view.get("operational-state", DISABLED))


class PrestoClient:
    def __init__(self, base_url: str, token: TokenProvider, *, transport: httpx.BaseTransport | None = None,
                 timeout_s: float = 30.0) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), transport=transport, timeout=timeout_s)
        self._token = token

    def close(self) -> None:
        self._http.close()

    def _call(self, network_domain: str, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        url = f"{icm_base(network_domain)}{OPERATIONS}/{operation}/"
        try:
            reply = send_with_token(self._http, "POST", url, self._token, json=payload)
        except TokenUnavailable as exc:
            raise PrestoUnavailable(f"PRESTO {network_domain} {operation}: {exc}", status=exc.status) from exc
        except httpx.HTTPError as exc:
            raise PrestoUnavailable(f"PRESTO {network_domain} {operation}: {type(exc).__name__}: {exc}") from exc
        if reply.is_success:
            return reply.json().get("output", {})
        try:
            body = reply.json()
        except ValueError:
            body = {"reason": reply.text[:255]}
        reason = f"PRESTO {network_domain} {operation} answered {reply.status_code}: {body.get('reason', '')}"
        kind = PrestoNotFound if reply.status_code == 404 else PrestoRefused if reply.status_code < 500 \
            else PrestoUnavailable
        raise kind(reason, status=reply.status_code, body=body)

    def create_connectivity_service(self, network_domain: str, request: SegmentRequest) -> ConnectivityService:
        constraint: dict[str, Any] = {**_capacity(request.mbps), "service-type": "POINT_TO_POINT_CONNECTIVITY"}
        if request.max_delay_ms is not None:
            constraint["latency-characteristic"] = [{"traffic-property-name": "one-way-delay-ms",
                                                     "fixed-latency-characteristic": str(request.max_delay_ms)}]
        ends = [_end(request.a_sip, request.a_vlan), _end(request.z_sip, request.z_vlan)]
        if request.profile:
            for end in ends:
                end["nrp-carrier-eth-connectivity-end-point-resource"].update(_ingress(request.profile, request.mbps))
        body: dict[str, Any] = {"end-point": ends, "conn-constraint": constraint, "uuid": request.uuid}
        if request.name:
            body["name"] = [{"value-name": "name", "value": request.name}]
        return _service(self._call(network_domain, "create-connectivity-service", {"input": body})["service"])

    def update_connectivity_service(self, network_domain: str, uuid: str, mbps: int | None = None, *,
                                    end_point: tuple[str, int] | None = None) -> ConnectivityService:
        """Change the bandwidth, and/or the CE-VLAN of one end point ((service interface point, VLAN))."""
        body: dict[str, Any] = {"service-id-or-name": uuid}
        if mbps is not None:
            body["conn-constraint"] = _capacity(mbps)
        if end_point is not None:
            body["end-point"] = _end(*end_point)
        output = self._call(network_domain, "update-connectivity-service", {"input": body})
        return _service(output["service"])

    def delete_connectivity_service(self, network_domain: str, uuid: str) -> ConnectivityService:
        output = self._call(network_domain, "delete-connectivity-service", {"input": {"service-id-or-name": uuid}})
        return _service(output["service"])

    def get_connectivity_service(self, network_domain: str, uuid: str) -> ConnectivityService:
        output = self._call(network_domain, "get-connectivity-service-details",
                            {"input": {"service-id-or-name": uuid}})
        return _service(output["service"])

    def list_connectivity_services(self, network_domain: str) -> list[ConnectivityService]:
        """Every connectivity service of the caller's party in the network domain."""
        output = self._call(network_domain, "get-connectivity-service-list", {})
        return [_service(view) for view in output.get("service", [])]

    def run_activation_test(self, network_domain: str, uuid: str) -> ActivationTest:
        test = self._call(network_domain, "cadenza-run-activation-test",
                          {"input": {"service-id-or-name": uuid}})["test"]
        return ActivationTest(passed=test["result"] == "PASS", failures=tuple(test.get("failures", [])),
                              delay_ms=float(test.get("frame-delay-ms", 0.0)),
                              loss_ratio=float(test.get("frame-loss-ratio", 0.0)),
                              rate_mbps=float(test.get("information-rate-mbps", 0.0)), raw=test)

    def get_pm_counters(self, network_domain: str, uuid: str) -> dict[str, Any]:
        return self._call(network_domain, "cadenza-get-pm-counters", {"input": {"service-id-or-name": uuid}})[
            "counters"]

    def get_pm_history(self, network_domain: str, uuid: str, *, start: str | None = None, end: str | None = None,
                       include_steps: bool = True, availability: dict[str, Any] | None = None,
                       measure: Mapping[str, Any] | None = None, fields: Sequence[str] | None = None
                       ) -> dict[str, Any]:
        """The service's PM per direction and interval (docs/presto-profile.md, cadenza-get-pm-history);
        `start` and `end` are date-times of the network's (simulated) time; `measure`: a SLS's
        parameters (`cadenza-measure`) each direction's metrics are computed with too; `fields`:
        only those figures of each interval (`cadenza-interval-fields`)."""
        asked: dict[str, Any] = {"service-id-or-name": uuid, "include-steps": include_steps}
        if start is not None:
            asked["from"] = start
        if end is not None:
            asked["to"] = end
        if availability is not None:
            asked["availability"] = availability
        if measure is not None:
            asked["cadenza-measure"] = dict(measure)
        if fields is not None:
            asked["cadenza-interval-fields"] = list(fields)
        return self._call(network_domain, "cadenza-get-pm-history", {"input": asked})["pm-history"]

    def get_link_health(self, network_domain: str) -> dict[str, dict[str, Any]]:
        """Each link's health now (get-topology-details, `cadenza-link-health`, and the link's
        TAPI `operational-state`): link id -> {loss-ratio, delay-ms, design-loss-ratio,
        design-delay-ms, operational-state}."""
        topology = self._call(network_domain, "get-topology-details",
                              {"input": {"topology-id-or-name": network_domain}})["topology"]
        return {link["uuid"]: {**link.get("cadenza-link-health", {}),
                               "operational-state": link.get("operational-state")}
                for link in topology.get("link", [])}

    def get_network_time(self, network_domain: str) -> dict[str, Any]:
        """The network's (simulated) time: `epoch-seconds`, `scale`, `interval-seconds`, `step-seconds`."""
        return self._call(network_domain, "cadenza-get-network-time", {})["network-time"]

    def compute_p2p_path(self, network_domain: str, a: PathEnd, z: PathEnd, mbps: int, *,
                         max_delay_ms: float | None = None, for_service: str | None = None) -> PathFound:
        """Whether the network domain could carry this now; reserves nothing. Raises PrestoRefused
        (422) with the reason when it could not, e.g. no path with the bandwidth free."""
        constraint: dict[str, Any] = _capacity(mbps)
        if max_delay_ms is not None:
            constraint["latency-characteristic"] = [{"traffic-property-name": "one-way-delay-ms",
                                                     "fixed-latency-characteristic": str(max_delay_ms)}]
        body: dict[str, Any] = {"sep": [_sep(a), _sep(z)], "routing-constraint": constraint}
        if for_service is not None:
            body["cadenza-for-service"] = for_service
        path = self._call(network_domain, "compute-p-2-p-path", {"input": body})["service"]["cadenza-path"]
        return PathFound(tuple(path["route"]), tuple(path["links"]), float(path["route-delay-ms"]),
                         int(path["headroom-mbps"]))

    def reroute_connectivity_service(self, network_domain: str, uuid: str, avoid: list[str] | tuple[str, ...],
                                     max_delay_ms: float | None = None) -> Reroute:
        """Move a service to a route keeping off `avoid` (link ids, element names) and within
        `max_delay_ms` (None: the service's own maximum), make before break. Raises
        PrestoRefused: 422 when no path meets it (the reason says what blocks), 409 while the
        service is not installed or another move is under way."""
        body: dict[str, Any] = {"service-id-or-name": uuid, "avoid": list(avoid)}
        if max_delay_ms is not None:
            body["max-delay-ms"] = max_delay_ms
        output = self._call(network_domain, "cadenza-reroute-connectivity-service", {"input": body})
        moved = output["reroute"]
        return Reroute(_service(output["service"]), moved["result"] == "moving", tuple(moved["from-route"]),
                       tuple(moved["route"]), tuple(moved["links"]), moved.get("route-delay-ms"))

    def get_configuration_drift(self, network_domain: str, uuid: str) -> ConfigurationDrift:
        """The service's running configuration, read from its elements now, against its design.
        Raises PrestoRefused (409) while the service is not installed and at rest."""
        output = self._call(network_domain, "cadenza-get-configuration-drift", {"input": {"service-id-or-name": uuid}})
        return _drift(output["configuration-drift"])

    def reapply_connectivity_service(self, network_domain: str, uuid: str) -> Reapply:
        """Write the service's design to its elements again where it drifted; asking again is
        harmless (`rewritten` is then empty). Raises PrestoRefused (409) while the service is not
        installed and at rest, or when an element refuses."""
        output = self._call(network_domain, "cadenza-reapply-connectivity-service",
                            {"input": {"service-id-or-name": uuid}})["reapply"]
        return Reapply(tuple(output["rewritten"]), _drift(output["before"]), _drift(output["after"]))

    def reassign_end_point(self, network_domain: str, uuid: str, from_sip: str, to_sip: str) -> Reroute:
        """Move a service's end point at `from_sip` to edge point `to_sip` (a failed access port's
        spare), with the route from there, make before break. Raises PrestoRefused: 422 when the
        port is down, taken or too small or no path leaves it, 409 while the service is not
        installed or another move is under way. `moving` False: the end is at `to_sip` already."""
        body = {"service-id-or-name": uuid, "from-service-interface-point": from_sip,
                "to-service-interface-point": to_sip}
        output = self._call(network_domain, "cadenza-reassign-end-point", {"input": body})
        moved = output["reroute"]
        return Reroute(_service(output["service"]), moved["result"] == "moving", tuple(moved["from-route"]),
                       tuple(moved["route"]), tuple(moved["links"]), moved.get("route-delay-ms"))

    def list_service_interface_points(self, network_domain: str) -> list[dict[str, Any]]:
        return self._call(network_domain, "get-service-interface-point-list", {})["sip"]
