"""PRESTO payloads: the TAPI/NRP subset Cadenza serves, with the spec's kebab-case names.

Inputs are pydantic models (unknown TAPI attributes are accepted and ignored, as the spec
allows a server to support a subset); outputs are built as plain dicts in the spec's shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "AvailabilityParameters",
    "INTERVAL_FIELDS",
    "IfdvParameter",
    "MeasureParameters",
    "PmHistoryRequest",
    "PmHistoryInput",
    "RerouteRequest",
    "RerouteInput",
    "ReassignRequest",
    "ReassignInput",
    "BwpFlow",
    "CosIdentifier",
    "Envelope",
    "CapacityValue",
    "Capacity",
    "VlanId",
    "VlanIdListAndUntag",
    "EndPointResource",
    "SipRef",
    "EndPointInput",
    "LatencyCharacteristic",
    "ConnConstraint",
    "CreateInput",
    "CreateConnectivityServiceInput",
    "UpdateInput",
    "UpdateConnectivityServiceInput",
    "ServiceIdInput",
    "ServiceIdOrNameInput",
    "SipIdInput",
    "SipIdOrNameInput",
    "TopologyIdInput",
    "TopologyIdOrNameInput",
    "PathServiceEndPointInput",
    "RoutingConstraint",
    "ComputeP2PPathInput",
    "ComputeP2PPathInputBody",
    "capacity_mbps",
    "UNIT_TO_MBPS",
]


class _Tapi(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


UNIT_TO_MBPS = {"TBPS": 1_000_000, "GBPS": 1_000, "MBPS": 1, "KBPS": 0.001,
                "TB": 1_000_000, "GB": 1_000, "MB": 1, "KB": 0.001}


class CapacityValue(_Tapi):
    # 0 is a committed rate of nothing: a best-effort service whose end points police an EIR.
    value: int = Field(ge=0, le=2_000_000_000)
    unit: str = Field("MBPS", pattern="^(TB|TBPS|GB|GBPS|MB|MBPS|KB|KBPS)$")


class Capacity(_Tapi):
    total_size: CapacityValue | None = Field(None, alias="total-size")


def capacity_mbps(capacity: Capacity | None) -> int | None:
    if capacity is None or capacity.total_size is None:
        return None
    if capacity.total_size.value == 0:
        return 0
    return max(1, round(capacity.total_size.value * UNIT_TO_MBPS[capacity.total_size.unit]))


class Envelope(_Tapi):
    envelope_id: str | None = Field(None, alias="envelope-id", min_length=1, max_length=45)
    coupling_flag_for_index_zero: bool | None = Field(None, alias="coupling-flag-for-index-zero")


class BwpFlow(_Tapi):
    """mef-common BwpFlow (presto-nrp.yaml mef.common.BwpFlow): rates in bit/s, bursts in bytes."""

    cir: int = Field(0, ge=0, le=10**12)
    cir_max: int | None = Field(None, alias="cir-max", ge=0, le=10**12)
    cbs: int | None = Field(None, ge=0, le=10**10)
    eir: int = Field(0, ge=0, le=10**12)
    eir_max: int | None = Field(None, alias="eir-max", ge=0, le=10**12)
    ebs: int | None = Field(None, ge=0, le=10**10)
    coupling_flag: bool | None = Field(None, alias="coupling-flag")
    color_mode: str | None = Field(None, alias="color-mode", pattern="^(COLOR_BLIND|COLOR_AWARE)$")
    rank: int | None = Field(None, ge=1, le=255)
    token_request_offset: int | None = Field(None, alias="token-request-offset", ge=0)
    envelope: Envelope | None = None


class CosIdentifier(_Tapi):
    cos_name: str = Field(alias="cos-name", min_length=1, max_length=45)
    ingress_bwp_per_cos: BwpFlow | None = Field(None, alias="ingress-bwp-per-cos")


class VlanId(_Tapi):
    vlan_id: int = Field(alias="vlan-id", ge=1, le=4094)


class VlanIdListAndUntag(_Tapi):
    vlan_id: list[VlanId] = Field(default_factory=list, alias="vlan-id", max_length=1)
    vlan_id_mapping_type: str = Field("LIST", alias="vlan-id-mapping-type", pattern="^(ALL|EXCEPT|LIST)$")


class EndPointResource(_Tapi):
    ce_vlan_id_list_and_untag: VlanIdListAndUntag | None = Field(None, alias="ce-vlan-id-list-and-untag")
    ingress_bwp_flow: BwpFlow | None = Field(None, alias="ingress-bwp-flow")  # one profile for the end point
    cos_identifier_list: list[CosIdentifier] = Field(default_factory=list, alias="cos-identifier-list",
                                                     max_length=8)  # one profile per class of service name

    def ingress_profile(self) -> dict[str, Any] | None:
        """The end point's ingress bandwidth profile, as the ICM configures it (icm/design.py):
        rates in kbit/s, bursts in kbytes, one flow per class of service; None when not given."""
        flows = [(c.cos_name, c.ingress_bwp_per_cos) for c in self.cos_identifier_list
                 if c.ingress_bwp_per_cos is not None]
        whole = self.ingress_bwp_flow
        if not flows and whole is None:
            return None
        per_cos = [{"name": name, "cir_kbps": f.cir // 1000, "cbs_kbytes": (f.cbs or 0) // 1000,
                    "eir_kbps": f.eir // 1000, "ebs_kbytes": (f.ebs or 0) // 1000,
                    "envelope": f.envelope.envelope_id if f.envelope else None, "rank": f.rank,
                    "coupling_flag": f.coupling_flag, "color_mode": f.color_mode} for name, f in flows]
        eir = whole.eir if whole is not None else sum(f.eir for _, f in flows)
        cbs = whole.cbs if whole is not None else (sum(f.cbs or 0 for _, f in flows) if flows else None)
        ebs = whole.ebs if whole is not None else (sum(f.ebs or 0 for _, f in flows) if flows else None)
        cir = whole.cir if whole is not None else sum(f.cir for _, f in flows)
        return {"cir_kbps": cir // 1000, "eir_kbps": eir // 1000, "cbs_kbytes": None if cbs is None else cbs // 1000,
                "ebs_kbytes": None if ebs is None else ebs // 1000, "per_cos": per_cos}


class SipRef(_Tapi):
    service_interface_point_id: str = Field(alias="service-interface-point-id", min_length=1, max_length=200)


class EndPointInput(_Tapi):
    local_id: str | None = Field(None, alias="local-id")
    service_interface_point: SipRef = Field(alias="service-interface-point")
    layer_protocol_name: str = Field("ETH", alias="layer-protocol-name")
    capacity: Capacity | None = None
    resource: EndPointResource | None = Field(None, alias="nrp-carrier-eth-connectivity-end-point-resource")

    def ingress_profile(self) -> dict[str, Any] | None:
        return self.resource.ingress_profile() if self.resource is not None else None

    @property
    def vlan_id(self) -> int | None:
        mapping = self.resource.ce_vlan_id_list_and_untag if self.resource else None
        if mapping is None or mapping.vlan_id_mapping_type == "ALL" or not mapping.vlan_id:
            return None
        return mapping.vlan_id[0].vlan_id


class LatencyCharacteristic(_Tapi):
    traffic_property_name: str | None = Field(None, alias="traffic-property-name")
    fixed_latency_characteristic: str | None = Field(None, alias="fixed-latency-characteristic",
                                                     pattern=r"^\d+(\.\d+)?$")


class _LatencyBounded(_Tapi):
    """A constraint that may bound the delay: the tightest fixed latency it names."""

    latency_characteristic: list[LatencyCharacteristic] = Field(default_factory=list, alias="latency-characteristic")

    @property
    def max_delay_ms(self) -> float | None:
        bounds = [float(lc.fixed_latency_characteristic) for lc in self.latency_characteristic
                  if lc.fixed_latency_characteristic is not None]
        return min(bounds) if bounds else None


class ConnConstraint(_LatencyBounded):
    requested_capacity: Capacity | None = Field(None, alias="requested-capacity")
    service_type: str = Field("POINT_TO_POINT_CONNECTIVITY", alias="service-type")
    service_level: str | None = Field(None, alias="service-level")


class CreateInput(_Tapi):
    end_point: list[EndPointInput] = Field(alias="end-point", min_length=2, max_length=2)
    conn_constraint: ConnConstraint | None = Field(None, alias="conn-constraint")
    state: str | None = None
    # Cadenza profile: a caller-chosen uuid and name make a retried create harmless.
    uuid: str | None = Field(None, pattern=r"^[0-9a-fA-F-]{8,64}$")
    name: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def service_name(self) -> str | None:
        for item in self.name:
            if isinstance(item, dict) and item.get("value-name") in ("name", "service-name"):
                return str(item.get("value"))
        return None


class CreateConnectivityServiceInput(_Tapi):
    input: CreateInput


class UpdateInput(_Tapi):
    """A change of an installed service: its bandwidth (`conn-constraint/requested-capacity`),
    the CE-VLAN of one of its end points (`end-point`, named by its service interface point), or both."""

    service_id_or_name: str = Field(alias="service-id-or-name", min_length=1)
    conn_constraint: ConnConstraint | None = Field(None, alias="conn-constraint")
    end_point: EndPointInput | None = Field(None, alias="end-point")


class UpdateConnectivityServiceInput(_Tapi):
    input: UpdateInput


class ServiceIdInput(_Tapi):
    service_id_or_name: str = Field(alias="service-id-or-name", min_length=1)


class ServiceIdOrNameInput(_Tapi):
    input: ServiceIdInput


class SipIdInput(_Tapi):
    sip_id_or_name: str = Field(alias="sip-id-or-name", min_length=1)


class SipIdOrNameInput(_Tapi):
    input: SipIdInput


class TopologyIdInput(_Tapi):
    topology_id_or_name: str = Field(alias="topology-id-or-name", min_length=1)


class TopologyIdOrNameInput(_Tapi):
    input: TopologyIdInput


class PathServiceEndPointInput(_Tapi):
    """tapi.path.computation.PathServiceEndPoint, plus (Cadenza profile) the CE-VLAN resource of
    a create's end point: absent or ALL, the whole port; LIST with one id, that VLAN; LIST
    with none, a VLAN-based end whose VLAN is chosen later."""

    service_interface_point: str = Field(alias="service-interface-point", min_length=1, max_length=200)
    layer_protocol_name: str | None = Field(None, alias="service-layer")
    resource: EndPointResource | None = Field(None, alias="nrp-carrier-eth-connectivity-end-point-resource")

    @property
    def mode(self) -> str:
        mapping = self.resource.ce_vlan_id_list_and_untag if self.resource else None
        return "port" if mapping is None or mapping.vlan_id_mapping_type == "ALL" else "vlan"

    @property
    def vlan_id(self) -> int | None:
        mapping = self.resource.ce_vlan_id_list_and_untag if self.resource else None
        return mapping.vlan_id[0].vlan_id if mapping is not None and self.mode == "vlan" and mapping.vlan_id else None


class RoutingConstraint(_LatencyBounded):
    requested_capacity: Capacity | None = Field(None, alias="requested-capacity")


class ComputeP2PPathInputBody(_Tapi):
    sep: list[PathServiceEndPointInput] = Field(min_length=2, max_length=2)
    routing_constraint: RoutingConstraint | None = Field(None, alias="routing-constraint")
    # Cadenza profile: the path for a change of this existing service (its own holding counts as free).
    for_service: str | None = Field(None, alias="cadenza-for-service", min_length=1, max_length=200)


class ComputeP2PPathInput(_Tapi):
    input: ComputeP2PPathInputBody


class AvailabilityParameters(_Tapi):
    """MEF 10.4 availability parameters for the counts of a PM history (Cadenza profile)."""

    delta_t_seconds: int = Field(10, alias="delta-t-seconds", ge=1, le=3600)
    threshold_c: float = Field(0.5, alias="threshold-c", ge=0, le=1)
    consecutive_n: int = Field(10, alias="consecutive-n", ge=1, le=1000)


# the figures of each interval of a PM history (docs/presto-profile.md), in the order written
# (`cadenza-interval-fields` names some of them)
INTERVAL_FIELDS = (
    "interval-number", "start", "end", "suspect-interval-flag", "all-frames-fw-tx", "all-frames-fw-rx",
    "green-frames-fw-tx", "green-frames-fw-rx", "frames-dropped-at-ingress", "soam-pm-frames-tx", "soam-pm-frames-rx",
    "fd-1-fw-min", "fd-1-fw-mean", "fd-1-fw-max", "fd-1-fw-p99", "fdr-1-fw-p99", "ifdv-1-fw-p99", "flr-1-fw-min",
    "flr-1-fw-max", "flr-1-fw-mean", "available-intervals-fw", "unavailable-intervals-fw", "availability-percent",
    "availability-final", "hli-count-fw", "chli-count-fw")


_Percentile = Annotated[float, Field(gt=0, le=100)]


class IfdvParameter(_Tapi):
    percentile: _Percentile
    delta_tau_seconds: float = Field(alias="delta-tau-seconds", gt=0, le=3600)


class MeasureParameters(_Tapi):
    """Cadenza profile: a SLS's parameters (MEF 10.4 §8.8) the ICM measures its segment with, for
    a SOF whose service is that one segment (docs/presto-profile.md, `cadenza-measure`)."""

    delta_t_seconds: int = Field(alias="delta-t-seconds", ge=1, le=3600)
    threshold_c: float = Field(alias="threshold-c", ge=0, le=1)
    consecutive_n: int = Field(alias="consecutive-n", ge=1, le=1000)
    fd_percentiles: list[_Percentile] = Field(default_factory=list, alias="fd-percentiles", max_length=20)
    fdr_percentiles: list[_Percentile] = Field(default_factory=list, alias="fdr-percentiles", max_length=20)
    ifdv: list[IfdvParameter] = Field(default_factory=list, max_length=20)
    chli_p: list[Annotated[int, Field(ge=1, le=1000)]] = Field(default_factory=list, alias="chli-p", max_length=20)


class PmHistoryRequest(_Tapi):
    service_id_or_name: str = Field(alias="service-id-or-name", min_length=1)
    start: datetime | None = Field(None, alias="from", description="simulated time; default: a day before `to`")
    end: datetime | None = Field(None, alias="to", description="simulated time; default: now")
    include_steps: bool = Field(False, alias="include-steps")
    availability: AvailabilityParameters = Field(default_factory=AvailabilityParameters)
    measure: MeasureParameters | None = Field(None, alias="cadenza-measure")
    interval_fields: list[str] | None = Field(None, alias="cadenza-interval-fields", max_length=len(INTERVAL_FIELDS))

    @field_validator("interval_fields")
    @classmethod
    def _known_fields(cls, names: list[str] | None) -> list[str] | None:
        unknown = sorted(set(names or ()) - set(INTERVAL_FIELDS))
        if unknown:
            raise ValueError(f"not figures of an interval: {', '.join(unknown)}")
        return names


class PmHistoryInput(_Tapi):
    input: PmHistoryRequest


class RerouteRequest(_Tapi):
    """Cadenza profile: move an installed service to a route that keeps off `avoid`."""

    service_id_or_name: str = Field(alias="service-id-or-name", min_length=1, max_length=200)
    avoid: list[str] = Field(default_factory=list, max_length=100,
                             description="link ids ('element:port|element:port') and/or element names")
    max_delay_ms: float | None = Field(None, alias="max-delay-ms", gt=0, le=10_000)


class RerouteInput(_Tapi):
    input: RerouteRequest


class ReassignRequest(_Tapi):
    """Cadenza profile: move an installed service's end point to another edge point (a failed
    access port's spare), with the route from there."""

    service_id_or_name: str = Field(alias="service-id-or-name", min_length=1, max_length=200)
    from_sip: str = Field(alias="from-service-interface-point", min_length=1, max_length=200)
    to_sip: str = Field(alias="to-service-interface-point", min_length=1, max_length=200)


class ReassignInput(_Tapi):
    input: ReassignRequest
